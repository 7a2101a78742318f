// `tokportal-sync replay`: refetch the bundles of stored inbox events without TokPortal
// sending them again (a bug fixed, a worker that was down too long), and give failed sync
// jobs another go. Events are coalesced per bundle: one refetch answers all of its events.
import type { Job, Queue } from 'bullmq';
import type { Database } from '../db/connection.js';
import { resolveBundleIdForAccount } from '../db/inbox.js';
import {
  replayableEventsByBundle,
  replayableEventsWithoutBundle,
  type ReplayFilter,
  type ReplayTarget,
} from '../db/inbox-reads.js';
import { JOB, type SyncBundleData } from '../queue/jobs.js';
import { enqueueBundleSyncs } from '../queue/sync-queue.js';

export type EventReplayPlan = {
  events: number;
  bundles: ReplayTarget[];
  /** Events that name no bundle and no account we can trace back to one (subscription, credits...). */
  withoutBundle: number;
};

const ENQUEUE_BATCH = 1_000;

/** The bundles behind the matching inbox events, one entry per bundle. Rejected bodies are never replayed. */
export async function planEventReplay(db: Database, filter: ReplayFilter): Promise<EventReplayPlan> {
  const withBundle = await replayableEventsByBundle(db, filter);
  const byBundle = new Map<string, ReplayTarget>(withBundle.map((target) => [target.bundleId, { ...target }]));
  let events = withBundle.reduce((sum, target) => sum + target.events, 0);

  // Account events that arrived without a bundle id: trace the account back to its bundle.
  const orphans = await replayableEventsWithoutBundle(db, filter);
  let withoutBundle = 0;
  const resolved = new Map<string, string | null>();
  for (const orphan of orphans) {
    events += 1;
    const accountKey = `${orphan.accountId ?? ''}|${orphan.savedAccountId ?? ''}`;
    if (!resolved.has(accountKey)) {
      resolved.set(
        accountKey,
        await resolveBundleIdForAccount(db, { accountListingId: orphan.accountId, savedAccountId: orphan.savedAccountId }),
      );
    }
    const bundleId = resolved.get(accountKey);
    if (!bundleId) {
      withoutBundle += 1;
      continue;
    }
    const target = byBundle.get(bundleId);
    if (target) target.events += 1;
    else byBundle.set(bundleId, { bundleId, events: 1, latestEventId: orphan.eventId });
  }
  return { events, bundles: [...byBundle.values()].sort((a, b) => a.bundleId.localeCompare(b.bundleId)), withoutBundle };
}

export async function enqueueReplay(queue: Queue, targets: ReplayTarget[]): Promise<void> {
  for (let start = 0; start < targets.length; start += ENQUEUE_BATCH) {
    const batch = targets.slice(start, start + ENQUEUE_BATCH);
    await enqueueBundleSyncs(
      queue,
      batch.map((target) => ({ bundleId: target.bundleId, reason: 'replay', sourceRef: target.latestEventId })),
    );
  }
}

export type FailedJobsPlan = {
  /** Failed sync-bundle jobs, by bundle. */
  syncJobs: Job[];
  bundleIds: string[];
  /** Failed list-page jobs: their run is marked failed; `tokportal-sync backfill` resumes it. */
  listPageJobs: number;
  otherJobs: number;
};

const FAILED_PAGE = 500;

/** The failed set, sorted by kind. Only jobs that failed at or after `since`, when given. */
export async function planFailedRetry(queue: Queue, since?: Date): Promise<FailedJobsPlan> {
  const failed: Job[] = [];
  for (let start = 0; ; start += FAILED_PAGE) {
    const page = (await queue.getFailed(start, start + FAILED_PAGE - 1)) as Job[];
    failed.push(...page.filter((job): job is Job => Boolean(job)));
    if (page.length < FAILED_PAGE) break;
  }
  const recent = since ? failed.filter((job) => (job.finishedOn ?? job.timestamp) >= since.getTime()) : failed;
  const syncJobs = recent.filter((job) => job.name === JOB.syncBundle);
  const bundleIds = [...new Set(syncJobs.map((job) => (job.data as SyncBundleData).bundleId))].sort();
  const listPageJobs = recent.filter((job) => job.name === JOB.listPage).length;
  return { syncJobs, bundleIds, listPageJobs, otherJobs: recent.length - syncJobs.length - listPageJobs };
}

/**
 * Gives each failed bundle one fresh job (reason replay), then drops the failed ones. A fresh
 * job rather than job.retry(): a retried job lands in the plain wait list, ahead of live
 * webhooks and outside the per-bundle coalescing; a new one gets both right.
 */
export async function retryFailedSyncJobs(queue: Queue, plan: FailedJobsPlan): Promise<number> {
  const sourceByBundle = new Map<string, string | null>();
  for (const job of plan.syncJobs) {
    const data = job.data as SyncBundleData;
    if (!sourceByBundle.has(data.bundleId)) sourceByBundle.set(data.bundleId, data.sourceRef ?? job.id ?? null);
  }
  const items: SyncBundleData[] = [...sourceByBundle].map(([bundleId, sourceRef]) => ({ bundleId, reason: 'replay', sourceRef }));
  for (let start = 0; start < items.length; start += ENQUEUE_BATCH) {
    await enqueueBundleSyncs(queue, items.slice(start, start + ENQUEUE_BATCH));
  }
  let removed = 0;
  for (const job of plan.syncJobs) {
    // A job retried meanwhile by someone else is no longer failed: leave it.
    if ((await job.getState()) !== 'failed') continue;
    await job.remove();
    removed += 1;
  }
  return removed;
}
