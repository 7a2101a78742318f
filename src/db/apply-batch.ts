// Executes the plans of one round of observations (each bundle at most once) inside the
// caller's transaction, with as few statements as a round allows: a re-listing where nothing
// changed costs a lock, a read and one bookkeeping update for the whole batch.
import { and, desc, getTableColumns, inArray, notInArray, sql, type SQL } from 'drizzle-orm';
import type { AnyPgColumn } from 'drizzle-orm/pg-core';
import type { BundleRow } from './schema.js';
import { bundleAccounts, bundles, bundleVersions, bundleVideos } from './schema.js';
import { chunked, lockBundles, type Transaction } from './transactions.js';
import {
  planApply,
  versionRow,
  withoutExternalRef,
  type ApplyResult,
  type BundlePlan,
  type PlanContext,
  type StoredBundle,
} from '../sync/apply-plan.js';
import { losingClaims, type RefClaim } from '../sync/external-ref.js';
import type { IncarnationOp, KnownIncarnation } from '../sync/incarnations.js';
import type { Observation } from '../sync/observation.js';

export async function applyRound(
  tx: Transaction,
  observations: readonly Observation[],
  context: PlanContext,
): Promise<ApplyResult[]> {
  const ids = observations.map((observation) => observation.bundle.id);
  await lockBundles(tx, ids);
  const rows = new Map((await tx.select().from(bundles).where(inArray(bundles.bundleId, ids))).map((r) => [r.bundleId, r]));
  const incarnations = await latestIncarnations(
    tx,
    observations.filter((o) => needsIncarnation(o, rows.get(o.bundle.id))).map((o) => o.bundle.id),
  );
  const stored = (id: string): StoredBundle => ({ row: rows.get(id) ?? null, latestIncarnation: incarnations.get(id) ?? null });

  let plans = observations.map((observation) => planApply(stored(observation.bundle.id), observation, context));
  const settled = await settleExternalRefs(tx, plans, rows, new Set(ids));
  plans = plans.map((plan, i) =>
    settled.losingPlans.has(i)
      ? planApply(stored(plan.result.bundleId), observations[i]!, { ...context, dropExternalRef: true })
      : plan,
  );

  await releaseExternalRefs(tx, plans, rows, settled.losingHolders, context);
  await writeBundleRows(tx, plans, context.appliedAt, context.observedAt);
  const versions = plans.flatMap((plan) => (plan.version ? [plan.version] : []));
  for (const chunk of chunked(versions)) await tx.insert(bundleVersions).values(chunk);
  await writeIncarnations(tx, plans);
  await writeVideos(tx, plans, context.observedAt);
  // A bundle of this batch whose stored ref went to a newer claim did change, whatever its own item said.
  const cleared = new Set(settled.losingHolders.map((holder) => holder.bundleId));
  return plans.map(({ result }) =>
    cleared.has(result.bundleId) && result.outcome === 'unchanged'
      ? { ...result, outcome: 'changed', changedFields: ['external_ref'] }
      : result,
  );
}

/** Only a detail, or a list item whose remade_count grew, can touch the account timeline. */
function needsIncarnation(observation: Observation, row: BundleRow | undefined): boolean {
  if (!row) return observation.kind === 'detail';
  return observation.kind === 'detail' || observation.bundle.remade.remade_count > row.remadeCount;
}

async function latestIncarnations(tx: Transaction, ids: string[]): Promise<Map<string, KnownIncarnation>> {
  if (ids.length === 0) return new Map();
  const latest = await tx
    .selectDistinctOn([bundleAccounts.bundleId], {
      bundleId: bundleAccounts.bundleId,
      id: bundleAccounts.id,
      incarnation: bundleAccounts.incarnation,
      remadeCount: bundleAccounts.remadeCount,
      accountListingId: bundleAccounts.accountListingId,
      savedAccountId: bundleAccounts.savedAccountId,
      username: bundleAccounts.username,
      replacedAt: bundleAccounts.replacedAt,
    })
    .from(bundleAccounts)
    .where(inArray(bundleAccounts.bundleId, ids))
    .orderBy(bundleAccounts.bundleId, desc(bundleAccounts.incarnation));
  return new Map(latest.map((row) => [row.bundleId, row]));
}

const claimsRef = (plan: BundlePlan): plan is BundlePlan & { externalRef: string } =>
  plan.write.kind === 'upsert' && plan.externalRef !== null;

/**
 * Two bundles may claim one external_ref (it moved by PATCH and we saw the newer holder
 * first, or both inside one page). The newer claim wins; a losing plan is re-planned with
 * the ref cleared, a losing stored row is cleared before the winner is written.
 */
