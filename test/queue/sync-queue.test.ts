// enqueueBundleSyncs against real BullMQ 5.81 on Redis: coalescing while a bundle's job
// waits, exactly one follow-up while it runs (no lost update), priorities by reason.
import { Worker, type Job } from 'bullmq';
import { afterAll, describe, expect, it } from 'vitest';
import { JOB, PRIORITY, SYNC_QUEUE_NAME, type SyncBundleData } from '../../src/queue/jobs.js';
import { createRedis } from '../../src/queue/redis.js';
import { createSyncQueue, enqueueBundleSyncs } from '../../src/queue/sync-queue.js';
import { TEST_REDIS_URL, deleteRedisPrefix, uniquePrefix } from '../support/redis.js';

const prefix = uniquePrefix('syncqueue');
const producer = createRedis(TEST_REDIS_URL, 'producer');
const queue = createSyncQueue(producer, prefix);

afterAll(async () => {
  await queue.close();
  producer.disconnect();
  await deleteRedisPrefix(prefix);
});

const pending = async (bundleId: string) =>
  (await queue.getJobs(['prioritized', 'waiting'])).filter((job) => (job.data as SyncBundleData).bundleId === bundleId);

async function waitFor(check: () => Promise<boolean> | boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('enqueueBundleSyncs', () => {
  it('adds one job per bundle with the priority of its reason, or the one given', async () => {
    await enqueueBundleSyncs(queue, [
      { bundleId: 'bun_q1', reason: 'webhook', sourceRef: 'evt_1' },
      { bundleId: 'bun_q1', reason: 'webhook', sourceRef: 'evt_2' },
      { bundleId: 'bun_q2', reason: 'backfill' },
    ]);
    await enqueueBundleSyncs(queue, [{ bundleId: 'bun_q3', reason: 'reconcile' }], 7);
    const [q1] = await pending('bun_q1');
    expect(await pending('bun_q1')).toHaveLength(1);
    expect(q1?.name).toBe(JOB.syncBundle);
    expect(q1?.data).toEqual({ bundleId: 'bun_q1', reason: 'webhook', sourceRef: 'evt_1' });
    expect(q1?.opts.priority).toBe(PRIORITY.webhook);
    expect(q1?.opts.attempts).toBe(8);
    expect((await pending('bun_q2'))[0]?.opts.priority).toBe(PRIORITY.backfillDetail);
    expect((await pending('bun_q3'))[0]?.opts.priority).toBe(7);

    // A later call while the job still waits adds nothing.
    await enqueueBundleSyncs(queue, [{ bundleId: 'bun_q1', reason: 'webhook', sourceRef: 'evt_3' }]);
    expect(await pending('bun_q1')).toHaveLength(1);
  });

  it('keeps exactly one follow-up job for a bundle whose job is running, and runs it after', async () => {
    const runs: SyncBundleData[] = [];
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const workerConnection = createRedis(TEST_REDIS_URL, 'worker');
    const worker = new Worker(
      SYNC_QUEUE_NAME,
      async (job: Job) => {
        const data = job.data as SyncBundleData;
        if (!data.bundleId.startsWith('bun_active')) return; // leftovers of the first test
        runs.push(data);
        if (runs.length === 1) await gate;
      },
      { connection: workerConnection, prefix, concurrency: 4 },
    );
    try {
      await enqueueBundleSyncs(queue, [{ bundleId: 'bun_active', reason: 'webhook', sourceRef: 'evt_a1' }]);
      await waitFor(() => runs.length === 1);

      // Two events arrive while the fetch runs: the fetch may have read the API before them.
      await enqueueBundleSyncs(queue, [{ bundleId: 'bun_active', reason: 'webhook', sourceRef: 'evt_a2' }]);
      await enqueueBundleSyncs(queue, [{ bundleId: 'bun_active', reason: 'webhook', sourceRef: 'evt_a3' }]);
      expect(await queue.getJobCountByTypes('active')).toBe(1);

      release();
      await waitFor(() => runs.length === 2);
      await waitFor(async () => (await queue.getJobCountByTypes('active', 'prioritized', 'waiting')) === 0);
      await new Promise((resolve) => setTimeout(resolve, 200)); // a third run would show up here
      expect(runs.map((run) => run.sourceRef)).toEqual(['evt_a1', 'evt_a3']); // the latest data is kept
    } finally {
      release();
      await worker.close();
      workerConnection.disconnect();
    }
  });
});
