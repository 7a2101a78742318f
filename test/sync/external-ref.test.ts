import { describe, expect, it } from 'vitest';
import { planApply, type ApplyResult, type BundlePlan, type PlanContext, type StoredBundle } from '../../src/sync/apply-plan.js';
import type { BundleState } from '../../src/sync/bundle-state.js';
import {
  losingClaims,
  outcomeAfterRefTaken,
  refHolderSearch,
  settleExternalRefs,
  type RefClaim,
} from '../../src/sync/external-ref.js';
import type { Observation } from '../../src/sync/observation.js';
import type { BundleDetail } from '../../src/tokportal/schemas.js';
import { at, makeDetail } from '../support/bundles.js';

const t = (minute: number) => new Date(Date.UTC(2026, 0, 1, 0, minute));
const claim = (bundleId: string, minute: number, extra: Partial<RefClaim> = {}): RefClaim => ({
  bundleId,
  ref: 'campaign-1',
  apiUpdatedAt: t(minute),
  deleted: false,
  rank: 0,
  ...extra,
});

describe('losingClaims', () => {
  it('keeps the newest claim of each ref', () => {
    const losers = losingClaims([claim('a', 1), claim('b', 5), claim('c', 3), claim('d', 1, { ref: 'other' })]);
    expect(losers.map((l) => l.bundleId).sort()).toEqual(['a', 'c']);
  });

  it('breaks a tie on rank (incoming over stored, later over earlier)', () => {
    expect(losingClaims([claim('stored', 2, { rank: -1 }), claim('incoming', 2, { rank: 0 })]).map((l) => l.bundleId)).toEqual([
      'stored',
    ]);
    expect(losingClaims([claim('later', 2, { rank: 7 }), claim('earlier', 2, { rank: 3 })]).map((l) => l.bundleId)).toEqual([
      'earlier',
    ]);
  });

  it('never lets a deleted bundle keep a ref a live one claims, however recent', () => {
    expect(losingClaims([claim('gone', 9, { deleted: true }), claim('live', 1)]).map((l) => l.bundleId)).toEqual(['gone']);
  });

  it('has no losers without a conflict', () => {
    expect(losingClaims([claim('a', 1), claim('b', 1, { ref: 'x' })])).toEqual([]);
  });
});

// A round as db/apply-batch.ts runs it: plans from the stored states, then the settlement.
const appliedAt = new Date(at(1000));
const context: PlanContext = { source: 'reconcile', sourceRef: 'run_9', observedAt: appliedAt, appliedAt };
const nothing: StoredBundle = { row: null, latestIncarnation: null };
const detail = (bundle: BundleDetail): Observation => ({ kind: 'detail', bundle });

/** The state the mirror holds after applying this detail to an empty mirror. */
function storedState(bundle: BundleDetail): BundleState {
  const plan = planApply(nothing, detail(bundle), context);
  if (plan.write.kind !== 'upsert') throw new Error('expected an upsert');
  return plan.write.row;
}

function round(observations: Observation[], mirror: BundleState[], holders: BundleState[] = []) {
  const byId = new Map(mirror.map((state) => [state.bundleId, state]));
  const stored = (id: string): StoredBundle => ({ row: byId.get(id) ?? null, latestIncarnation: null });
  const plans = observations.map((observation) => planApply(stored(observation.bundle.id), observation, context));
  return { plans, stored, settle: () => settleExternalRefs({ observations, plans, stored, holders, context }) };
}

const refOfPlan = (plan: BundlePlan) => (plan.write.kind === 'upsert' ? plan.write.row.externalRef : 'no write');

describe('refHolderSearch', () => {
  it('looks up only refs a bundle newly claims, and names the bundles the round rewrites', () => {
    const kept = makeDetail({ external_ref: 'kept', updated_at: at(1) });
    const moved = makeDetail({ external_ref: 'old', updated_at: at(1) });
    const { plans } = round(
      [detail({ ...kept, updated_at: at(2) }), detail({ ...moved, external_ref: 'new', updated_at: at(2) })],
      [storedState(kept), storedState(moved)],
    );
    const storedRefs = new Map([[kept.id, 'kept'], [moved.id, 'old']]);
    expect(refHolderSearch(plans, (id) => storedRefs.get(id) ?? null)).toEqual({ refs: ['new'], rewrittenIds: [kept.id, moved.id] });
  });

  it('has nothing to look up when no plan claims a ref its bundle lacked', () => {
    const same = makeDetail({ external_ref: 'same' });
    const { plans } = round([detail(same), detail(makeDetail())], [storedState(same)]);
    expect(refHolderSearch(plans, (id) => (id === same.id ? 'same' : null))).toBeNull();
  });
});

