// Watching the sync queue from the benchmark process: what is left to run, and how long finished jobs waited and ran.
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { SYNC_QUEUE_NAME } from '../../src/queue/jobs.js';

export type QueueWatch = {
  /** Jobs not finished yet: waiting, prioritized, delayed, active. */
  pending(): Promise<number>;
  /** For finished jobs: time waiting in the queue (added → started) and running (started → finished). */
  completedJobTimings(): Promise<{ waitMs: number[]; runMs: number[] }>;
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
    async close() {
      await queue.close();
      connection.disconnect();
    },
  };
}
