// The list-page job of a backfill or reconcile run: one GET /bundles call (100 bundles), the
// items applied as list observations, detail fetches queued only where the detail can have
// changed, then the next page queued. Pages go one at a time so the run row's (pass, next_page)
// is the whole resume state, and every call passes through the queue-wide rate limiter. A pass
// ends at the first page that is not full; the run then walks another pass or ends, as
// src/sync/page-walk.ts decides (a pass is proven complete by the next one).
import type { Job, Queue } from 'bullmq';
import { findUnlistedBundleIds, getBundleSyncStates } from '../db/bundles-read.js';
import { applyBundleSnapshots } from '../db/repository.js';
import {
  addRunStats,
  countVanished,
  deleteRunListings,
  finishRun,
  getRun,
  isUnfiltered,
  listedInEarlierPasses,
  passFigures,
  recordPage,
  startNextPass,
  type StatsDelta,
  type SyncRun,
} from '../db/sync-runs.js';
import { DEFAULT_JOB_OPTIONS, JOB, PRIORITY, type ListPageData } from '../queue/jobs.js';
import { enqueueBundleSyncs } from '../queue/sync-queue.js';
import type { ApplyResult } from '../sync/apply-plan.js';
import { decideDetailFetch } from '../sync/detail-policy.js';
import { decidePassEnd, isLastPage, knownPageCount } from '../sync/page-walk.js';
import { databaseNow } from '../db/clock.js';
import { MAX_PER_PAGE } from '../tokportal/client.js';
import { isTokPortalApiError } from '../tokportal/errors.js';
import { classifyFailure } from './failure-policy.js';
import type { ProcessorContext } from './processor-context.js';

export const LIST_PAGE_SIZE = MAX_PER_PAGE;

/** Detail fetches of a backfill wait behind live webhooks; a reconcile's are a little more urgent. */
export const detailPriority = (run: Pick<SyncRun, 'kind'>): number =>
  run.kind === 'backfill' ? PRIORITY.backfillDetail : PRIORITY.reconcile;

/** A stable id per (run, pass, page): adding the same page twice while it is pending is a no-op. */
export const listPageJobId = (runId: string, pass: number, page: number): string => `${runId}-pass-${pass}-page-${page}`;

export async function enqueueListPage(queue: Queue, runId: string, pass: number, page: number): Promise<void> {
  const data: ListPageData = { runId, pass, page };
  await queue.add(JOB.listPage, data, { ...DEFAULT_JOB_OPTIONS, jobId: listPageJobId(runId, pass, page), priority: PRIORITY.listPage });
}

/**
 * For a resume: a finished job that still holds the page's id would swallow the add, so it
 * is removed first. A pending or running one is left alone: it will do the page.
 */
export async function ensureListPageQueued(queue: Queue, runId: string, pass: number, page: number): Promise<void> {
  const existing = await queue.getJob(listPageJobId(runId, pass, page));
  if (existing) {
    const state = await existing.getState();
    if (state !== 'completed' && state !== 'failed' && state !== 'unknown') return;
    await existing.remove();
  }
  await enqueueListPage(queue, runId, pass, page);
}

export type ListPageOutcome =
  | { pass: number; page: number; skipped: 'run-not-running' | 'page-already-counted' }
  | { pass: number; page: number; totalPages: number | null; listed: number; detailsEnqueued: number; last: boolean };

export async function processListPage(job: Job, ctx: ProcessorContext): Promise<ListPageOutcome> {
  const data = job.data as ListPageData;
  // Jobs queued before passes existed are pass 1.
  const { runId, page } = data;
  const pass = data.pass ?? 1;
  const run = await getRun(ctx.db, runId);
  if (!run || run.status !== 'running') return { pass, page, skipped: 'run-not-running' };
  if (run.pass !== pass || run.nextPage !== page) {
    // A rerun after the page was counted (stalled job, crash before the next page was queued):
    // no second call, only make sure the run goes on.
    if (run.pass > pass || (run.pass === pass && run.nextPage > page)) await continueRun(ctx, run);
    return { pass, page, skipped: 'page-already-counted' };
  }
  try {
    return await listAndApply(ctx, run, pass, page);
  } catch (error) {
    await recordFailure(ctx, job, run, error);
    throw error;
  }
}

async function listAndApply(ctx: ProcessorContext, run: SyncRun, pass: number, page: number): Promise<ListPageOutcome> {
  const { db } = ctx;
  // The database's clock, like a detail fetch's: it orders answers with the same updated_at.
  const observedAt = await databaseNow(db);
  const listing = await ctx.client.listBundles({ ...run.params.filters, page, per_page: LIST_PAGE_SIZE });
  const items = listing.data;

  // Read before applying: afterwards the mirror already holds the list's updated_at.
  const known = await getBundleSyncStates(db, items.map((item) => item.id));
  const earlier = await listedInEarlierPasses(db, run.id, pass, items.map((item) => item.id));
  const detailIds = items
    .filter((item) => decideDetailFetch(item, known.get(item.id), run.params.details, earlier.has(item.id)).fetch)
    .map((item) => item.id);
  const results = await applyBundleSnapshots(
    db,
    items.map((bundle) => ({ kind: 'list' as const, bundle })),
    { source: run.kind, sourceRef: run.id, observedAt },
  );
  countObservations(ctx, results);
  await enqueueBundleSyncs(
    ctx.queue,
    detailIds.map((bundleId) => ({ bundleId, reason: run.kind, sourceRef: run.id })),
    detailPriority(run),
  );

  // The API may send no pagination object, and need not order its list: a pass goes on while
  // pages come back full (page-walk.ts).
  const pagination = listing.pagination ?? null;
  const last = isLastPage(items.length, LIST_PAGE_SIZE, page, pagination);
  const totalPages = knownPageCount(page, last, pagination);
  const delta: StatsDelta = { pages: 1, listed: items.length, detailsEnqueued: detailIds.length, apiCalls: 1, ...outcomeCounts(results) };
  const recorded = await recordPage(db, run.id, { pass, page, totalPages, delta, listedIds: items.map((item) => item.id) });
  ctx.logger.debug({ runId: run.id, pass, page, totalPages, listed: items.length, details: detailIds.length }, 'list page applied');
  // Interrupted while this page was in flight: the page counts, the run stops here.
  if (recorded?.status === 'running') {
    if (last) await endPass(ctx, recorded);
    else await enqueueListPage(ctx.queue, run.id, pass, page + 1);
  }
  return { pass, page, totalPages, listed: items.length, detailsEnqueued: detailIds.length, last };
}

