// Backfill and reconcile runs (tokportal.sync_runs). The run row holds the filters, the next
// page to list and the counters, so a list-page job needs only the run id, an interrupted
// backfill resumes where it stopped, and the row doubles as the one-reconcile-at-a-time lock.
import { randomBytes } from 'node:crypto';
import { and, desc, eq, inArray, ne, sql } from 'drizzle-orm';
import { rowsOf } from './result-rows.js';
import type { Database } from './connection.js';
import { syncRunListings, syncRuns, type SyncRunRow } from './schema.js';
import type { PassFigures } from '../sync/page-walk.js';
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
  /** Listing passes walked (docs/tokportal-api.md: a run walks until a pass is proven). */
  passes: 0,
  /** Bundles listed twice within a pass: the list shifted under the walk. */
  duplicatesListed: 0,
  /** Bundles a pass listed that the next pass no longer did (deleted, or skipped by it). */
  vanished: 0,
  /** 1 when the run ended without proving a pass (the list kept changing under it). */
  unproven: 0,
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

export type PageRecord = {
  pass: number;
  page: number;
  /** Pages of the pass as far as known (page-walk.ts knownPageCount). */
  totalPages: number | null;
  delta: StatsDelta;
  /** The bundle ids the page listed, recorded for the pass (a repeat within the pass counts as a duplicate). */
  listedIds: string[];
};

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
          eq(syncRuns.pass, record.pass),
          eq(syncRuns.nextPage, record.page),
        ),
      )
      .for('update');
    if (!row) return null;
    // In the same transaction as the page move: a rerun of a counted page never counts its ids twice.
    const duplicates = await recordListed(tx, runId, record.pass, record.listedIds);
    const [updated] = await tx
      .update(syncRuns)
      .set({
        nextPage: record.page + 1,
        totalPages: record.totalPages,
        stats: addStats(toRun(row).stats, { ...record.delta, duplicatesListed: duplicates }),
        updatedAt: new Date(),
      })
      .where(eq(syncRuns.id, runId))
      .returning();
    return toRun(updated!);
  });
}

type Tx = Parameters<Parameters<Database['transaction']>[0]>[0];

/** Adds the page's ids to the pass; returns how many the pass had listed already (the list shifted). */
async function recordListed(tx: Tx, runId: string, pass: number, ids: string[]): Promise<number> {
  // A page can repeat an id itself only if the API is broken; count it like any repeat.
  const unique = [...new Set(ids)];
  let duplicates = ids.length - unique.length;
  if (unique.length === 0) return duplicates;
  const rows = await tx
    .insert(syncRunListings)
    .values(unique.map((bundleId) => ({ runId, pass, bundleId })))
    .onConflictDoUpdate({
      target: [syncRunListings.runId, syncRunListings.pass, syncRunListings.bundleId],
      set: { timesListed: sql`${syncRunListings.timesListed} + 1` },
    })
    .returning({ timesListed: syncRunListings.timesListed });
  duplicates += rows.filter((row) => row.timesListed > 1).length;
  return duplicates;
}

/** What a pass listed: distinct bundles, and those listed more than once. */
export async function passFigures(db: Database, runId: string, pass: number): Promise<PassFigures> {
  const [row] = await db
    .select({
      listed: sql<number>`count(*)::int`,
      duplicates: sql<number>`(count(*) filter (where ${syncRunListings.timesListed} > 1))::int`,
    })
    .from(syncRunListings)
    .where(and(eq(syncRunListings.runId, runId), eq(syncRunListings.pass, pass)));
  return { pass, listed: Number(row?.listed ?? 0), duplicates: Number(row?.duplicates ?? 0) };
}

/** Of these bundles, those an earlier pass of the run listed. */
export async function listedInEarlierPasses(db: Database, runId: string, pass: number, bundleIds: string[]): Promise<Set<string>> {
  if (pass <= 1 || bundleIds.length === 0) return new Set();
  const rows = await db
    .selectDistinct({ bundleId: syncRunListings.bundleId })
    .from(syncRunListings)
    .where(and(eq(syncRunListings.runId, runId), sql`${syncRunListings.pass} < ${pass}`, inArray(syncRunListings.bundleId, bundleIds)));
  return new Set(rows.map((row) => row.bundleId));
}

/** Bundles pass `earlier` listed that pass `later` did not. */
export async function countVanished(db: Database, runId: string, earlier: number, later: number): Promise<number> {
  const [row] = rowsOf(
    await db.execute(sql`
      select count(*)::int as count from ${syncRunListings} e
      where e.run_id = ${runId} and e.pass = ${earlier}
        and not exists (select 1 from ${syncRunListings} l where l.run_id = e.run_id and l.pass = ${later} and l.bundle_id = e.bundle_id)`),
  );
  return Number(row?.count ?? 0);
}

/**
 * Moves a running run from pass `from` (whose last page is counted) to the next, page 1. Only
 * once: a rerun finds the pass already moved. The listings of passes before `from` are no longer
 * needed (the next proof compares `from` with the new pass).
 */
export async function startNextPass(db: Database, runId: string, from: number, delta: StatsDelta): Promise<SyncRun | null> {
  return db.transaction(async (tx) => {
    const [row] = await tx
      .select()
      .from(syncRuns)
      .where(and(eq(syncRuns.id, runId), eq(syncRuns.status, 'running'), eq(syncRuns.pass, from)))
      .for('update');
    if (!row) return null;
    await tx.delete(syncRunListings).where(and(eq(syncRunListings.runId, runId), sql`${syncRunListings.pass} < ${from}`));
    const [updated] = await tx
      .update(syncRuns)
      .set({ pass: from + 1, nextPage: 1, totalPages: null, stats: addStats(toRun(row).stats, delta), updatedAt: new Date() })
      .where(eq(syncRuns.id, runId))
      .returning();
    return toRun(updated!);
  });
}

/** The listings of a finished run are only needed while it walks. */
export async function deleteRunListings(db: Database, runId: string): Promise<void> {
  await db.delete(syncRunListings).where(eq(syncRunListings.runId, runId));
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
