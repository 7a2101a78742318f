// Watching the sync queue from the benchmark process: "done" means nothing left to run.
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { SYNC_QUEUE_NAME } from '../../src/queue/jobs.js';
import { waitFor } from './stats.js';

export type QueueWatch = {
  /** Jobs not finished yet: waiting, prioritized, delayed, active. */
  pending(): Promise<number>;
  failed(): Promise<number>;
  /** For finished jobs: time waiting in the queue (added → started) and running (started → finished). */
  completedJobTimings(): Promise<{ waitMs: number[]; runMs: number[] }>;
  /** Waits until pending() is 0 for two polls in a row (a job in flight can enqueue another). */
  waitIdle(timeoutMs: number): Promise<boolean>;
  close(): Promise<void>;
};

export function watchQueue(redisUrl: string, prefix: string): QueueWatch {
  const connection = new Redis(redisUrl, { maxRetriesPerRequest: null });
  const queue = new Queue(SYNC_QUEUE_NAME, { connection, prefix });
  const pending = async () => {
    const counts = await queue.getJobCounts('waiting', 'prioritized', 'delayed', 'active', 'waiting-children');
    return Object.values(counts).reduce((sum, n) => sum + n, 0);
  };
  return {
    pending,
    async failed() {
      return (await queue.getJobCounts('failed')).failed ?? 0;
    },
    async completedJobTimings() {
      const jobs = await queue.getJobs(['completed'], 0, -1);
      const waitMs: number[] = [];
      const runMs: number[] = [];
      for (const job of jobs) {
        if (job.processedOn === undefined || job.finishedOn === undefined) continue;
        waitMs.push(job.processedOn - job.timestamp);
        runMs.push(job.finishedOn - job.processedOn);
      }
      return { waitMs, runMs };
    },
    async waitIdle(timeoutMs) {
      let idlePolls = 0;
      return waitFor(async () => {
        idlePolls = (await pending()) === 0 ? idlePolls + 1 : 0;
        return idlePolls >= 2;
      }, timeoutMs, 100);
    },
    async close() {
      await queue.close();
      connection.disconnect();
    },
  };
}