describe('settleExternalRefs', () => {
  it('clears a stored holder with an older claim and records why', () => {
    const holder = storedState(makeDetail({ external_ref: 'campaign-1', updated_at: at(1) }));
    const claimant = makeDetail({ external_ref: 'campaign-1', updated_at: at(2) });
    const settled = round([detail(claimant)], [holder], [holder]).settle();
    expect(refOfPlan(settled.plans[0]!)).toBe('campaign-1');
    expect(settled.clearedHolders).toHaveLength(1);
    const [cleared] = settled.clearedHolders;
    expect(cleared).toMatchObject({ bundleId: holder.bundleId, raw: expect.objectContaining({ external_ref: null }) });
    expect(cleared!.contentHash).not.toBe(holder.contentHash);
    expect(cleared!.version).toMatchObject({
      bundleId: holder.bundleId,
      source: 'reconcile',
      sourceRef: 'run_9',
      changedFields: ['external_ref'],
      externalRef: null,
      contentHash: cleared!.contentHash,
      observedAt: appliedAt,
    });
    expect(settled.releasedRefIds).toEqual([]);
    expect(settled.results[0]).toMatchObject({ bundleId: claimant.id, outcome: 'created' });
  });

  it('re-plans an incoming claim older than the stored holder without the ref, and leaves the holder alone', () => {
    const holder = storedState(makeDetail({ external_ref: 'campaign-1', updated_at: at(5) }));
    const late = makeDetail({ external_ref: 'campaign-1', updated_at: at(2) });
    const settled = round([detail(late)], [holder], [holder]).settle();
    expect(settled.plans[0]!.externalRef).toBeNull();
    expect(refOfPlan(settled.plans[0]!)).toBeNull();
    expect(settled.plans[0]!.version).toMatchObject({ externalRef: null });
    expect(settled.clearedHolders).toEqual([]);
  });

  it('gives a ref claimed twice in one round to the newer item', () => {
    const older = makeDetail({ external_ref: 'campaign-2', updated_at: at(1) });
    const newer = makeDetail({ external_ref: 'campaign-2', updated_at: at(3) });
    const settled = round([detail(newer), detail(older)], []).settle();
    expect(settled.plans.map(refOfPlan)).toEqual(['campaign-2', null]);
    expect(settled.results.map((result) => result.outcome)).toEqual(['created', 'created']);
  });

  it('frees the stored ref of a bundle whose ref changed, before any row takes it', () => {
    const renamed = makeDetail({ external_ref: 'before', updated_at: at(1) });
    const cleared = makeDetail({ external_ref: 'gone', updated_at: at(1) });
    const settled = round(
      [detail({ ...renamed, external_ref: 'after', updated_at: at(2) }), detail({ ...cleared, external_ref: null, updated_at: at(2) })],
      [storedState(renamed), storedState(cleared)],
    ).settle();
    expect(settled.releasedRefIds).toEqual([renamed.id, cleared.id]);
  });

  it('reports a bundle of the round that lost its ref as changed, even when its own item was unchanged', () => {
    const holderDetail = makeDetail({ external_ref: 'campaign-3', updated_at: at(1) });
    const holder = storedState(holderDetail);
    const claimant = makeDetail({ external_ref: 'campaign-3', updated_at: at(4) });
    const { plans, settle } = round([detail(holderDetail), detail(claimant)], [holder], [holder]);
    expect(plans[0]!.result.outcome).toBe('unchanged');
    const settled = settle();
    expect(settled.clearedHolders.map((h) => h.bundleId)).toEqual([holder.bundleId]);
    expect(settled.results[0]).toMatchObject({ bundleId: holder.bundleId, outcome: 'changed', changedFields: ['external_ref'] });
    expect(settled.results[1]).toMatchObject({ bundleId: claimant.id, outcome: 'created' });
  });
});

describe('outcomeAfterRefTaken', () => {
  const result = (outcome: ApplyResult['outcome'], changedFields: string[] = []): ApplyResult => ({
    bundleId: 'bnd_1',
    outcome,
    changedFields,
    remakeDetected: false,
    newHandles: [],
  });

  it('turns an unchanged bundle into a change of external_ref', () => {
    expect(outcomeAfterRefTaken(result('unchanged'))).toEqual(result('changed', ['external_ref']));
  });

  it('leaves every other outcome as it was', () => {
    for (const other of [result('created'), result('changed', ['status']), result('stale')]) {
      expect(outcomeAfterRefTaken(other)).toEqual(other);
    }
  });
});
