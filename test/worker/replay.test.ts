// Replay plans and enqueues from the inbox and the failed jobs (the command that prints them
// is tested in test/cli/replay/).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UnrecoverableError, Worker } from 'bullmq';
import { JOB, PRIORITY, SYNC_QUEUE_NAME, type SyncBundleData } from '../../src/queue/jobs.js';
import { createRedis } from '../../src/queue/redis.js';
import { enqueueBundleSyncs, type SyncQueue } from '../../src/queue/sync-queue.js';
import { enqueueReplay, planEventReplay, planFailedRetry, retryFailedSyncJobs } from '../../src/worker/replay.js';
import { insertReplayHistory } from '../support/inbox-history.js';
import { createTestDatabase, type TestDatabase } from '../support/postgres.js';
import { TEST_REDIS_URL, openTestQueue, type TestQueue } from '../support/redis.js';
import { waitingSyncJobs } from '../support/wait.js';

let database: TestDatabase;
let own: TestQueue;
let prefix: string;
let queue: SyncQueue;

beforeAll(async () => {
  database = await createTestDatabase('replay');
  own = openTestQueue('replay');
  ({ prefix, queue } = own);
  await insertReplayHistory(database.db);
});

afterAll(async () => {
  await own?.close();
  await database?.drop();
});

describe('replay', () => {
  it('plans one sync per bundle behind the matching events, tracing account events to their bundle', async () => {
    const all = await planEventReplay(database.db, {});
    expect(all.events).toBe(6);
    expect(all.withoutBundle).toBe(1);
    expect(all.bundles).toEqual([
      { bundleId: 'bnd_a', events: 2, latestEventId: 'evt_2' },
      { bundleId: 'bnd_b', events: 1, latestEventId: 'evt_3' },
      { bundleId: 'bnd_c', events: 1, latestEventId: 'evt_4' },
      { bundleId: 'bnd_known', events: 1, latestEventId: 'evt_5' },
    ]);

    const recent = await planEventReplay(database.db, { since: new Date('2026-03-01T11:15:00Z') });
    expect(recent.bundles.map((target) => target.bundleId)).toEqual(['bnd_b', 'bnd_c', 'bnd_known']);
    const finalized = await planEventReplay(database.db, { type: 'account.finalized' });
    expect(finalized).toEqual({ events: 1, withoutBundle: 0, bundles: [{ bundleId: 'bnd_a', events: 1, latestEventId: 'evt_2' }] });
  });

  it('enqueues one replay-priority job per bundle, coalesced with what is already waiting', async () => {
    const plan = await planEventReplay(database.db, {});
    await enqueueReplay(queue, plan.bundles);
    await enqueueReplay(queue, plan.bundles);
    const jobs = await waitingSyncJobs(queue);
    expect(jobs.map((job) => [job.data.bundleId, job.data.reason, job.data.sourceRef, job.opts.priority])).toEqual([
      ['bnd_a', 'replay', 'evt_2', PRIORITY.replay],
      ['bnd_b', 'replay', 'evt_3', PRIORITY.replay],
      ['bnd_c', 'replay', 'evt_4', PRIORITY.replay],
      ['bnd_known', 'replay', 'evt_5', PRIORITY.replay],
    ]);
  });

  it('gives each failed bundle one fresh job and clears the failed ones', async () => {
    // Drain what the previous test queued, failing bnd_a twice over (two jobs) and bnd_c once.
    await queue.obliterate({ force: true });
    await enqueueBundleSyncs(queue, [{ bundleId: 'bnd_a', reason: 'webhook', sourceRef: 'evt_2' }, { bundleId: 'bnd_c', reason: 'backfill', sourceRef: 'run_1' }]);
    await queue.add(JOB.syncBundle, { bundleId: 'bnd_a', reason: 'manual' } satisfies SyncBundleData, { priority: 1 });
    await queue.add(JOB.listPage, { runId: 'run_1', page: 3 }, { priority: PRIORITY.listPage });
    const workerConnection = createRedis(TEST_REDIS_URL, 'worker');
    const worker = new Worker(
      SYNC_QUEUE_NAME,
      async () => {
        throw new UnrecoverableError('HTTP 400 VALIDATION_ERROR');
      },
      { connection: workerConnection, prefix, concurrency: 4 },
    );
    try {
      await expect.poll(() => queue.getFailedCount(), { timeout: 10_000 }).toBe(4);
    } finally {
      await worker.close();
      workerConnection.disconnect();
    }

    const plan = await planFailedRetry(queue);
    expect(plan).toMatchObject({ bundleIds: ['bnd_a', 'bnd_c'], listPageJobs: 1, otherJobs: 0 });
    expect(plan.syncJobs).toHaveLength(3);
    expect((await planFailedRetry(queue, new Date(Date.now() + 60_000))).syncJobs).toHaveLength(0);

    expect(await retryFailedSyncJobs(queue, plan)).toBe(3);
    expect(await queue.getFailedCount()).toBe(1);
    const jobs = await waitingSyncJobs(queue);
    expect(jobs.map((job) => [job.data.bundleId, job.data.reason, job.opts.priority])).toEqual([
      ['bnd_a', 'replay', PRIORITY.replay],
      ['bnd_c', 'replay', PRIORITY.replay],
    ]);
  });
});