async function settleExternalRefs(
  tx: Transaction,
  plans: readonly BundlePlan[],
  rows: ReadonlyMap<string, BundleRow>,
  batchIds: ReadonlySet<string>,
): Promise<{ losingPlans: Set<number>; losingHolders: BundleRow[] }> {
  const newRefs = new Set(
    plans.filter(claimsRef).flatMap((p) => (p.externalRef !== rows.get(p.result.bundleId)?.externalRef ? [p.externalRef] : [])),
  );
  if (newRefs.size === 0) return { losingPlans: new Set(), losingHolders: [] };

  const rewritten = plans.filter((p) => p.write.kind === 'upsert').map((p) => p.result.bundleId);
  const findHolders = () =>
    tx
      .select()
      .from(bundles)
      .where(
        and(
          inArray(bundles.externalRef, [...newRefs]),
          rewritten.length > 0 ? notInArray(bundles.bundleId, rewritten) : undefined,
        ),
      );
  // Holders outside the batch are locked too, then read again: what we decide on must not move.
  let holders = await findHolders();
  const locked = new Set(batchIds);
  for (let unlocked = holders.filter((h) => !locked.has(h.bundleId)); unlocked.length > 0; ) {
    await lockBundles(tx, unlocked.map((h) => h.bundleId));
    for (const h of unlocked) locked.add(h.bundleId);
    holders = await findHolders();
    unlocked = holders.filter((h) => !locked.has(h.bundleId));
  }

  const claims: RefClaim[] = [
    ...holders.map((h) => ({ bundleId: h.bundleId, ref: h.externalRef!, apiUpdatedAt: h.apiUpdatedAt, deleted: h.deletedAt !== null, rank: -1 })),
    ...plans.flatMap((plan, rank) =>
      claimsRef(plan) && newRefs.has(plan.externalRef)
        ? [{ bundleId: plan.result.bundleId, ref: plan.externalRef, apiUpdatedAt: plan.apiUpdatedAt, deleted: false, rank }]
        : [],
    ),
  ];
  const losers = losingClaims(claims);
  const losingHolderIds = new Set(losers.filter((l) => l.rank < 0).map((l) => l.bundleId));
  return {
    losingPlans: new Set(losers.filter((l) => l.rank >= 0).map((l) => l.rank)),
    losingHolders: holders.filter((h) => losingHolderIds.has(h.bundleId)),
  };
}

/** Frees refs before any row takes them: the partial unique index is checked row by row. */
async function releaseExternalRefs(
  tx: Transaction,
  plans: readonly BundlePlan[],
  rows: ReadonlyMap<string, BundleRow>,
  losingHolders: readonly BundleRow[],
  context: PlanContext,
): Promise<void> {
  const releasing = plans
    .filter((p) => p.write.kind === 'upsert')
    .map((p) => ({ plan: p, before: rows.get(p.result.bundleId)?.externalRef ?? null }))
    .filter(({ plan, before }) => before !== null && before !== plan.externalRef)
    .map(({ plan }) => plan.result.bundleId);
  if (releasing.length > 0) {
    await tx.update(bundles).set({ externalRef: null }).where(inArray(bundles.bundleId, releasing));
  }
  for (const holder of losingHolders) {
    const cleared = withoutExternalRef(holder);
    await tx
      .update(bundles)
      .set({ externalRef: null, raw: cleared.raw, contentHash: cleared.contentHash })
      .where(sql`${bundles.bundleId} = ${holder.bundleId}`);
    await tx.insert(bundleVersions).values(
      versionRow(
        { ...holder, ...cleared, externalRef: null },
        {
          source: context.source.source,
          sourceRef: context.source.sourceRef ?? null,
          observedAt: context.observedAt,
          changedFields: ['external_ref'],
        },
      ),
    );
  }
}

const { bundleId: _key, firstSeenAt: _kept, ...overwrittenColumns } = getTableColumns(bundles);
/** ON CONFLICT: every column takes the planned value, except the key and first_seen_at. */
const upsertSet: Record<string, SQL> = Object.fromEntries(
  Object.entries(overwrittenColumns).map(([key, column]) => [key, sql.raw(`excluded."${column.name}"`)]),
);

