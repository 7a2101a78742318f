// The demo's verdict must be able to say no: the comparison of the mirror with the fake's
// truth, on hand-made read-outs, for each way a mirror can be wrong.
import { describe, expect, it } from 'vitest';
import type { BundleRow } from '../../src/db/schema.js';
import { compareMirror, unknowableHandles, type BundleTruth, type MirrorBundle } from '../../src/demo/verify.js';

const UPDATED = '2026-03-01T10:00:00.000Z';

function detail(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: 'bnd_1',
    status: 'accepted',
    account_status: 'finalized',
    external_ref: 'demo-spring-001',
    title: 'Spring',
    credit_cost: 30,
    is_published: true,
    next_action: null,
    videos_configured_count: 2,
    saved_account_id: 'sa_2',
    account: { username: 'second', saved_account_id: 'sa_2' },
    remade: { was_remade: true, remade_count: 1, old_username: 'first', remade_at: UPDATED },
    videos: [
      { id: 'v2', position: 2, status: 'finalized' },
      { id: 'v1', position: 1, status: 'finalized' },
    ],
    updated_at: UPDATED,
    ...overrides,
  };
}

function stored(overrides: Partial<BundleRow> = {}, timeline = ['first', 'second']): MirrorBundle {
  const row = {
    bundleId: 'bnd_1',
    status: 'accepted',
    accountStatus: 'finalized',
    externalRef: 'demo-spring-001',
    title: 'Spring',
    creditCost: 30,
    isPublished: true,
    nextAction: null,
    videosConfiguredCount: 2,
    remadeCount: 1,
    oldUsername: 'first',
    savedAccountId: 'sa_2',
    username: 'second',
    apiUpdatedAt: new Date(UPDATED),
    deletedAt: null,
    ...overrides,
  } as BundleRow;
  return {
    row,
    videos: [
      { position: 1, status: 'finalized' },
      { position: 2, status: 'finalized' },
    ],
    timeline,
  };
}

const truthOf = (bundle: Partial<BundleTruth> = {}) =>
  new Map([['bnd_1', { detail: detail(), handles: ['first', 'second'], unknowable: 0, ...bundle }]]);

describe('compareMirror', () => {
  it('accepts a mirror equal to the truth', () => {
    const result = compareMirror(truthOf(), new Map([['bnd_1', stored()]]));
    expect(result).toMatchObject({ ok: true, bundles: 1, bundlesEqual: 1, handlesExpected: 2, handlesRecorded: 2, mismatches: [] });
  });

  it('names a stale field, an older updated_at and a tombstone on a live bundle', () => {
    const result = compareMirror(
      truthOf(),
      new Map([['bnd_1', stored({ status: 'published', apiUpdatedAt: new Date('2026-02-01T00:00:00Z'), deletedAt: new Date() })]]),
    );
    expect(result.ok).toBe(false);
    expect(result.mismatches.map((m) => m.what)).toEqual(['status', 'updated_at', 'deleted']);
    expect(result.mismatches[0]).toEqual({ bundleId: 'bnd_1', what: 'status', expected: 'accepted', actual: 'published' });
  });

  it('rejects a lost, an invented and a reordered handle', () => {
    for (const timeline of [['second'], ['first', 'zero', 'second'], ['second', 'first']]) {
      const result = compareMirror(truthOf(), new Map([['bnd_1', stored({}, timeline)]]));
      expect(result.ok).toBe(false);
      expect(result.mismatches).toEqual([{ bundleId: 'bnd_1', what: 'handles', expected: ['first', 'second'], actual: timeline }]);
      expect(result.handlesRecorded).toBe(0);
    }
  });

  it('does not ask for handles no answer could show, and counts them apart', () => {
    const truth = truthOf({ handles: ['zero', 'first', 'second'], unknowable: 1 });
    const result = compareMirror(truth, new Map([['bnd_1', stored()]]));
    expect(result).toMatchObject({ ok: true, handlesExpected: 2, handlesRecorded: 2, handlesUnknowable: 1 });
  });

  it('catches a video in the wrong state, a missing row and a row the API never had', () => {
    const wrongVideo = stored();
    wrongVideo.videos[1] = { position: 2, status: 'in_review' };
    expect(compareMirror(truthOf(), new Map([['bnd_1', wrongVideo]])).mismatches.map((m) => m.what)).toEqual(['videos']);

    const missing = compareMirror(truthOf(), new Map());
    expect(missing).toMatchObject({ ok: false, bundlesEqual: 0, mismatches: [{ bundleId: 'bnd_1', what: 'row', actual: 'missing' }] });

    const extra = compareMirror(truthOf(), new Map([['bnd_1', stored()], ['bnd_ghost', stored({ bundleId: 'bnd_ghost' })]]));
    expect(extra.mismatches).toEqual([{ bundleId: 'bnd_ghost', what: 'row', expected: 'absent', actual: 'present' }]);
    expect(extra.ok).toBe(false);
  });
});

describe('unknowableHandles', () => {
  it('keeps the current handle and, after a remake, the one old_username names', () => {
    expect(unknowableHandles([], 0)).toBe(0);
    expect(unknowableHandles(['a'], 0)).toBe(0);
    expect(unknowableHandles(['a', 'b'], 1)).toBe(0);
    expect(unknowableHandles(['a', 'b', 'c', 'd'], 3)).toBe(2);
  });
});
