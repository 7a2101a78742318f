// The sync worker against the fake TokPortal over HTTP, real Postgres and real Redis:
// what lands in the mirror, what happens to the inbox, and how each API failure is handled.
import { randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertInboxEvents } from '../../src/db/inbox-insert.js';
import { webhookEvents } from '../../src/db/schema.js';
import { startFakeTokPortal, type FakeTokPortal } from '../../fake-tokportal/index.js';
import { DEFAULT_JOB_OPTIONS, JOB, type SyncBundleData } from '../../src/queue/jobs.js';
import { enqueueBundleSyncs } from '../../src/queue/sync-queue.js';
import { EXIT_CODE } from '../../src/lib/fatal-error.js';
import { TokPortalClient } from '../../src/tokportal/client.js';
import { refreshBundle } from '../../src/worker/sync-bundle.js';
import { createTestDatabase, type TestDatabase } from '../support/postgres.js';
import {
  apiView,
  mirrorView,
  openQueueUnderTest,
  readBundle,
  readEventStatuses,
  waitFor,
  waitForIdleQueue,
  type QueueUnderTest,
} from './harness.js';

const OTHER_KEY = `sk_${'ab'.repeat(32)}`;
const UNKNOWN_KEY = `sk_${'0'.repeat(64)}`;

let database: TestDatabase;
let fake: FakeTokPortal;
let bundleIds: string[];
const queues: QueueUnderTest[] = [];

async function newQueue(label: string): Promise<QueueUnderTest> {
  const q = await openQueueUnderTest(label);
  queues.push(q);
  return q;
}

async function inboxEvents(bundleId: string, count: number): Promise<string[]> {
  const ids = Array.from({ length: count }, () => `evt_${randomUUID()}`);
  await insertInboxEvents(
    database.db,
    ids.map((eventId) => ({ eventId, type: 'account.in_review', bundleId, payload: {}, status: 'enqueued' })),
  );
  return ids;
}

beforeAll(async () => {
  database = await createTestDatabase('worker');
  fake = await startFakeTokPortal({ bundles: 30, seed: 'worker-tests', rateLimitPerMin: 0 });
  bundleIds = fake.listBundleIds();
});

afterAll(async () => {
  for (const q of queues) await q.close();
  await fake?.close();
  await database?.drop();
});

