// Reads for rolling verification, its gauge and `audit`: which live bundles are due, oldest
// verification first (bundles_verification_idx), how old the oldest verification is, and the
// stored state an audit compares an API answer with.
import { and, asc, eq, isNull, lt, or, sql } from 'drizzle-orm';
import type { StoredForAudit } from '../sync/audit.js';
import type { Database } from './connection.js';
import { bundleAccounts, bundles, bundleVideos } from './schema.js';
import { rowsOf } from './result-rows.js';

const live = and(isNull(bundles.deletedAt), isNull(bundles.notOwnedAt));

/** Live bundles in the mirror (what the verification budget is computed for). */
export async function countLiveBundles(db: Database): Promise<number> {
  const [row] = await db.select({ count: sql<number>`count(*)::int` }).from(bundles).where(live);
  return Number(row?.count ?? 0);
}

/** Live bundles never verified or last verified before `before`, oldest first. */
export async function findDueForVerification(db: Database, before: Date, limit: number): Promise<{ bundleIds: string[]; due: number }> {
  const due = or(isNull(bundles.verifiedAt), lt(bundles.verifiedAt, before));
  const [count] = await db.select({ count: sql<number>`count(*)::int` }).from(bundles).where(and(live, due));
  if (limit <= 0) return { bundleIds: [], due: Number(count?.count ?? 0) };
  const rows = await db
    .select({ bundleId: bundles.bundleId })
    .from(bundles)
    .where(and(live, due))
    .orderBy(sql`${bundles.verifiedAt} asc nulls first`, asc(bundles.bundleId))
    .limit(limit);
  return { bundleIds: rows.map((row) => row.bundleId), due: Number(count?.count ?? 0) };
}

/**
 * Seconds since the least recently verified live bundle was verified (a never-verified one counts
 * from when the mirror first saw it); 0 when the mirror holds no live bundle.
 */
export async function oldestVerificationAgeSeconds(db: Database): Promise<number> {
  const [row] = rowsOf(
    await db.execute(sql`
      select coalesce(extract(epoch from now() - min(coalesce(${bundles.verifiedAt}, ${bundles.firstSeenAt}))), 0)::float8 as age
      from ${bundles} where ${bundles.deletedAt} is null and ${bundles.notOwnedAt} is null`),
  );
  return Math.max(0, Number(row?.age ?? 0));
}

/** What `audit` compares an API answer with: the row, its video slots, its account timeline. */
export async function readStoredForAudit(db: Database, bundleId: string): Promise<StoredForAudit> {
  const [row] = await db.select().from(bundles).where(eq(bundles.bundleId, bundleId));
  const videos = await db
    .select({ position: bundleVideos.position, videoId: bundleVideos.videoId, status: bundleVideos.status, name: bundleVideos.name })
    .from(bundleVideos)
    .where(eq(bundleVideos.bundleId, bundleId))
    .orderBy(asc(bundleVideos.position));
  const accounts = await db
    .select({ username: bundleAccounts.username, replacedAt: bundleAccounts.replacedAt })
    .from(bundleAccounts)
    .where(eq(bundleAccounts.bundleId, bundleId))
    .orderBy(asc(bundleAccounts.incarnation));
  return { row: row ?? null, videos, timeline: accounts.map((a) => ({ username: a.username, open: a.replacedAt === null })) };
}

/** Live bundles to audit: all of them, or a random sample. */
export async function pickBundlesToAudit(db: Database, sample: number | 'all'): Promise<string[]> {
  const query = db.select({ bundleId: bundles.bundleId }).from(bundles).where(live);
  const rows = sample === 'all' ? await query.orderBy(asc(bundles.bundleId)) : await query.orderBy(sql`random()`).limit(sample);
  return rows.map((row) => row.bundleId);
}
