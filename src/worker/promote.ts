// Live webhooks must not wait behind catch-up work. Deduplication drops a webhook's sync job
// when the bundle already has one waiting, and that waiting job may be a backfill detail
// fetch (priority 5) queued behind thousands of others. Promoting the waiting job to the
// webhook's priority keeps one fetch per bundle and still serves the live change first.
import { Job, type Queue } from 'bullmq';
import type { SyncBundleData } from '../queue/jobs.js';
import { bundleDedupId } from '../queue/sync-queue.js';

/**
 * Raises the priority (lower number) of each bundle's pending sync job to `priority` when it
 * is currently lower, and retags it with the new reason so the version history says what
 * asked for the fetch. Call after enqueueBundleSyncs with the same items. Returns how many
 * jobs were promoted.
 */
export async function promoteWaitingSyncs(queue: Queue, items: SyncBundleData[], priority: number): Promise<number> {
  const byBundle = new Map(items.map((item) => [item.bundleId, item]));
  const promoted = await Promise.all(
    [...byBundle.values()].map(async (item) => {
      const jobId = await queue.getDeduplicationJobId(bundleDedupId(item.bundleId));
      if (!jobId) return false;
      const job = await Job.fromId(queue, jobId);
      // No priority (0) already runs ahead of every prioritized job.
      if (!job || job.priority === 0 || job.priority <= priority) return false;
      try {
        // Safe in any state: a waiting job moves up, an active or delayed one only keeps the new value.
        await job.changePriority({ priority });
        await job.updateData({ ...(job.data as SyncBundleData), reason: item.reason, sourceRef: item.sourceRef ?? null });
        return true;
      } catch {
        return false; // finished and removed meanwhile: nothing left to promote
      }
    }),
  );
  return promoted.filter(Boolean).length;
}
