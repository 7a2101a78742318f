// The scheduled reconcile: every RECONCILE_INTERVAL a job starts an unfiltered listing run
// (see list-page.ts) that catches what lost webhooks missed, and finally asks GET /bundles/:id
// about the bundles the listing did not show. The run row is the lock: one reconcile at a time
// across every process, and a run that stopped moving is taken over.
import type { Job, Queue } from 'bullmq';
import { startReconcileRun, type SyncRunParams } from '../db/sync-runs.js';
import { JOB, PRIORITY, type ReconcileData } from '../queue/jobs.js';
import { enqueueListPage } from './list-page.js';
import type { ProcessorContext } from './processor-context.js';

export const RECONCILE_SCHEDULER_ID = 'reconcile';
export const RECONCILE_PARAMS: SyncRunParams = { filters: {}, details: 'auto' };

/**
 * A reconcile that has not listed a page for this long lost its process. Pages wait behind
 * webhook and replay jobs, so under heavy live traffic a healthy run can idle for a while:
 * the floor keeps a busy run from being taken for dead.
 */
export const MIN_RECONCILE_STALE_MS = 30 * 60_000;
export const reconcileStaleAfterMs = (intervalMs: number): number => Math.max(MIN_RECONCILE_STALE_MS, 2 * intervalMs);

/**
 * Creates or updates the repeatable reconcile job. Idempotent: every worker process may call
 * it at start. Job options are given explicitly because a scheduler's jobs do not inherit the
 * queue's default options.
 */
export async function ensureReconcileScheduler(queue: Queue, intervalMs: number): Promise<void> {
  const data: ReconcileData = {};
  await queue.upsertJobScheduler(
    RECONCILE_SCHEDULER_ID,
    { every: intervalMs },
    {
      name: JOB.reconcile,
      data,
      opts: {
        priority: PRIORITY.reconcile,
        // Only database work; a failed tick is retried shortly, and the next tick comes anyway.
        attempts: 3,
        backoff: { type: 'jittered-exponential', delay: 1_000 },
        removeOnComplete: { age: 24 * 3_600, count: 200 },
        removeOnFail: { age: 7 * 24 * 3_600 },
      },
    },
  );
}

export async function removeReconcileScheduler(queue: Queue): Promise<boolean> {
  return queue.removeJobScheduler(RECONCILE_SCHEDULER_ID);
}

export type ReconcileOutcome = { started: true; runId: string; replaced: string | null } | { started: false; runningRunId: string };

/** The JOB.reconcile processor: no API call itself, it queues page 1 of a new run. */
export async function processReconcile(_job: Job, ctx: ProcessorContext): Promise<ReconcileOutcome> {
  const start = await startReconcileRun(ctx.db, RECONCILE_PARAMS, reconcileStaleAfterMs(ctx.config.reconcileIntervalMs));
  if (!start.started) {
    // Re-adding the pending page is a no-op (same job id) unless a crash lost it between
    // the run's creation and its first page: then this puts the run back on its feet.
    await enqueueListPage(ctx.queue, start.running.id, start.running.pass, start.running.nextPage);
    ctx.logger.debug({ runId: start.running.id }, 'reconcile already running: tick skipped');
    return { started: false, runningRunId: start.running.id };
  }
  if (start.replaced) ctx.logger.warn({ runId: start.run.id, replaced: start.replaced }, 'took over a reconcile that stopped moving');
  await enqueueListPage(ctx.queue, start.run.id, 1, 1);
  ctx.logger.info({ runId: start.run.id }, 'reconcile started');
  return { started: true, runId: start.run.id, replaced: start.replaced };
}
