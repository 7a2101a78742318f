// Backfill and reconcile runs (tokportal.sync_runs). The run row holds the filters, the next
// page to list and the counters, so a list-page job needs only the run id, an interrupted
// backfill resumes where it stopped, and the row doubles as the one-reconcile-at-a-time lock.
import { randomBytes } from 'node:crypto';
import { and, desc, eq, inArray, ne, sql } from 'drizzle-orm';
import type { Database } from './connection.js';
import { syncRuns, type SyncRunRow } from './schema.js';
import type { DetailsMode } from '../sync/detail-policy.js';

export type SyncRunKind = 'backfill' | 'reconcile';
export type SyncRunStatus = 'running' | 'completed' | 'failed' | 'interrupted';

/** GET /bundles filters a run lists with (query parameter names of the API). */
export type BundleFilters = { status?: string; platform?: string; bundle_type?: string; external_ref?: string };
export type SyncRunParams = { filters: BundleFilters; details: DetailsMode };

export const EMPTY_STATS = {
  pages: 0,
  listed: 0,
  created: 0,
  changed: 0,
  unchanged: 0,
  stale: 0,
  detailsEnqueued: 0,
  /** Reconcile: bundles a complete listing missed, sent for a confirming GET /bundles/:id. */
  missingConfirmations: 0,
  apiCalls: 0,
  errors: 0,
};
export type SyncRunStats = typeof EMPTY_STATS;
export type StatsDelta = Partial<SyncRunStats>;

export type SyncRun = Omit<SyncRunRow, 'kind' | 'status' | 'params' | 'stats'> & {
  kind: SyncRunKind;
  status: SyncRunStatus;
  params: SyncRunParams;
  stats: SyncRunStats;
};

const toRun = (row: SyncRunRow): SyncRun => ({
  ...row,
  kind: row.kind as SyncRunKind,
  status: row.status as SyncRunStatus,
  params: row.params as SyncRunParams,
  stats: { ...EMPTY_STATS, ...(row.stats as Partial<SyncRunStats>) },
});

/** Drops unset filters so that equal runs have equal params (jsonb equality ignores key order, not nulls). */
export function normalizeParams(params: SyncRunParams): SyncRunParams {
  const filters: BundleFilters = {};
  for (const [key, value] of Object.entries(params.filters) as [keyof BundleFilters, string | undefined][]) {
    if (value !== undefined && value !== '') filters[key] = value;
  }
  return { filters, details: params.details };
}

export const isUnfiltered = (params: SyncRunParams): boolean => Object.keys(params.filters).length === 0;

function newRunId(kind: SyncRunKind, now: Date): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  return `${kind}_${stamp}_${randomBytes(3).toString('hex')}`;
}

export async function createRun(db: Database, kind: SyncRunKind, params: SyncRunParams, now = new Date()): Promise<SyncRun> {
  const [row] = await db
    .insert(syncRuns)
    .values({ id: newRunId(kind, now), kind, status: 'running', params: normalizeParams(params), stats: EMPTY_STATS, startedAt: now, updatedAt: now })
    .returning();
  return toRun(row!);
}

export async function getRun(db: Database, runId: string): Promise<SyncRun | null> {
  const [row] = await db.select().from(syncRuns).where(eq(syncRuns.id, runId));
  return row ? toRun(row) : null;
}

/** The most recently started run of this kind, other than `excluding` when given. */
export async function latestRun(db: Database, kind: SyncRunKind, excluding?: string | null): Promise<SyncRun | null> {
  const [row] = await db
    .select()
    .from(syncRuns)
    .where(and(eq(syncRuns.kind, kind), excluding ? ne(syncRuns.id, excluding) : undefined))
    .orderBy(desc(syncRuns.startedAt))
    .limit(1);
  return row ? toRun(row) : null;
}

/**
 * The latest run of this kind with exactly these params, if it did not complete. Only the
 * latest: an older unfinished run was superseded by a newer one and is not picked up again.
 */
export async function findResumableRun(db: Database, kind: SyncRunKind, params: SyncRunParams): Promise<SyncRun | null> {
  const [row] = await db
    .select()
    .from(syncRuns)
    .where(and(eq(syncRuns.kind, kind), sql`${syncRuns.params} = ${JSON.stringify(normalizeParams(params))}::jsonb`))
    .orderBy(desc(syncRuns.startedAt), desc(syncRuns.id))
    .limit(1);
  const resumable: readonly string[] = ['running', 'interrupted', 'failed'];
  return row && resumable.includes(row.status) ? toRun(row) : null;
}