async function writeBundleRows(tx: Transaction, plans: readonly BundlePlan[], appliedAt: Date, observedAt: Date): Promise<void> {
  const upserts = plans.flatMap((p) => (p.write.kind === 'upsert' ? [p.write.row] : []));
  for (const chunk of chunked(upserts, 200)) {
    await tx.insert(bundles).values(chunk).onConflictDoUpdate({ target: bundles.bundleId, set: upsertSet });
  }
  const touches = plans.flatMap((p) => (p.write.kind === 'touch' ? [{ id: p.result.bundleId, ...p.write }] : []));
  if (touches.length === 0) return;
  const at = sql`${appliedAt.toISOString()}::timestamptz`;
  const when = (ids: string[], then: SQL, otherwise: AnyPgColumn) =>
    ids.length === 0 ? sql`${otherwise}` : sql`case when ${inArray(bundles.bundleId, ids)} then ${then} else ${otherwise} end`;
  const synced = touches.filter((t) => t.synced).map((t) => t.id);
  const detailed = touches.filter((t) => t.detail).map((t) => t.id);
  const listed = touches.filter((t) => t.listed).map((t) => t.id);
  const verified = touches.filter((t) => t.verified).map((t) => t.id);
  const observed = sql`greatest(${bundles.observedAt}, ${observedAt.toISOString()}::timestamptz)`;
  await tx
    .update(bundles)
    .set({
      lastSyncedAt: when(synced, at, bundles.lastSyncedAt),
      observedAt: when(synced, observed, bundles.observedAt),
      detailObservedAt: when(
        detailed,
        sql`greatest(${bundles.detailObservedAt}, ${observedAt.toISOString()}::timestamptz)`,
        bundles.detailObservedAt,
      ),
      detailSyncedAt: when(detailed, at, bundles.detailSyncedAt),
      detailUpdatedAt: when(detailed, sql`${bundles.apiUpdatedAt}`, bundles.detailUpdatedAt),
      lastListedAt: when(listed, at, bundles.lastListedAt),
      verifiedAt: when(verified, at, bundles.verifiedAt),
    })
    .where(inArray(bundles.bundleId, touches.map((t) => t.id)));
}

async function writeIncarnations(tx: Transaction, plans: readonly BundlePlan[]): Promise<void> {
  const ops = plans.flatMap((plan) => plan.incarnations.map((op) => ({ bundleId: plan.result.bundleId, op })));
  if (ops.length === 0) return;
  const of = <K extends IncarnationOp['op']>(kind: K) =>
    ops.flatMap(({ bundleId, op }) => (op.op === kind ? [{ bundleId, op: op as Extract<IncarnationOp, { op: K }> }] : []));

  // Closing first: at most one open incarnation per bundle (partial unique index).
  for (const { op } of of('close')) {
    await tx.update(bundleAccounts).set({ replacedAt: op.replacedAt }).where(sql`${bundleAccounts.id} = ${op.id}`);
  }
  const opened = of('open').map(({ bundleId, op }) => ({ ...op.row, bundleId }));
  for (const chunk of chunked(opened)) await tx.insert(bundleAccounts).values(chunk);

  const touches = of('touch');
  const plainTouches = touches.filter(({ op }) => Object.keys(op.set).length === 0);
  for (const { op } of touches.filter((t) => !plainTouches.includes(t))) {
    await tx.update(bundleAccounts).set({ ...op.set, lastSeenAt: op.lastSeenAt }).where(sql`${bundleAccounts.id} = ${op.id}`);
  }
  // One observedAt per round, so every plain touch is the same update.
  const first = plainTouches[0];
  if (first) {
    await tx
      .update(bundleAccounts)
      .set({ lastSeenAt: first.op.lastSeenAt })
      .where(inArray(bundleAccounts.id, plainTouches.map(({ op }) => op.id)));
  }
}

/**
 * Video slots mirror the latest detail: a position the API no longer lists is deleted here
 * (its last state stays in bundle_versions.raw, like everything else the API ever said).
 */
async function writeVideos(tx: Transaction, plans: readonly BundlePlan[], observedAt: Date): Promise<void> {
  const replaced = plans.flatMap((p) => (p.videos?.kind === 'replace' ? [{ bundleId: p.result.bundleId, slots: p.videos.slots }] : []));
  const touched = plans.flatMap((p) => (p.videos?.kind === 'touch' ? [p.result.bundleId] : []));
  for (const group of chunked(replaced, 100)) {
    const kept = group.flatMap(({ bundleId, slots }) => slots.map((slot) => sql`(${bundleId}, ${slot.position}::int)`));
    await tx
      .delete(bundleVideos)
      .where(
        and(
          inArray(bundleVideos.bundleId, group.map((r) => r.bundleId)),
          kept.length > 0 ? sql`(${bundleVideos.bundleId}, ${bundleVideos.position}) not in (${sql.join(kept, sql`, `)})` : undefined,
        ),
      );
  }
  if (replaced.length > 0) {
    const rows = replaced.flatMap(({ bundleId, slots }) =>
      slots.map((slot) => ({ bundleId, ...slot, firstSeenAt: observedAt, lastSeenAt: observedAt })),
    );
    for (const chunk of chunked(rows)) {
      await tx
        .insert(bundleVideos)
        .values(chunk)
        .onConflictDoUpdate({
          target: [bundleVideos.bundleId, bundleVideos.position],
          set: {
            videoId: sql.raw('excluded."video_id"'),
            status: sql.raw('excluded."status"'),
            name: sql.raw('excluded."name"'),
            raw: sql.raw('excluded."raw"'),
            lastSeenAt: sql.raw('excluded."last_seen_at"'),
          },
        });
    }
  }
  if (touched.length > 0) {
    await tx.update(bundleVideos).set({ lastSeenAt: observedAt }).where(inArray(bundleVideos.bundleId, touched));
  }
}