describe('sync-bundle job', () => {
  it('mirrors the bundle as the API shows it now and closes the inbox events received before the fetch', async () => {
    const bundleId = bundleIds[0]!;
    const events = await inboxEvents(bundleId, 2);
    const q = await newQueue('apply');
    await enqueueBundleSyncs(q.queue, [{ bundleId, reason: 'webhook', sourceRef: events[0] }]);
    await q.startWorker({ baseUrl: fake.baseUrl, apiKey: fake.apiKey, db: database.db });
    await waitForIdleQueue(q.queue);

    expect(mirrorView(await readBundle(database.db, bundleId))).toEqual(apiView(fake.getBundle(bundleId)));
    const statuses = await readEventStatuses(database.db, events);
    expect([...statuses.values()]).toEqual(['processed', 'processed']);
    const lag = await q.metrics.syncLagSeconds.get();
    expect(lag.values.find((value) => value.metricName?.endsWith('_count'))?.value).toBe(2);
    const completed = await q.queue.getJobCounts('completed', 'failed');
    expect(completed).toEqual({ completed: 1, failed: 0 });
  });

  it('404 tombstones the bundle, 403 flags it not owned and closes its events with the reason', async () => {
    const [gone, foreign] = [bundleIds[1]!, bundleIds[2]!];
    const owner = new TokPortalClient({ baseUrl: fake.baseUrl, apiKey: fake.apiKey });
    await refreshBundle({ db: database.db, client: owner }, { bundleId: gone, reason: 'manual' });
    await refreshBundle({ db: database.db, client: owner }, { bundleId: foreign, reason: 'manual' });

    const goneEvents = await inboxEvents(gone, 1);
    await fake.remove(gone);
    const tombstone = await refreshBundle({ db: database.db, client: owner }, { bundleId: gone, reason: 'webhook' });
    expect(tombstone).toMatchObject({ kind: 'tombstoned', changed: true, eventsProcessed: 1 });
    expect((await readBundle(database.db, gone))?.deletedAt).toBeInstanceOf(Date);
    expect((await readEventStatuses(database.db, goneEvents)).get(goneEvents[0]!)).toBe('processed');

    const foreignEvents = await inboxEvents(foreign, 2);
    const stranger = new TokPortalClient({ baseUrl: fake.baseUrl, apiKey: UNKNOWN_KEY });
    await expect(refreshBundle({ db: database.db, client: stranger }, { bundleId: foreign, reason: 'webhook' })).rejects.toMatchObject({
      status: 401,
    });
    const other = await startFakeTokPortal({ bundles: 3, seed: 'worker-tests', rateLimitPerMin: 0, apiKeys: [fake.apiKey, OTHER_KEY] });
    try {
      const otherOwned = other.listBundleIds()[0]!;
      const notOwner = new TokPortalClient({ baseUrl: other.baseUrl, apiKey: OTHER_KEY });
      const ownerOfOther = new TokPortalClient({ baseUrl: other.baseUrl, apiKey: fake.apiKey });
      await refreshBundle({ db: database.db, client: ownerOfOther }, { bundleId: otherOwned, reason: 'manual' });
      const otherEvents = await inboxEvents(otherOwned, 2);
      const refusal = await refreshBundle({ db: database.db, client: notOwner }, { bundleId: otherOwned, reason: 'webhook' });
      expect(refusal).toMatchObject({ kind: 'not_owned', changed: true, eventsProcessed: 2 });
      expect((await readBundle(database.db, otherOwned))?.notOwnedAt).toBeInstanceOf(Date);
      const rows = await database.db.select().from(webhookEvents).where(eq(webhookEvents.bundleId, otherOwned));
      expect(rows.map((row) => [row.status, row.statusReason])).toEqual(
        otherEvents.map(() => ['not_applicable', expect.stringContaining('BUNDLE_NOT_OWNED')]),
      );
    } finally {
      await other.close();
    }
    // The 401 above changed nothing: the events of `foreign` are still pending.
    expect([...(await readEventStatuses(database.db, foreignEvents)).values()]).toEqual(['enqueued', 'enqueued']);
  });
});

describe('worker failure handling', () => {
  it('401 stops the worker with one clear message and leaves the jobs waiting, no attempt spent', async () => {
    const q = await newQueue('auth');
    const items: SyncBundleData[] = bundleIds.slice(3, 6).map((bundleId) => ({ bundleId, reason: 'webhook' }));
    await enqueueBundleSyncs(q.queue, items);
    const handle = await q.startWorker({ baseUrl: fake.baseUrl, apiKey: UNKNOWN_KEY, db: database.db, concurrency: 2 });
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
    await q.startWorker({ baseUrl: fake.baseUrl, apiKey: fake.apiKey, db: database.db, concurrency: 4 });
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
      expect(mirrorView(await readBundle(database.db, bundleId))).toEqual(apiView(fake.getBundle(bundleId)));
    }
    expect((await q.metrics.apiRateLimited.get()).values[0]?.value).toBe(during);
  });

  it('5xx and resets are retried with backoff until the mirror is right; exhausted jobs stay failed with the error on the inbox', async () => {
    const q = await newQueue('flaky');
    const ids = bundleIds.slice(11, 17);
    fake.setFaults({ errorRate: 0.35, resetRate: 0.1 });
    try {
      await enqueueBundleSyncs(q.queue, ids.map((bundleId) => ({ bundleId, reason: 'webhook' })));
      await q.startWorker({ baseUrl: fake.baseUrl, apiKey: fake.apiKey, db: database.db, concurrency: 4 });
      await waitForIdleQueue(q.queue, 25_000);
    } finally {
      fake.setFaults({ errorRate: 0, resetRate: 0 });
    }
    expect(await q.queue.getJobCounts('completed', 'failed')).toEqual({ completed: 6, failed: 0 });
    for (const bundleId of ids) {
      expect(mirrorView(await readBundle(database.db, bundleId))).toEqual(apiView(fake.getBundle(bundleId)));
    }

    const doomed = bundleIds[17]!;
    const [eventId] = await inboxEvents(doomed, 1);
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
    const [row] = await database.db.select().from(webhookEvents).where(eq(webhookEvents.eventId, eventId!));
    expect(row).toMatchObject({ status: 'enqueued', attempts: 3 });
    expect(row?.lastError).toMatch(/50\d/);
  });
});
