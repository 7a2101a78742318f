// The contract between producers (receiver, CLI, scheduler) and the worker: one queue,
// one job per TokPortal API call, so BullMQ's queue-wide rate limiter counts API calls
// and every process together stays under TokPortal's limit.
import type { JobsOptions } from 'bullmq';
import type { SyncReason } from '../sync/observation.js';

export const SYNC_QUEUE_NAME = 'tokportal-api';

export const JOB = {
  /** GET /bundles/:id, then apply the detail snapshot. */
  syncBundle: 'sync-bundle',
  /** GET /bundles?page=N for a backfill or reconcile run, apply the list items, schedule detail syncs. */
  listPage: 'list-page',
  /** Scheduled: starts an incremental reconcile run (no API call itself). */
  reconcile: 'reconcile',
  /** Scheduled: queues the detail re-reads of rolling verification that are due (no API call itself). */
  verifyTick: 'verify-tick',
  /** `tokportal-sync audit`: GET /bundles/:id, compare field by field with the mirror, then apply. */
  auditBundle: 'audit-bundle',
} as const;
export type JobName = (typeof JOB)[keyof typeof JOB];

export type SyncBundleData = {
  bundleId: string;
  reason: SyncReason;
  /** The webhook event id or run id that asked for it, for the version history. */
  sourceRef?: string | null;
};

export type ListPageData = {
  /** sync_runs.id: filters and progress live in the run row, so a resume needs only the id. */
  runId: string;
  /** The listing pass (absent in jobs queued before passes existed: pass 1). */
  pass?: number;
  page: number;
};

export type ReconcileData = Record<string, never>;
export type VerifyTickData = Record<string, never>;

export type AuditBundleData = {
  bundleId: string;
  /** The audit this check belongs to (lands in bundle_versions.source_ref when it repairs). */
  auditId: string;
};

/** Lower runs first (BullMQ priorities): live webhooks go ahead of catch-up work. */
export const PRIORITY = {
  webhook: 1,
  manual: 1,
  replay: 2,
  listPage: 3,
  reconcile: 4,
  audit: 4,
  backfillDetail: 5,
  /** Rolling verification: only the budget everything else leaves. */
  verify: 10,
} as const;

/** Retries for transient failures (5xx, network, timeout); see the worker's backoff strategy. */
export const DEFAULT_JOB_OPTIONS: JobsOptions = {
  attempts: 8,
  backoff: { type: 'jittered-exponential', delay: 1_000 },
  removeOnComplete: { age: 3_600, count: 5_000 },
  // Exhausted jobs stay visible in the failed set for `tokportal-sync replay --failed`.
  removeOnFail: { age: 14 * 24 * 3_600 },
};