async function continueRun(ctx: ProcessorContext, run: SyncRun): Promise<void> {
  if (run.totalPages !== null && run.nextPage > run.totalPages) await endPass(ctx, run);
  else await enqueueListPage(ctx.queue, run.id, run.pass, run.nextPage);
}

/** The pass listed its last page: prove the previous pass, or walk again, or give up (page-walk.ts). */
async function endPass(ctx: ProcessorContext, run: SyncRun): Promise<void> {
  const { db } = ctx;
  const current = await passFigures(db, run.id, run.pass);
  const previous = run.pass > 1 ? await passFigures(db, run.id, run.pass - 1) : null;
  const vanished = previous ? await countVanished(db, run.id, previous.pass, run.pass) : 0;
  const decision = decidePassEnd(previous, current, vanished);
  const delta: StatsDelta = { passes: 1, vanished };
  if (decision.kind === 'next-pass') {
    const next = await startNextPass(db, run.id, run.pass, delta);
    if (next) {
      ctx.logger.info({ runId: run.id, pass: next.pass, reason: decision.reason }, 'listing: walking another pass');
      await enqueueListPage(ctx.queue, run.id, next.pass, 1);
    }
    return;
  }
  if (decision.kind === 'give-up') {
    ctx.logger.warn(
      { runId: run.id, passes: run.pass, reason: decision.reason },
      'listing: no pass proven complete (the list kept changing under the walk); the next run, rolling verification and audit cover it',
    );
  }
  await addRunStats(db, run.id, decision.kind === 'give-up' ? { ...delta, unproven: 1 } : delta);
  await finishListing(ctx, run);
}

/**
 * The listing is complete. After a complete unfiltered reconcile listing, a live bundle it
 * did not show is suspect, never dead on that evidence alone: it gets a GET /bundles/:id,
 * and only that call's 404 tombstones it (the sync-bundle job does).
 */
async function finishListing(ctx: ProcessorContext, run: SyncRun): Promise<void> {
  if (run.kind === 'reconcile' && isUnfiltered(run.params)) {
    const missing = await findUnlistedBundleIds(ctx.db, run.startedAt);
    await enqueueBundleSyncs(
      ctx.queue,
      missing.map((bundleId) => ({ bundleId, reason: 'reconcile' as const, sourceRef: run.id })),
      PRIORITY.reconcile,
    );
    if (missing.length > 0) await addRunStats(ctx.db, run.id, { missingConfirmations: missing.length });
  }
  await finishRun(ctx.db, run.id, 'completed');
  await deleteRunListings(ctx.db, run.id);
  ctx.logger.info({ runId: run.id, kind: run.kind, passes: run.pass }, 'listing complete');
}

function outcomeCounts(results: ApplyResult[]): StatsDelta {
  const counts = { created: 0, changed: 0, unchanged: 0, stale: 0 };
  for (const result of results) counts[result.outcome] += 1;
  return counts;
}

function countObservations(ctx: ProcessorContext, results: ApplyResult[]): void {
  const stale = results.filter((result) => result.outcome === 'stale').length;
  const remakes = results.filter((result) => result.remakeDetected).length;
  if (stale > 0) ctx.metrics.staleObservations.inc(stale);
  if (remakes > 0) ctx.metrics.remakesSeen.inc(remakes);
}

/**
 * Counts the failure on the run; on the job's last attempt (or an error no retry can fix)
 * the run is marked failed, so a waiting backfill stops and a later one resumes it.
 */
async function recordFailure(ctx: ProcessorContext, job: Job, run: SyncRun, error: unknown): Promise<void> {
  const policy = classifyFailure(error);
  const apiCalls = isTokPortalApiError(error) ? 1 : 0;
  try {
    // A 429 is the queue pausing, not a failure of the run.
    if (policy.kind === 'rate-limited') {
      await addRunStats(ctx.db, run.id, { apiCalls });
      return;
    }
    const message = error instanceof Error ? error.message : String(error);
    await addRunStats(ctx.db, run.id, { apiCalls, errors: 1 }, message);
    const lastAttempt = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
    if (policy.kind === 'give-up' || (policy.kind === 'retry' && lastAttempt)) {
      await finishRun(ctx.db, run.id, 'failed', message);
    }
  } catch (recordError) {
    // The database may be what failed; the job's own retry matters more than the counter.
    ctx.logger.warn({ runId: run.id, err: String(recordError) }, 'could not record the list-page failure on the run');
  }
}
