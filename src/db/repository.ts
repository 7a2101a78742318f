// The only way bundles get written. Every write is one transaction that serializes on the
// bundle (advisory lock), decides from the stored state with the pure planner in src/sync/,
// and writes the current row, the version history, the account timeline and the videos together.
import { eq, inArray } from 'drizzle-orm';
import type { Database } from './connection.js';
import { bundles, bundleVersions } from './schema.js';
import { applyRound } from './apply-batch.js';
import { chunked, inRetriedTransaction, lockBundles } from './transactions.js';
import { versionRow, type ApplyResult } from '../sync/apply-plan.js';
import type { Observation, ObservationSource } from '../sync/observation.js';

export type { ApplyOutcome, ApplyResult } from '../sync/apply-plan.js';
export type { Observation, ObservationSource } from '../sync/observation.js';

export async function applyBundleSnapshot(
  db: Database,
  observation: Observation,
  source: ObservationSource,
): Promise<ApplyResult> {
  const [result] = await applyBundleSnapshots(db, [observation], source);
  return result!;
}

/**
 * Applies many observations (a list page, a backfill batch) in ONE transaction. Results come
 * back in input order. A bundle repeated in the batch is applied in order, one round each.
 */
export async function applyBundleSnapshots(
  db: Database,
  observations: Observation[],
  source: ObservationSource,
): Promise<ApplyResult[]> {
  if (observations.length === 0) return [];
  const appliedAt = new Date();
  const context = { source, observedAt: source.observedAt ?? appliedAt, appliedAt };
  const rounds = splitIntoRounds(observations);
  return inRetriedTransaction(db, async (tx) => {
    const results: ApplyResult[] = new Array(observations.length);
    // Chunks keep every statement of a round far below Postgres' bind-parameter limit.
    for (const chunk of rounds.flatMap((round) => chunked(round, 500))) {
      const applied = await applyRound(tx, chunk.map((entry) => entry.observation), context);
      chunk.forEach((entry, i) => (results[entry.index] = applied[i]!));
    }
    return results;
  });
}

type Entry = { index: number; observation: Observation };

/** Round n holds the n-th occurrence of each bundle, so no statement touches a row twice. */
function splitIntoRounds(observations: Observation[]): Entry[][] {
  const rounds: Entry[][] = [];
  const seen = new Map<string, number>();
  observations.forEach((observation, index) => {
    const occurrence = seen.get(observation.bundle.id) ?? 0;
    seen.set(observation.bundle.id, occurrence + 1);
    (rounds[occurrence] ??= []).push({ index, observation });
  });
  return rounds;
}

/**
 * The API answered 404: the bundle is gone. Marks it deleted (history kept, never a hard
 * delete); a later observation brings it back. False when unknown or already tombstoned.
 */
export function tombstoneBundle(db: Database, bundleId: string, source: ObservationSource): Promise<boolean> {
  return markGone(db, bundleId, source, 'deleted');
}

/** The API answered 403 BUNDLE_NOT_OWNED: the key lost access. A later observation clears it. */
export function markBundleNotOwned(db: Database, bundleId: string, source: ObservationSource): Promise<boolean> {
  return markGone(db, bundleId, source, 'not_owned');
}

async function markGone(
  db: Database,
  bundleId: string,
  source: ObservationSource,
  mark: 'deleted' | 'not_owned',
): Promise<boolean> {
  const at = source.observedAt ?? new Date();
  return inRetriedTransaction(db, async (tx) => {
    await lockBundles(tx, [bundleId]);
    const [row] = await tx.select().from(bundles).where(eq(bundles.bundleId, bundleId));
    if (!row || (mark === 'deleted' ? row.deletedAt : row.notOwnedAt) !== null) return false;
    await tx
      .update(bundles)
      .set(mark === 'deleted' ? { deletedAt: at } : { notOwnedAt: at })
      .where(eq(bundles.bundleId, bundleId));
    await tx.insert(bundleVersions).values(
      versionRow(row, {
        source: mark === 'deleted' ? 'tombstone' : 'not_owned',
        sourceRef: source.sourceRef ?? null,
        observedAt: at,
        changedFields: [mark === 'deleted' ? 'deleted_at' : 'not_owned_at'],
      }),
    );
    return true;
  });
}

export type BundleSyncState = {
  bundleId: string;
  apiUpdatedAt: Date;
  detailSyncedAt: Date | null;
  /** TokPortal's updated_at of the last detail we applied (api_updated_at may be newer, from a list). */
  detailUpdatedAt: Date | null;
  remadeCount: number;
  accountStatus: string | null;
  status: string;
  deletedAt: Date | null;
  /** The stored document, compared field by field with a list item. */
  raw: unknown;
};

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
