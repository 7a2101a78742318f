// The producer side of the sync queue. Every producer (receiver, relay, CLI, scheduler)
// enqueues bundle refetches through enqueueBundleSyncs so coalescing works the same way
// everywhere: one pending job per bundle, plus at most one more while it runs.
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import {
  DEFAULT_JOB_OPTIONS,
  JOB,
  PRIORITY,
  SYNC_QUEUE_NAME,
  type ListPageData,
  type ReconcileData,
  type SyncBundleData,
  type SyncReason,
} from './jobs.js';

export type SyncJobData = SyncBundleData | ListPageData | ReconcileData;
export type SyncQueue = Queue<SyncJobData>;

export function createSyncQueue(connection: Redis, prefix: string): Queue<SyncJobData> {
  const queue = new Queue<SyncJobData>(SYNC_QUEUE_NAME, { connection, prefix, defaultJobOptions: DEFAULT_JOB_OPTIONS });
  // The queue re-emits its connection's errors; without a listener BullMQ prints each one.
  // Outages are reported once by whoever owns the connection (runtime, readiness, relay).
  queue.on('error', () => {});
  return queue;
}

const PRIORITY_BY_REASON: Record<SyncReason, number> = {
  webhook: PRIORITY.webhook,
  manual: PRIORITY.manual,
  replay: PRIORITY.replay,
  reconcile: PRIORITY.reconcile,
  backfill: PRIORITY.backfillDetail,
};

/** The deduplication key of a bundle's sync job; the worker and tests can look it up. */
export const bundleDedupId = (bundleId: string): string => `bundle:${bundleId}`;

/**
 * Adds one sync-bundle job per distinct bundle, in one round trip. BullMQ deduplication
 * with keepLastIfActive: while the bundle's job waits, a new one is dropped (that job
 * will fetch the latest state anyway); while it runs, exactly one more is kept to run
 * after it, because the running fetch may have read the API before the new change.
 */
export async function enqueueBundleSyncs(
  queue: Queue<SyncJobData>,
  items: SyncBundleData[],
  priority?: number,
): Promise<void> {
  const byBundle = new Map<string, SyncBundleData>();
  // The first item per bundle wins: its sourceRef names the event that triggered the fetch.
  for (const item of items) if (!byBundle.has(item.bundleId)) byBundle.set(item.bundleId, item);
  if (byBundle.size === 0) return;
  await queue.addBulk(
    [...byBundle.values()].map((data) => ({
      name: JOB.syncBundle,
      data,
      opts: {
        ...DEFAULT_JOB_OPTIONS,
        priority: priority ?? PRIORITY_BY_REASON[data.reason],
        deduplication: { id: bundleDedupId(data.bundleId), keepLastIfActive: true },
      },
    })),
  );
}

/** The ioredis connection a queue was created with (createSyncQueue always passes one). */
export function queueConnection(queue: Queue<SyncJobData>): Redis | null {
  const connection = queue.opts.connection;
  return connection instanceof Redis ? connection : null;
}
