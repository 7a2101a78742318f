// Reads of the mirror tables (bundles, bundle_versions, bundle_accounts, bundle_videos) that
// others decide on or show: what a list page compares its items with, what a complete listing
// missed, and the whole mirror for the demo's check (the feed of changes is change-feed.ts). Every write
// goes through repository.ts.
import { and, asc, count, gt, inArray, isNull, max, sql } from 'drizzle-orm';
import type { KnownBundleState } from '../sync/detail-policy.js';
import type { Database } from './connection.js';
import { bundleAccounts, bundles, bundleVersions, bundleVideos, type BundleRow } from './schema.js';

/** What the detail policy weighs a listed bundle against, with the bundle's id and status. */
export type BundleSyncState = KnownBundleState & { bundleId: string; status: string };

/** What the mirror holds for these bundles, for the catch-up's "is a detail call worth it" decision. */
export async function getBundleSyncStates(db: Database, bundleIds: string[]): Promise<Map<string, BundleSyncState>> {
  if (bundleIds.length === 0) return new Map();
  const rows = await db
    .select({
      bundleId: bundles.bundleId,
      apiUpdatedAt: bundles.apiUpdatedAt,
      detailSyncedAt: bundles.detailSyncedAt,
      detailUpdatedAt: bundles.detailUpdatedAt,
      remadeCount: bundles.remadeCount,
      accountStatus: bundles.accountStatus,
      status: bundles.status,
      deletedAt: bundles.deletedAt,
      raw: bundles.raw,
    })
    .from(bundles)
    .where(inArray(bundles.bundleId, [...new Set(bundleIds)]));
  return new Map(rows.map((row) => [row.bundleId, row]));
}

/**
 * Live bundles a complete listing that started at `listingStartedAt` did not show. A bundle
 * first seen after the listing started may simply have been created behind its cursor.
 */
export async function findUnlistedBundleIds(db: Database, listingStartedAt: Date): Promise<string[]> {
  const rows = await db
    .select({ bundleId: bundles.bundleId })
    .from(bundles)
    .where(
      and(
        isNull(bundles.deletedAt),
        isNull(bundles.notOwnedAt),
        sql`coalesce(${bundles.lastListedAt}, ${bundles.firstSeenAt}) < ${listingStartedAt.toISOString()}::timestamptz`,
      ),
    )
    .orderBy(bundles.bundleId);
  return rows.map((row) => row.bundleId);
}

/** Bundles in the mirror, tombstoned ones included. */
export async function countBundles(db: Database): Promise<number> {
  const [row] = await db.select({ n: count() }).from(bundles);
  return Number(row?.n ?? 0);
}

/** The whole mirror: every bundle row, its video slots by position and its handles by incarnation. */
export type MirrorContents = {
  bundles: BundleRow[];
  videos: { bundleId: string; position: number; status: string }[];
  handles: { bundleId: string; username: string | null }[];
};

export async function readMirrorContents(db: Database): Promise<MirrorContents> {
  const rows = await db.select().from(bundles);
  const videos = await db
    .select({ bundleId: bundleVideos.bundleId, position: bundleVideos.position, status: bundleVideos.status })
    .from(bundleVideos)
    .orderBy(asc(bundleVideos.bundleId), asc(bundleVideos.position));
  const handles = await db
    .select({ bundleId: bundleAccounts.bundleId, username: bundleAccounts.username })
    .from(bundleAccounts)
    .orderBy(asc(bundleAccounts.bundleId), asc(bundleAccounts.incarnation));
  return { bundles: rows, videos, handles };
}
