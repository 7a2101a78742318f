// Queuing list pages: one job per (run, page) while it is pending, and a resume is never
// swallowed by a finished job that still holds the page's id.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UnrecoverableError, Worker } from 'bullmq';
import { JOB, PRIORITY, SYNC_QUEUE_NAME } from '../../src/queue/jobs.js';
import { createRedis } from '../../src/queue/redis.js';
import type { SyncQueue } from '../../src/queue/sync-queue.js';
import { enqueueListPage, ensureListPageQueued, listPageJobId } from '../../src/worker/list-page.js';
import { TEST_REDIS_URL, openTestQueue, type TestQueue } from '../support/redis.js';

let own: TestQueue;
let prefix: string;
let queue: SyncQueue;

beforeAll(() => {
  own = openTestQueue('listpage');
  ({ prefix, queue } = own);
});

afterAll(async () => {
  await own?.close();
});

/** Runs the queue's jobs once with a processor that fails or succeeds them all. */
async function finishAll(outcome: 'fail' | 'complete', expected: number): Promise<void> {
  const connection = createRedis(TEST_REDIS_URL, 'worker');
  const worker = new Worker(
    SYNC_QUEUE_NAME,
    async () => {
      if (outcome === 'fail') throw new UnrecoverableError('HTTP 400');
      return 'done';
    },
    { connection, prefix },
  );
  try {
    const count = () => (outcome === 'fail' ? queue.getFailedCount() : queue.getCompletedCount());
    await expect.poll(count, { timeout: 10_000 }).toBe(expected);
  } finally {
    await worker.close();
    connection.disconnect();
  }
}

describe('list page jobs', () => {
  it('queue a page once, at the list-page priority, however many times it is asked for', async () => {
    await enqueueListPage(queue, 'backfill_x', 1, 3);
    await enqueueListPage(queue, 'backfill_x', 1, 3);
    await ensureListPageQueued(queue, 'backfill_x', 1, 3);
    const jobs = await queue.getJobs(['prioritized', 'waiting']);
    expect(jobs.map((job) => [job.id, job.name, job.data, job.opts.priority])).toEqual([
      [listPageJobId('backfill_x', 1, 3), JOB.listPage, { runId: 'backfill_x', pass: 1, page: 3 }, PRIORITY.listPage],
    ]);
  });

  it('put a failed or completed page back in line on a resume', async () => {
    await finishAll('fail', 1);
    await ensureListPageQueued(queue, 'backfill_x', 1, 3);
    expect(await queue.getJob(listPageJobId('backfill_x', 1, 3)).then((job) => job?.getState())).toBe('prioritized');
    expect(await queue.getFailedCount()).toBe(0);

    await finishAll('complete', 1);
    // A plain add would be swallowed by the completed job's id; the resume must not be.
    await enqueueListPage(queue, 'backfill_x', 1, 3);
    expect(await queue.getJob(listPageJobId('backfill_x', 1, 3)).then((job) => job?.getState())).toBe('completed');
    await ensureListPageQueued(queue, 'backfill_x', 1, 3);
    expect(await queue.getJob(listPageJobId('backfill_x', 1, 3)).then((job) => job?.getState())).toBe('prioritized');
  });
});
