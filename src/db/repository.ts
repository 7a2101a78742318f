// The only way bundles get written. Every write is one transaction that serializes on the
// bundle (advisory lock), decides from the stored state with the pure planner in src/sync/,
// and writes the current row, the version history, the account timeline and the videos together.
import { eq } from 'drizzle-orm';
import type { Database } from './connection.js';
import { bundles, bundleVersions } from './schema.js';
import { applyRound } from './apply-batch.js';
import { bundleStateOf } from './bundle-rows.js';
import { chunked, inRetriedTransaction, lockBundles } from './transactions.js';
import { versionRow, type ApplyResult, type PlanContext } from '../sync/apply-plan.js';
import type { Observation, ObservationSource } from '../sync/observation.js';

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
  const context = planContext(source, appliedAt);
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

/** The observation's source as the planner records it; an observation without a time is as of now. */
function planContext({ source, sourceRef, observedAt }: ObservationSource, appliedAt: Date): PlanContext {
  return { source, sourceRef: sourceRef ?? null, observedAt: observedAt ?? appliedAt, appliedAt };
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
      versionRow(bundleStateOf(row), {
        source: mark === 'deleted' ? 'tombstone' : 'not_owned',
        sourceRef: source.sourceRef ?? null,
        observedAt: at,
        changedFields: [mark === 'deleted' ? 'deleted_at' : 'not_owned_at'],
      }),
    );
    return true;
  });
}
