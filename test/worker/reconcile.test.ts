// The scheduled reconcile against the fake wired to a real receiver: it repairs what lost
// webhooks left stale, confirms bundles a listing missed with a detail call, and tombstones
// only on that call's 404. One reconcile at a time; the scheduler starts them on its own.
import { eq } from 'drizzle-orm';
import type { Job } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundles, syncRuns, webhookEvents } from '../../src/db/schema.js';
import { getRun, type SyncRun } from '../../src/db/sync-runs.js';
import { JOB } from '../../src/queue/jobs.js';
import { runBackfill } from '../../src/worker/backfill.js';
import { listPageJobId, processListPage } from '../../src/worker/list-page.js';
import { processors } from '../../src/worker/processors.js';
import {
  RECONCILE_SCHEDULER_ID,
  ensureReconcileScheduler,
  processReconcile,
  removeReconcileScheduler,
} from '../../src/worker/reconcile.js';
import type { SyncWorkerHandle } from '../../src/worker/worker.js';
import { mirrorDifferences, readHandles } from '../support/mirror.js';
import { startStack, type Stack } from '../support/stack.js';

const BUNDLES = 300;
const PAGES = BUNDLES / 100;
// A run walks two passes when nothing moves: the second proves the first (src/sync/page-walk.ts).
const LIST_CALLS = 2 * PAGES;

let harness: Stack;
let worker: SyncWorkerHandle | undefined;

beforeAll(async () => {
  // The fake delivers its webhooks to the stack's receiver.
  harness = await startStack({ label: 'reconcile', fake: { bundles: BUNDLES, seed: 'reconcile' }, concurrency: 8, receiver: true });
  const initial = await runBackfill(harness.backfillDeps(), { filters: {}, details: 'auto' }, { pollMs: 50 });
  expect(initial.outcome).toBe('completed');
}, 120_000);

afterAll(async () => {
  await worker?.close();
  await harness?.close();
});

const reconcileJob = { id: 'test-tick', name: JOB.reconcile, data: {} } as unknown as Job;

async function reconcileToTheEnd(): Promise<SyncRun> {
  const start = await processReconcile(reconcileJob, harness.ctx);
  if (!start.started) throw new Error(`a reconcile was already running: ${start.runningRunId}`);
  await expect.poll(async () => (await getRun(harness.db, start.runId))?.status, { timeout: 60_000, interval: 50 }).toBe('completed');
  // The run completes when the listing does; its detail syncs follow.
  await expect.poll(() => harness.queue.getJobCounts('prioritized', 'waiting', 'active', 'delayed').then(sumCounts), { timeout: 60_000, interval: 50 }).toBe(0);
  return (await getRun(harness.db, start.runId))!;
}

async function deletedAt(bundleId: string): Promise<Date | null | undefined> {
  const [row] = await harness.db.select({ deletedAt: bundles.deletedAt }).from(bundles).where(eq(bundles.bundleId, bundleId));
  return row?.deletedAt;
}

const sumCounts = (counts: Record<string, number>) => Object.values(counts).reduce((sum, n) => sum + n, 0);

