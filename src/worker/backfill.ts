// A backfill from start to end: start or resume the run, work the queue with an in-process
// worker (other workers share the load and the one rate limiter), follow progress until the
// listing is done and its detail fetches have drained, and leave the run resumable when
// stopped. The command (src/cli/backfill/) only adds the terminal around it.
import type { Queue } from 'bullmq';
import type { Database } from '../db/connection.js';
import {
  createRun,
  findResumableRun,
  finishRun,
  getRun,
  normalizeParams,
  reopenRun,
  type BundleFilters,
  type SyncRun,
  type SyncRunStats,
} from '../db/sync-runs.js';
import { JOB, PRIORITY, type SyncBundleData } from '../queue/jobs.js';
import type { DetailsMode } from '../sync/detail-policy.js';
import type { FatalError } from '../lib/fatal-error.js';
import { enqueueListPage, ensureListPageQueued } from './list-page.js';
import type { SyncWorkerHandle } from './worker.js';

export type BackfillRequest = { filters: BundleFilters; details: DetailsMode; restart?: boolean };
export type BackfillStart = { run: SyncRun; resumed: boolean; superseded: string | null };

/** Resumes the latest unfinished run with the same filters and details mode, unless restart. */
export async function startOrResumeBackfill(db: Database, queue: Queue, request: BackfillRequest): Promise<BackfillStart> {
  const params = normalizeParams({ filters: request.filters, details: request.details });
  const previous = await findResumableRun(db, 'backfill', params);
  if (previous && !request.restart) {
    const run = previous.status === 'running' ? previous : ((await reopenRun(db, previous.id)) ?? previous);
    await ensureListPageQueued(queue, run.id, run.pass, run.nextPage);
    return { run, resumed: true, superseded: null };
  }
  // A superseded run must not go on listing next to the new one: its queued page will find it ended.
  if (previous && previous.status !== 'failed') {
    await reopenRun(db, previous.id);
    await finishRun(db, previous.id, 'failed', 'superseded by a restarted backfill');
  }
  const run = await createRun(db, 'backfill', params);
  await enqueueListPage(queue, run.id, 1, 1);
  return { run, resumed: false, superseded: previous?.id ?? null };
}

// Active and delayed jobs are few (in flight, or waiting for a retry); past this many the count is a floor.
const MAX_INSPECTED_JOBS = 2_000;

/**
 * Backfill detail fetches still to do: the queue's prioritized jobs at the backfill detail
 * priority (one O(log n) count) plus the running or retry-delayed ones of a backfill.
 */
export async function countPendingBackfillDetails(queue: Queue): Promise<number> {
  const counts = await queue.getCountsPerPriority([PRIORITY.backfillDetail]);
  const jobs = await queue.getJobs(['active', 'delayed'], 0, MAX_INSPECTED_JOBS - 1);
  const inFlight = jobs.filter(
    (job) => job.name === JOB.syncBundle && (job.data as Partial<SyncBundleData> | undefined)?.reason === 'backfill',
  ).length;
  return (counts[String(PRIORITY.backfillDetail)] ?? 0) + inFlight;
}

export type BackfillPhase = 'listing' | 'details' | 'done' | 'failed' | 'interrupted';

export type BackfillProgress = {
  run: SyncRun;
  phase: BackfillPhase;
  /** The listing pass (a run walks at least two: the second proves the first). */
  pass: number;
  /** Pages listed in the current pass while listing; every page of the run once listing is done. */
  pagesDone: number;
  /** Pages of the current pass, once known. */
  totalPages: number | null;
  pendingDetails: number;
  detailsDone: number;
  /**
   * Seconds left at the allowed rate (the best the rate limit allows): pages to list, details
   * they will likely bring, details queued. Null while the page count is unknown.
   */
  etaSeconds: number | null;
};

export async function readBackfillProgress(db: Database, queue: Queue, runId: string, rateLimitPerMin: number): Promise<BackfillProgress> {
  const run = await getRun(db, runId);
  if (!run) throw new Error(`sync run ${runId} disappeared`);
  const pendingDetails = await countPendingBackfillDetails(queue);
  const { stats, totalPages } = run;
  const phase: BackfillPhase =
    run.status === 'failed' || run.status === 'interrupted'
      ? run.status
      : run.status === 'running'
        ? 'listing'
        : pendingDetails > 0
          ? 'details'
          : 'done';
  const listing = phase === 'listing';
  const pagesInPass = listing ? run.nextPage - 1 : stats.pages;
  return {
    run,
    phase,
    pass: run.pass,
    pagesDone: pagesInPass,
    totalPages,
    pendingDetails,
    detailsDone: Math.max(0, stats.detailsEnqueued - pendingDetails),
    etaSeconds: estimateEtaSeconds(
      { pages: pagesInPass, detailsEnqueued: stats.detailsEnqueued },
      listing ? totalPages : pagesInPass,
      pendingDetails,
      rateLimitPerMin,
      listing ? run.pass : 2,
    ),
  };
}

