// The producer side of the sync queue. Every producer (receiver, relay, CLI, scheduler)
// enqueues bundle refetches through enqueueBundleSyncs so coalescing works the same way
// everywhere: one pending job per bundle, plus at most one more while it runs.
import { randomUUID } from 'node:crypto';
import { Job, Queue } from 'bullmq';
import { Redis } from 'ioredis';
import {
  DEFAULT_JOB_OPTIONS,
  JOB,
  PRIORITY,
  SYNC_QUEUE_NAME,
  type ListPageData,
  type AuditBundleData,
  type ReconcileData,
  type SyncBundleData,
  type VerifyTickData,
} from './jobs.js';
import type { SyncReason } from '../sync/observation.js';

export type SyncJobData = SyncBundleData | ListPageData | ReconcileData | VerifyTickData | AuditBundleData;
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
  verify: PRIORITY.verify,
  audit: PRIORITY.audit,
};

/** The deduplication key of a bundle's sync job; the worker and tests can look it up. */
export const bundleDedupId = (bundleId: string): string => `bundle:${bundleId}`;

export type EnqueueOutcome = {
  /** New jobs created. */
  added: number;
  /** Requests folded into a bundle's pending (or running) job by deduplication. */
  folded: number;
  /** Folded requests that raised the pending job's priority (a webhook over a backfill fetch). */
  promoted: number;
};

/**
 * Adds one sync-bundle job per distinct bundle, in one round trip. BullMQ deduplication
 * with keepLastIfActive: while the bundle's job waits, a new one is dropped (that job
 * will fetch the latest state anyway); while it runs, exactly one more is kept to run
 * after it, because the running fetch may have read the API before the new change.
 *
 * A request folded into a waiting job of lower priority promotes that job, so a live
 * webhook for a bundle whose backfill fetch is queued behind thousands of others is
 * served first, still with one fetch. Each job gets its own id so a fold is visible:
 * BullMQ answers a deduplicated add with the id of the job that absorbed it.
 */
export type EnqueueOptions = {
  priority?: number;
  /**
   * Where promotions go when the caller must not wait for them (the receiver: the job exists
   * once the add returns, so the 2xx need not wait for a priority change). Default: awaited.
   */
  promoteInBackground?: (promotions: Promise<unknown>) => void;
};

export async function enqueueBundleSyncs(
  queue: Queue<SyncJobData>,
  items: SyncBundleData[],
  priorityOrOptions?: number | EnqueueOptions,
): Promise<EnqueueOutcome> {
  const options: EnqueueOptions = typeof priorityOrOptions === 'number' ? { priority: priorityOrOptions } : (priorityOrOptions ?? {});
  const { priority } = options;
  const byBundle = new Map<string, SyncBundleData>();
  // The first item per bundle wins: its sourceRef names the event that triggered the fetch.
  for (const item of items) if (!byBundle.has(item.bundleId)) byBundle.set(item.bundleId, item);
  if (byBundle.size === 0) return { added: 0, folded: 0, promoted: 0 };
  const requests = [...byBundle.values()].map((data) => ({
    data,
    jobId: randomUUID(),
    priority: priority ?? PRIORITY_BY_REASON[data.reason],
  }));
  const jobs = await queue.addBulk(
    requests.map(({ data, jobId, priority: jobPriority }) => ({
      name: JOB.syncBundle,
      data,
      opts: {
        ...DEFAULT_JOB_OPTIONS,
        jobId,
        priority: jobPriority,
        deduplication: { id: bundleDedupId(data.bundleId), keepLastIfActive: true },
      },
    })),
  );
  const folded = requests.flatMap((request, index) => {
    const absorbedBy = jobs[index]?.id;
    return absorbedBy && absorbedBy !== request.jobId ? [{ ...request, absorbedBy }] : [];
  });
  if (options.promoteInBackground && folded.length > 0) {
    options.promoteInBackground(promoteFolded(queue, folded));
    return { added: requests.length - folded.length, folded: folded.length, promoted: 0 };
  }
  const promoted = await promoteFolded(queue, folded);
  return {
    added: requests.length - folded.length,
    folded: folded.length,
    promoted: promoted.filter(Boolean).length,
  };
}

/**
 * The sync jobs webhook events ask for: one per bundle, each tagged with the event that
 * triggered it. The receiver and the relay both enqueue through here; they pass only events
 * that name a bundle.
 */
export function enqueueWebhookEventSyncs(
  queue: Queue<SyncJobData>,
  events: readonly { eventId: string; bundleId?: string | null }[],
  options: Omit<EnqueueOptions, 'priority'> = {},
): Promise<EnqueueOutcome> {
  return enqueueBundleSyncs(
    queue,
    events.map((event) => ({ bundleId: event.bundleId!, reason: 'webhook' as const, sourceRef: event.eventId })),
    options,
  );
}

type Fold = { absorbedBy: string; priority: number; data: SyncBundleData };

/**
 * The folds that must raise the absorbing job's priority. Most folds need nothing (a webhook
 * folding into a webhook's job), so the priorities are read first in ONE pipelined round trip
 * of HGETs instead of loading every absorbing job (a round trip and a full job decode each, the
 * second largest cost of the receiver's enqueue in its CPU profile); only the jobs to promote
 * are loaded and changed.
 */
async function promoteFolded(queue: Queue<SyncJobData>, folds: Fold[]): Promise<boolean[]> {
  if (folds.length === 0) return [];
  // BullMQ types its client as Redis | Cluster; both are ioredis commanders with pipelines.
  const client = (await queue.client) as unknown as Redis;
  const pipeline = client.pipeline();
  for (const fold of folds) pipeline.hget(queue.toKey(fold.absorbedBy), 'priority');
  const replies = (await pipeline.exec()) ?? [];
  return Promise.all(
    folds.map((fold, index) => {
      const [error, value] = replies[index] ?? [null, null];
      // Unreadable (an error, or the job finished and was removed meanwhile): nothing to promote.
      if (error || value === null || value === undefined) return false;
      const current = Number(value);
      // Priority 0 (none) already runs ahead of every prioritized job.
      if (!Number.isFinite(current) || current === 0 || current <= fold.priority) return false;
      return promoteJob(queue, fold.absorbedBy, fold.priority, fold.data);
    }),
  );
}

/** Raises a pending job to `priority` (lower runs first) and retags it with the new reason. */
async function promoteJob(queue: Queue<SyncJobData>, jobId: string, priority: number, data: SyncBundleData): Promise<boolean> {
  const job = await Job.fromId<SyncJobData>(queue, jobId);
  // Priority 0 (none) already runs ahead of every prioritized job.
  if (!job || job.priority === 0 || job.priority <= priority) return false;
  try {
    await job.changePriority({ priority });
    await job.updateData({ ...(job.data as SyncBundleData), reason: data.reason, sourceRef: data.sourceRef ?? null });
    return true;
  } catch {
    return false; // finished and removed meanwhile: nothing left to promote
  }
}

/** The ioredis connection a queue was created with (createSyncQueue always passes one). */
export function queueConnection(queue: Queue<SyncJobData>): Redis | null {
  const connection = queue.opts.connection;
  return connection instanceof Redis ? connection : null;
}