/** Puts an interrupted or failed run back to running (a resume). */
export async function reopenRun(db: Database, runId: string): Promise<SyncRun | null> {
  const [row] = await db
    .update(syncRuns)
    .set({ status: 'running', finishedAt: null, lastError: null, updatedAt: new Date() })
    .where(eq(syncRuns.id, runId))
    .returning();
  return row ? toRun(row) : null;
}

function addStats(stats: SyncRunStats, delta: StatsDelta): SyncRunStats {
  const sum = { ...stats };
  for (const [key, value] of Object.entries(delta) as [keyof SyncRunStats, number][]) sum[key] += value;
  return sum;
}

export type PageRecord = { page: number; totalPages: number; delta: StatsDelta };

/**
 * Counts one listed page and moves next_page past it, once: a rerun of the same page (a
 * retried or duplicated job) finds next_page already moved and changes nothing. A page that
 * was in flight when its run got interrupted still counts, so the resume does not list it
 * again. Returns the run after the update (the caller continues only if it is still
 * running), or null when the page was already counted or the run has ended.
 */
export async function recordPage(db: Database, runId: string, record: PageRecord): Promise<SyncRun | null> {
  return db.transaction(async (tx) => {
    const [row] = await tx
      .select()
      .from(syncRuns)
      .where(
        and(
          eq(syncRuns.id, runId),
          inArray(syncRuns.status, ['running', 'interrupted']),
          eq(syncRuns.nextPage, record.page),
        ),
      )
      .for('update');
    if (!row) return null;
    const [updated] = await tx
      .update(syncRuns)
      .set({
        nextPage: record.page + 1,
        totalPages: record.totalPages,
        stats: addStats(toRun(row).stats, record.delta),
        updatedAt: new Date(),
      })
      .where(eq(syncRuns.id, runId))
      .returning();
    return toRun(updated!);
  });
}

/** Adds counters without moving the page (API errors, reconcile's missing confirmations). */
export async function addRunStats(db: Database, runId: string, delta: StatsDelta, lastError?: string): Promise<void> {
  await db.transaction(async (tx) => {
    const [row] = await tx.select().from(syncRuns).where(eq(syncRuns.id, runId)).for('update');
    if (!row) return;
    await tx
      .update(syncRuns)
      .set({ stats: addStats(toRun(row).stats, delta), updatedAt: new Date(), ...(lastError ? { lastError } : {}) })
      .where(eq(syncRuns.id, runId));
  });
}

/** Ends a running run; returns false when it was not running (someone else ended it first). */
export async function finishRun(
  db: Database,
  runId: string,
  status: Exclude<SyncRunStatus, 'running'>,
  lastError?: string,
): Promise<boolean> {
  const now = new Date();
  const rows = await db
    .update(syncRuns)
    .set({ status, finishedAt: status === 'interrupted' ? null : now, updatedAt: now, ...(lastError ? { lastError } : {}) })
    .where(and(eq(syncRuns.id, runId), eq(syncRuns.status, 'running')))
    .returning({ id: syncRuns.id });
  return rows.length > 0;
}

// Serializes "is a reconcile running? if not, start one" across every process sharing the database.
const RECONCILE_LOCK_KEY = 727_002;

export type ReconcileStart = { started: true; run: SyncRun; replaced: string | null } | { started: false; running: SyncRun };

/**
 * Starts a reconcile run unless one is already running. A running run that has not moved for
 * staleAfterMs belongs to a dead process: it is marked failed and replaced.
 */
export async function startReconcileRun(
  db: Database,
  params: SyncRunParams,
  staleAfterMs: number,
  now = new Date(),
): Promise<ReconcileStart> {
  return db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(${RECONCILE_LOCK_KEY})`);
    const [current] = await tx
      .select()
      .from(syncRuns)
      .where(and(eq(syncRuns.kind, 'reconcile'), eq(syncRuns.status, 'running')))
      .orderBy(desc(syncRuns.startedAt))
      .limit(1);
    let replaced: string | null = null;
    if (current) {
      if (now.getTime() - current.updatedAt.getTime() < staleAfterMs) return { started: false, running: toRun(current) };
      await tx
        .update(syncRuns)
        .set({ status: 'failed', finishedAt: now, updatedAt: now, lastError: 'abandoned: no progress, replaced by a new reconcile' })
        .where(and(eq(syncRuns.kind, 'reconcile'), eq(syncRuns.status, 'running')));
      replaced = current.id;
    }
    const [row] = await tx
      .insert(syncRuns)
      .values({ id: newRunId('reconcile', now), kind: 'reconcile', status: 'running', params: normalizeParams(params), stats: EMPTY_STATS, startedAt: now, updatedAt: now })
      .returning();
    return { started: true, run: toRun(row!), replaced };
  });
}