/**
 * Calls left at the allowed rate: pages to list in this pass, the details they will likely bring
 * (first pass only: a later pass asks only for what changed), the second pass that proves the
 * first (page-walk.ts), details queued.
 */
export function estimateEtaSeconds(
  stats: Pick<SyncRunStats, 'pages' | 'detailsEnqueued'>,
  totalPages: number | null,
  pendingDetails: number,
  rateLimitPerMin: number,
  pass = 1,
): number | null {
  if (totalPages === null) return null;
  const pagesLeft = Math.max(0, totalPages - stats.pages);
  // Pages not yet listed will bring detail fetches too: assume the ratio seen so far.
  const detailsAhead = pass === 1 && stats.pages > 0 ? Math.round((stats.detailsEnqueued / stats.pages) * pagesLeft) : 0;
  const proofPass = pass === 1 ? totalPages : 0;
  return Math.ceil(((pagesLeft + proofPass + detailsAhead + pendingDetails) * 60) / rateLimitPerMin);
}

export type BackfillDependencies = {
  db: Database;
  queue: Queue;
  rateLimitPerMin: number;
  /** Starts this process's worker once the run is queued; closed when the backfill returns. */
  startWorker: () => Promise<SyncWorkerHandle>;
};

export type BackfillHooks = {
  /** Aborting marks the run interrupted (resumable) and stops the worker after its jobs in flight. */
  signal?: AbortSignal;
  pollMs?: number;
  onStart?: (start: BackfillStart) => void;
  onProgress?: (progress: BackfillProgress) => void;
};

export type BackfillResult = {
  outcome: 'completed' | 'failed' | 'interrupted' | 'auth-rejected';
  start: BackfillStart;
  progress: BackfillProgress;
  durationMs: number;
  /** API calls this session made for the run: pages listed plus detail fetches finished. */
  sessionApiCalls: number;
  authError?: FatalError;
};

export async function runBackfill(deps: BackfillDependencies, request: BackfillRequest, hooks: BackfillHooks = {}): Promise<BackfillResult> {
  const { db, queue, rateLimitPerMin } = deps;
  const startedAt = Date.now();
  const start = await startOrResumeBackfill(db, queue, request);
  hooks.onStart?.(start);
  const initial = await readBackfillProgress(db, queue, start.run.id, rateLimitPerMin);
  const worker = await deps.startWorker();
  const finish = (outcome: BackfillResult['outcome'], progress: BackfillProgress, authError?: FatalError): BackfillResult => ({
    outcome,
    start,
    progress,
    durationMs: Date.now() - startedAt,
    sessionApiCalls: sessionApiCalls(initial, progress),
    ...(authError ? { authError } : {}),
  });
  try {
    let stopped: Awaited<SyncWorkerHandle['stopped']> | undefined;
    void worker.stopped.then((stop) => (stopped = stop));
    let sawDone = false;
    for (;;) {
      const progress = await readBackfillProgress(db, queue, start.run.id, rateLimitPerMin);
      hooks.onProgress?.(progress);
      if (hooks.signal?.aborted) {
        await finishRun(db, start.run.id, 'interrupted');
        const interrupted = await readBackfillProgress(db, queue, start.run.id, rateLimitPerMin);
        return finish('interrupted', interrupted);
      }
      if (stopped?.reason === 'auth-rejected') {
        await finishRun(db, start.run.id, 'interrupted', stopped.error.message);
        return finish('auth-rejected', progress, stopped.error);
      }
      if (progress.phase === 'failed' || progress.phase === 'interrupted') return finish(progress.phase, progress);
      // Twice in a row: a job moving from delayed to prioritized between the two counts is missed once.
      if (progress.phase === 'done' && sawDone) return finish('completed', progress);
      sawDone = progress.phase === 'done';
      await sleep(sawDone ? 50 : (hooks.pollMs ?? 500), hooks.signal);
    }
  } finally {
    await worker.close();
  }
}

/** Pages listed plus detail fetches finished between two snapshots (details pending at the start included). */
export function sessionApiCalls(initial: BackfillProgress, final: BackfillProgress): number {
  const listCalls = final.run.stats.apiCalls - initial.run.stats.apiCalls;
  const detailsRequested = final.run.stats.detailsEnqueued - initial.run.stats.detailsEnqueued;
  const detailCalls = detailsRequested + initial.pendingDetails - final.pendingDetails;
  return Math.max(0, listCalls) + Math.max(0, detailCalls);
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
