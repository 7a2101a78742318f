// Executes the plans of one round of observations (each bundle at most once) inside the
// caller's transaction, with as few statements as a round allows: a re-listing where nothing
// changed costs a lock, a read and one bookkeeping update for the whole batch. Every decision
// (the plans, which external_ref claim wins, what a cleared holder records) is made in
// src/sync/; this file reads, locks and writes.
import { and, desc, getTableColumns, inArray, notInArray, sql, type SQL } from 'drizzle-orm';
import type { AnyPgColumn } from 'drizzle-orm/pg-core';
import { bundleStateOf } from './bundle-rows.js';
import { bundleAccounts, bundles, bundleVersions, bundleVideos } from './schema.js';
import { chunked, lockBundles, type Transaction } from './transactions.js';
import {
  needsLatestIncarnation,
  planApply,
  type ApplyResult,
  type BundlePlan,
  type PlanContext,
  type StoredBundle,
} from '../sync/apply-plan.js';
import type { BundleState } from '../sync/bundle-state.js';
import { refHolderSearch, settleExternalRefs, type ClearedHolder, type RefHolderSearch } from '../sync/external-ref.js';
import type { IncarnationOp, KnownIncarnation } from '../sync/incarnations.js';
import type { Observation } from '../sync/observation.js';

export async function applyRound(
  tx: Transaction,
  observations: readonly Observation[],
  context: PlanContext,
): Promise<ApplyResult[]> {
  const ids = observations.map((observation) => observation.bundle.id);
  await lockBundles(tx, ids);
  const rows = new Map(
    (await tx.select().from(bundles).where(inArray(bundles.bundleId, ids))).map((r) => [r.bundleId, bundleStateOf(r)]),
  );
  const incarnations = await latestIncarnations(
    tx,
    observations.filter((o) => needsLatestIncarnation(o, rows.get(o.bundle.id) ?? null)).map((o) => o.bundle.id),
  );
  const stored = (id: string): StoredBundle => ({ row: rows.get(id) ?? null, latestIncarnation: incarnations.get(id) ?? null });

  const plans = observations.map((observation) => planApply(stored(observation.bundle.id), observation, context));
  const search = refHolderSearch(plans, (id) => rows.get(id)?.externalRef ?? null);
  const holders = search ? await lockRefHolders(tx, search, new Set(ids)) : [];
  const round = settleExternalRefs({ observations, plans, stored, holders, context });

  await releaseExternalRefs(tx, round.releasedRefIds, round.clearedHolders);
  await writeBundleRows(tx, round.plans, context.appliedAt, context.observedAt);
  const versions = round.plans.flatMap((plan) => (plan.version ? [plan.version] : []));
  for (const chunk of chunked(versions)) await tx.insert(bundleVersions).values(chunk);
  await writeIncarnations(tx, round.plans);
  await writeVideos(tx, round.plans, context.observedAt);
  return round.results;
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

/**
 * The bundles outside the rewritten set that hold the searched refs, locked, then read again
 * until no new holder appears: what the settlement decides on must not move under it.
 */
async function lockRefHolders(tx: Transaction, search: RefHolderSearch, batchIds: ReadonlySet<string>): Promise<BundleState[]> {
  const findHolders = async () => {
    const found = await tx
      .select()
      .from(bundles)
      .where(
        and(
          inArray(bundles.externalRef, search.refs),
          search.rewrittenIds.length > 0 ? notInArray(bundles.bundleId, search.rewrittenIds) : undefined,
        ),
      );
    return found.map(bundleStateOf);
  };
  let holders = await findHolders();
  const locked = new Set(batchIds);
  for (let unlocked = holders.filter((h) => !locked.has(h.bundleId)); unlocked.length > 0; ) {
    await lockBundles(tx, unlocked.map((h) => h.bundleId));
    for (const h of unlocked) locked.add(h.bundleId);
    holders = await findHolders();
    unlocked = holders.filter((h) => !locked.has(h.bundleId));
  }
  return holders;
}

/** Frees refs before any row takes them: the partial unique index is checked row by row. */
async function releaseExternalRefs(tx: Transaction, releasedRefIds: readonly string[], clearedHolders: readonly ClearedHolder[]): Promise<void> {
  if (releasedRefIds.length > 0) {
    await tx.update(bundles).set({ externalRef: null }).where(inArray(bundles.bundleId, [...releasedRefIds]));
  }
  for (const holder of clearedHolders) {
    await tx
      .update(bundles)
      .set({ externalRef: null, raw: holder.raw, contentHash: holder.contentHash })
      .where(sql`${bundles.bundleId} = ${holder.bundleId}`);
    await tx.insert(bundleVersions).values(holder.version);
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
  const steps = plans.flatMap((plan) => plan.incarnations.map((step) => ({ bundleId: plan.result.bundleId, step })));
  if (steps.length === 0) return;
  const of = <K extends IncarnationOp['op']>(kind: K) =>
    steps.flatMap(({ bundleId, step }) => (step.op === kind ? [{ bundleId, op: step as Extract<IncarnationOp, { op: K }> }] : []));

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