describe('reconcile', { timeout: 120_000 }, () => {
  it('repairs changes whose webhooks were lost, with one detail call each', async () => {
    worker = await harness.startWorker();
    const { fake } = harness;
    const [advanced, remade] = fake.listBundleIds().filter((id) => fake.handles(id).length > 0);
    fake.setDelivery({ dropRate: 1 });
    await fake.advance(advanced!);
    await fake.remake(remade!);
    await fake.flushWebhooks();
    fake.setDelivery({ dropRate: 0 });
    // Nothing reached the receiver: the mirror is behind and does not know it.
    expect(await harness.db.select().from(webhookEvents)).toEqual([]);
    expect((await mirrorDifferences(harness, [advanced!, remade!])).map((d) => d.bundleId).sort()).toEqual([advanced, remade].sort());

    fake.resetStats();
    const run = await reconcileToTheEnd();
    expect(harness.calls()).toEqual({ list: LIST_CALLS, detail: 2 });
    expect(run.stats).toMatchObject({ pages: LIST_CALLS, passes: 2, listed: 2 * BUNDLES, changed: 2, detailsEnqueued: 2, missingConfirmations: 0 });
    expect(await mirrorDifferences(harness)).toEqual([]);
    expect(await readHandles(harness.db, remade!)).toEqual(fake.handles(remade!));
  });

  it('walks again when a bundle it listed is deleted under it, so the shifted one is mirrored; tombstones only on a 404', async () => {
    await worker?.close();
    const { fake } = harness;
    const ids = fake.listBundleIds();
    const deleted = ids[0]!;
    // Deleting a bundle of page 1 right after page 1 was listed shifts the first bundle of
    // page 2 onto page 1: that pass misses it although it is alive.
    const shifted = ids[100]!;
    let removed = false;
    worker = await harness.startWorker({
      processors: {
        ...processors,
        [JOB.listPage]: async (job, ctx) => {
          const outcome = await processListPage(job, ctx);
          if (!removed && (job.data as { page: number }).page === 1) {
            removed = true;
            await fake.remove(deleted);
          }
          return outcome;
        },
      },
    });

    fake.resetStats();
    const first = await reconcileToTheEnd();
    // Pass 2 no longer lists the deleted bundle pass 1 had listed: pass 1 is not proven (it may
    // have skipped what shifted), pass 2 listed the shifted one and is proven by pass 3.
    expect(first.stats).toMatchObject({
      passes: 3,
      vanished: 1,
      unproven: 0,
      listed: BUNDLES - 1 + 2 * (BUNDLES - 1),
      missingConfirmations: 0,
      detailsEnqueued: 0,
    });
    expect(harness.calls()).toEqual({ list: 3 * PAGES, detail: 0 });
    expect(await deletedAt(shifted)).toBeNull();
    expect(await deletedAt(deleted)).toBeNull();

    // The next reconcile misses the deleted bundle for real: its confirming call gets a 404.
    fake.resetStats();
    const second = await reconcileToTheEnd();
    expect(second.stats).toMatchObject({ passes: 2, listed: 2 * (BUNDLES - 1), missingConfirmations: 1 });
    expect(fake.stats().requests).toMatchObject({ 'GET /bundles/:id 404': 1 });
    expect(fake.stats().requests['GET /bundles/:id 200']).toBeUndefined();
    expect(await deletedAt(deleted)).toBeInstanceOf(Date);
    expect(await deletedAt(shifted)).toBeNull();
    expect(await mirrorDifferences(harness, fake.listBundleIds())).toEqual([]);

    // A tombstone is not confirmed again by later reconciles.
    fake.resetStats();
    const third = await reconcileToTheEnd();
    expect(third.stats.missingConfirmations).toBe(0);
    expect(harness.calls()).toEqual({ list: LIST_CALLS, detail: 0 });
  });

  it('runs one reconcile at a time however many ticks arrive together', async () => {
    await worker?.close();
    worker = undefined;
    const outcomes = await Promise.all([1, 2, 3].map(() => processReconcile(reconcileJob, harness.ctx)));
    const started = outcomes.filter((outcome) => outcome.started);
    expect(started).toHaveLength(1);
    const runId = started[0]!.started ? started[0]!.runId : '';
    for (const outcome of outcomes) if (!outcome.started) expect(outcome.runningRunId).toBe(runId);
    // A skipped tick re-adds the run's pending page: the same job id, so still one page job.
    const pageJobs = (await harness.queue.getJobs(['prioritized', 'waiting'])).filter((job) => job.name === JOB.listPage);
    expect(pageJobs.map((job) => job.id)).toEqual([listPageJobId(runId, 1, 1)]);

    worker = await harness.startWorker();
    await expect.poll(async () => (await getRun(harness.db, runId))?.status, { timeout: 60_000, interval: 50 }).toBe('completed');
  });

  it('is started by the job scheduler on its own, and upserting the scheduler twice keeps one', async () => {
    await ensureReconcileScheduler(harness.queue, 1_000);
    await ensureReconcileScheduler(harness.queue, 1_000);
    const schedulers = await harness.queue.getJobSchedulers();
    expect(schedulers.map((s) => [s.key, s.every, s.name])).toEqual([[RECONCILE_SCHEDULER_ID, 1_000, JOB.reconcile]]);

    const before = await harness.db.select().from(syncRuns).where(eq(syncRuns.kind, 'reconcile'));
    await expect
      .poll(async () => (await harness.db.select().from(syncRuns).where(eq(syncRuns.kind, 'reconcile'))).filter((r) => r.status === 'completed').length, {
        timeout: 30_000,
        interval: 100,
      })
      .toBeGreaterThan(before.filter((r) => r.status === 'completed').length);
    expect(await removeReconcileScheduler(harness.queue)).toBe(true);
    expect(await harness.queue.getJobSchedulers()).toEqual([]);
  });
});
