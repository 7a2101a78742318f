// The sync worker against the fake TokPortal over HTTP, real Postgres and real Redis: how each
// API failure is handled (a rejected key, 429s, 5xx and resets), with nothing lost.
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { webhookEvents } from '../../src/db/schema.js';
import type { FakeTokPortal } from '../../fake-tokportal/index.js';
import { DEFAULT_JOB_OPTIONS, JOB, type SyncBundleData } from '../../src/queue/jobs.js';
import { enqueueBundleSyncs } from '../../src/queue/sync-queue.js';
import { EXIT_CODE } from '../../src/lib/fatal-error.js';
import { insertPendingEvents } from '../support/inbox-history.js';
import { apiView, mirrorView, readBundle } from '../support/mirror.js';
import { startStack, type Stack } from '../support/stack.js';
import { waitFor, waitForIdleQueue } from '../support/wait.js';

const UNKNOWN_KEY = `sk_${'0'.repeat(64)}`;

let stack: Stack;
let fake: FakeTokPortal;
let bundleIds: string[];

/** A queue of its own (a fork of the stack: same database and fake, own Redis prefix and runtime). */
const newQueue = (label: string, env: Record<string, string> = {}) => stack.fork(label, { env });

beforeAll(async () => {
  stack = await startStack({ label: 'worker', fake: { bundles: 30, seed: 'worker-tests' } });
  fake = stack.fake;
  bundleIds = fake.listBundleIds();
});

afterAll(async () => {
  await stack?.close();
});

describe('worker failure handling', () => {
  it('401 stops the worker with one clear message and leaves the jobs waiting, no attempt spent', async () => {
    const q = await newQueue('auth', { TOKPORTAL_API_KEY: UNKNOWN_KEY });
    const items: SyncBundleData[] = bundleIds.slice(3, 6).map((bundleId) => ({ bundleId, reason: 'webhook' }));
    await enqueueBundleSyncs(q.queue, items);
    const handle = await q.startWorker({ concurrency: 2 });
    const stop = await handle.stopped;
    expect(stop.reason).toBe('auth-rejected');
    if (stop.reason !== 'auth-rejected') return;
    expect(stop.error.message).toBe('TokPortal rejected the API key (AUTH_INVALID_KEY): check TOKPORTAL_API_KEY');
    expect(stop.error.exitCode).toBe(EXIT_CODE.authRejected);
    expect(stop.error.message).not.toContain(UNKNOWN_KEY);
    const counts = await q.queue.getJobCounts('waiting', 'prioritized', 'active', 'failed', 'delayed', 'completed');
    expect(counts).toMatchObject({ waiting: 0, prioritized: 3, active: 0, failed: 0, delayed: 0, completed: 0 });
    const jobs = await q.queue.getJobs(['prioritized']);
    expect(jobs.map((job) => job.attemptsMade)).toEqual([0, 0, 0]);
  });

  it('429 pauses the whole queue for Retry-After: no job lost, no attempt spent, no hammering', async () => {
    const q = await newQueue('ratelimited');
    const ids = bundleIds.slice(6, 11);
    fake.setFaults({ rateLimitBurst: true });
    fake.resetStats();
    await enqueueBundleSyncs(q.queue, ids.map((bundleId) => ({ bundleId, reason: 'webhook' })));
    await q.startWorker({ concurrency: 4 });
    await waitFor(() => fake.stats().rateLimited > 0, { what: 'a 429' });
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    const during = fake.stats().rateLimited;
    fake.setFaults({ rateLimitBurst: false });
    await waitForIdleQueue(q.queue);

    // Without the queue-wide pause, 4 slots would have sent hundreds of requests in 1.5 s.
    expect(during).toBeLessThanOrEqual(10);
    expect(await q.queue.getJobCounts('completed', 'failed')).toEqual({ completed: 5, failed: 0 });
    const jobs = await q.queue.getJobs(['completed']);
    expect(jobs.map((job) => job.attemptsMade)).toEqual([1, 1, 1, 1, 1]);
    for (const bundleId of ids) {
      expect(mirrorView(await readBundle(stack.db, bundleId))).toEqual(apiView(fake.getBundle(bundleId)));
    }
    expect((await q.metrics.apiRateLimited.get()).values[0]?.value).toBe(during);
  });

  it('5xx and resets are retried with backoff until the mirror is right; exhausted jobs stay failed with the error on the inbox', { timeout: 90_000 }, async () => {
    const q = await newQueue('flaky');
    const ids = bundleIds.slice(11, 17);
    fake.setFaults({ errorRate: 0.35, resetRate: 0.1 });
    try {
      await enqueueBundleSyncs(q.queue, ids.map((bundleId) => ({ bundleId, reason: 'webhook' })));
      await q.startWorker({ concurrency: 4 });
      // Random faults with exponential backoff: an unlucky job can retry for a while on a loaded machine.
      await waitForIdleQueue(q.queue, 60_000);
    } finally {
      fake.setFaults({ errorRate: 0, resetRate: 0 });
    }
    expect(await q.queue.getJobCounts('completed', 'failed')).toEqual({ completed: 6, failed: 0 });
    for (const bundleId of ids) {
      expect(mirrorView(await readBundle(stack.db, bundleId))).toEqual(apiView(fake.getBundle(bundleId)));
    }

    const doomed = bundleIds[17]!;
    const [eventId] = await insertPendingEvents(stack.db, doomed, 1);
    fake.setFaults({ errorRate: 1 });
    try {
      await q.queue.add(
        JOB.syncBundle,
        { bundleId: doomed, reason: 'webhook', sourceRef: eventId },
        { ...DEFAULT_JOB_OPTIONS, attempts: 3, backoff: { type: 'jittered-exponential', delay: 20 } },
      );
      await waitFor(async () => (await q.queue.getJobCounts('failed')).failed === 1, { what: 'the exhausted job' });
    } finally {
      fake.setFaults({ errorRate: 0 });
    }
    const [failed] = await q.queue.getJobs(['failed']);
    expect(failed?.attemptsMade).toBe(3);
    expect(failed?.failedReason).toMatch(/GET \/bundles\/.* 50\d/);
    const [row] = await stack.db.select().from(webhookEvents).where(eq(webhookEvents.eventId, eventId!));
    expect(row).toMatchObject({ status: 'enqueued', attempts: 3 });
    expect(row?.lastError).toMatch(/50\d/);
  });
});
