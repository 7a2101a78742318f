import { describe, expect, it } from 'vitest';
import { needsLatestIncarnation, planApply, type PlanContext, type StoredBundle } from '../../src/sync/apply-plan.js';
import type { BundleState } from '../../src/sync/bundle-state.js';
import type { Observation } from '../../src/sync/observation.js';
import { at, listItemOf, makeDetail, makeListItem, remadeDetail } from '../support/bundles.js';

const appliedAt = new Date(at(1000));
const context: PlanContext = { source: 'webhook', sourceRef: 'evt_1', observedAt: appliedAt, appliedAt };
const detail = (bundle: ReturnType<typeof makeDetail>): Observation => ({ kind: 'detail', bundle });
const list = (bundle: ReturnType<typeof makeListItem>): Observation => ({ kind: 'list', bundle });
const nothing: StoredBundle = { row: null, latestIncarnation: null };

/** The stored state after a plan ran, as the next plan would read it. */
function storedAfter(plan: ReturnType<typeof planApply>, extra: Partial<BundleState> = {}): StoredBundle {
  if (plan.write.kind !== 'upsert') throw new Error('expected an upsert');
  const row = { ...plan.write.row, ...extra } as BundleState;
  return { row, latestIncarnation: null };
}

describe('planApply', () => {
  it('creates a bundle: full row, one version, videos, first incarnation', () => {
    const bundle = makeDetail();
    const plan = planApply(nothing, detail(bundle), context);
    expect(plan.result).toEqual({ bundleId: bundle.id, outcome: 'created', changedFields: [], remakeDetected: false, newHandles: [bundle.account!.username] });
    expect(plan.write).toMatchObject({ kind: 'upsert', row: { bundleId: bundle.id, username: bundle.account!.username, detailSyncedAt: appliedAt, detailUpdatedAt: new Date(bundle.updated_at), lastListedAt: null } });
    expect(plan.version).toMatchObject({ source: 'webhook', sourceRef: 'evt_1', changedFields: [], status: 'accepted' });
    expect(plan.videos).toMatchObject({ kind: 'replace', slots: [{ position: 1 }, { position: 2 }] });
  });

  it('writes only bookkeeping for the same answer twice', () => {
    const bundle = makeDetail();
    const plan = planApply(storedAfter(planApply(nothing, detail(bundle), context)), detail(bundle), context);
    expect(plan.result.outcome).toBe('unchanged');
    expect(plan.write).toEqual({ kind: 'touch', synced: true, detail: true, listed: false, verified: true });
    expect(plan.version).toBeNull();
    expect(plan.videos).toEqual({ kind: 'touch' });
  });

  it('moves api_updated_at without a version when only updated_at changed', () => {
    const bundle = makeDetail({ updated_at: at(1) });
    const stored = storedAfter(planApply(nothing, detail(bundle), context));
    const plan = planApply(stored, detail({ ...bundle, updated_at: at(2) }), context);
    expect(plan.result.outcome).toBe('unchanged');
    expect(plan.write).toMatchObject({ kind: 'upsert', row: { apiUpdatedAt: new Date(at(2)) } });
    expect(plan.version).toBeNull();
  });

  it('versions a change with its changed fields', () => {
    const bundle = makeDetail({ updated_at: at(1) });
    const stored = storedAfter(planApply(nothing, detail(bundle), context));
    const plan = planApply(stored, detail({ ...bundle, status: 'completed', next_action: null, updated_at: at(2) }), context);
    expect(plan.result).toMatchObject({ outcome: 'changed', changedFields: ['status'] });
    expect(plan.version).toMatchObject({ status: 'completed', changedFields: ['status'], apiUpdatedAt: new Date(at(2)) });
    expect(plan.videos).toEqual({ kind: 'touch' });
  });

  it('marks an older answer stale and plans no write (a stale list item still counts as listed)', () => {
    const bundle = makeDetail({ updated_at: at(5) });
    const stored = storedAfter(planApply(nothing, detail(bundle), context));
    const older = planApply(stored, detail({ ...bundle, status: 'published', updated_at: at(4) }), context);
    // A stale detail is still a look at the bundle: it counts for rolling verification.
    expect(older).toMatchObject({
      result: { outcome: 'stale' },
      staleReason: 'older-updated-at',
      write: { kind: 'touch', synced: false, detail: false, listed: false, verified: true },
      version: null,
      videos: null,
      incarnations: [],
    });
    const olderListed = planApply(stored, list(listItemOf({ ...bundle, updated_at: at(4) })), context);
    expect(olderListed.write).toEqual({ kind: 'touch', synced: false, detail: false, listed: true, verified: false });
  });

  it('keeps detail fields under a list item and notices a remake from remade_count alone', () => {
    const bundle = makeDetail({ updated_at: at(1) });
    const stored = storedAfter(planApply(nothing, detail(bundle), context));
    const stored1 = { ...stored, latestIncarnation: { id: 7, incarnation: 1, remadeCount: 0, accountListingId: 'al', savedAccountId: 'sa', username: 'u', replacedAt: null } };
    const item = listItemOf(remadeDetail(bundle, { username: 'next', updatedAt: at(2) }));
    const plan = planApply(stored1, list(item), context);
    expect(plan.result).toMatchObject({ outcome: 'changed', remakeDetected: true, newHandles: [] });
    expect(plan.result.changedFields).toEqual(['old_username', 'remade_at', 'remade_count', 'was_remade']);
    expect(plan.write).toMatchObject({ kind: 'upsert', row: { username: bundle.account!.username, savedAccountId: bundle.saved_account_id, lastListedAt: appliedAt } });
    expect(plan.incarnations).toEqual([{ op: 'close', id: 7, replacedAt: new Date(at(2)) }]);
    expect(plan.videos).toBeNull();
  });

  it('brings a tombstoned or not-owned bundle back with a version saying so', () => {
    const bundle = makeDetail();
    const first = planApply(nothing, detail(bundle), context);
    const gone = storedAfter(first, { deletedAt: new Date(at(1001)), notOwnedAt: new Date(at(1001)) });
    const plan = planApply(gone, detail(bundle), { ...context, observedAt: new Date(at(1002)) });
    expect(plan.result).toMatchObject({ outcome: 'changed', changedFields: ['deleted_at', 'not_owned_at'] });
    expect(plan.write).toMatchObject({ kind: 'upsert', row: { deletedAt: null, notOwnedAt: null } });
  });

  it('applies a genuine change that kept the same updated_at, and drops one asked for earlier', () => {
    // Whole-second timestamps, or an account change that did not move updated_at.
    const bundle = makeDetail({ updated_at: at(1) });
    const stored = storedAfter(planApply(nothing, detail(bundle), { ...context, observedAt: new Date(at(100)) }));
    expect(stored.row).toMatchObject({ observedAt: new Date(at(100)), verifiedAt: appliedAt });
    const renamed = { ...bundle, account: { ...bundle.account!, username: 'renamed.same.second' } };
    const later = planApply(stored, detail(renamed), { ...context, observedAt: new Date(at(101)) });
    expect(later.result).toMatchObject({ outcome: 'changed', changedFields: ['username'] });
    expect(later.write).toMatchObject({ kind: 'upsert', row: { username: 'renamed.same.second', observedAt: new Date(at(101)) } });
    const earlier = planApply(stored, detail(renamed), { ...context, observedAt: new Date(at(99)) });
    expect(earlier).toMatchObject({ result: { outcome: 'stale' }, staleReason: 'observed-earlier' });
  });

  it('keeps the listed account_status when a detail with an account carries none', () => {
    const bundle = makeDetail({ updated_at: at(1), account_status: 'in_review' });
    const stored = storedAfter(planApply(nothing, detail(bundle), context));
    const plan = planApply(stored, detail({ ...bundle, account_status: null }), { ...context, observedAt: new Date(at(1001)) });
    expect(plan.result.outcome).toBe('unchanged');
    const noAccount = planApply(stored, detail({ ...bundle, account_status: null, account: null }), { ...context, observedAt: new Date(at(1001)) });
    expect(noAccount.result.changedFields).toContain('account_status');
  });

  it('records a null external_ref when told another bundle holds it with a newer claim', () => {
    const plan = planApply(nothing, detail(makeDetail({ external_ref: 'campaign-1' })), { ...context, dropExternalRef: true });
    expect(plan.externalRef).toBeNull();
    expect(plan.write).toMatchObject({ kind: 'upsert', row: { externalRef: null, raw: expect.objectContaining({ external_ref: null }) } });
  });

  it('creates from a list item without touching detail-only state', () => {
    const plan = planApply(nothing, list(makeListItem()), context);
    expect(plan.result.outcome).toBe('created');
    expect(plan.write).toMatchObject({ kind: 'upsert', row: { username: null, detailSyncedAt: null, detailUpdatedAt: null, lastListedAt: appliedAt } });
    expect(plan.incarnations).toEqual([]);
    expect(plan.videos).toBeNull();
  });
});

describe('needsLatestIncarnation', () => {
  it('reads the account timeline for a detail, or for a list item whose remade_count grew, only', () => {
    const bundle = makeDetail({ updated_at: at(1) });
    const stored = storedAfter(planApply(nothing, detail(bundle), context)).row;
    const remade = remadeDetail(bundle, { username: 'next', updatedAt: at(2) });
    expect(needsLatestIncarnation(detail(bundle), null)).toBe(true);
    expect(needsLatestIncarnation(list(listItemOf(bundle)), null)).toBe(false);
    expect(needsLatestIncarnation(detail(bundle), stored)).toBe(true);
    expect(needsLatestIncarnation(list(listItemOf({ ...bundle, updated_at: at(2) })), stored)).toBe(false);
    expect(needsLatestIncarnation(list(listItemOf(remade)), stored)).toBe(true);
  });
});
