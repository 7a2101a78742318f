// enqueueBundleSyncs against real BullMQ 5.81 on Redis: coalescing while a bundle's job
// waits, exactly one follow-up while it runs (no lost update), priorities by reason; then a
// live webhook promoting a waiting backfill job, run by a real worker against the fake.
import { Worker, type Job } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JOB, PRIORITY, SYNC_QUEUE_NAME, type SyncBundleData } from '../../src/queue/jobs.js';
import { createRedis } from '../../src/queue/redis.js';
import { enqueueBundleSyncs } from '../../src/queue/sync-queue.js';
import { TEST_REDIS_URL, openTestQueue } from '../support/redis.js';
import { startStack, type Stack } from '../support/stack.js';
import { waitForIdleQueue } from '../support/wait.js';

const own = openTestQueue('syncqueue');
const { prefix, queue } = own;

afterAll(async () => {
  await own.close();
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

describe('priority of live webhooks over waiting backfill work', () => {
  let stack: Stack;
  let bundleIds: string[];
  beforeAll(async () => {
    stack = await startStack({ label: 'promote', fake: { bundles: 40, seed: 'pace' } });
    bundleIds = stack.fake.listBundleIds();
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('a webhook for a bundle whose backfill job waits promotes that job instead of being starved behind the backlog', async () => {
    const backlog = bundleIds.slice(0, 12);
    await enqueueBundleSyncs(stack.queue, backlog.map((bundleId) => ({ bundleId, reason: 'backfill' })));
    const live: SyncBundleData[] = [{ bundleId: backlog.at(-1)!, reason: 'webhook', sourceRef: 'evt_live' }];
    // Deduplication keeps the backfill job (one fetch per bundle) and promotes it to the webhook's priority ...
    expect(await enqueueBundleSyncs(stack.queue, live)).toEqual({ added: 0, folded: 1, promoted: 1 });
    expect(await stack.queue.getJobCounts('prioritized')).toEqual({ prioritized: 12 });
    // ... once: a second webhook finds it promoted already.
    expect(await enqueueBundleSyncs(stack.queue, live)).toEqual({ added: 0, folded: 1, promoted: 0 });
    const promotedId = await stack.queue.getDeduplicationJobId(`bundle:${live[0]!.bundleId}`);
    const promoted = await stack.queue.getJob(promotedId!);
    expect(promoted?.priority).toBe(PRIORITY.webhook);
    expect(promoted?.data).toMatchObject({ reason: 'webhook', sourceRef: 'evt_live' });

    await stack.startWorker({ concurrency: 1 });
    await waitForIdleQueue(stack.queue);
    const order = (await stack.queue.getJobs(['completed']))
      .sort((a, b) => a.processedOn! - b.processedOn!)
      .map((job) => (job.data as SyncBundleData).bundleId);
    expect(order).toHaveLength(12);
    expect(order[0]).toBe(live[0]!.bundleId);
  });
});
