import { describe, expect, it } from 'vitest';
import type { BundleRow } from '../../src/db/schema.js';
import { planApply } from '../../src/sync/apply-plan.js';
import { auditBundle, type StoredForAudit } from '../../src/sync/audit.js';
import { at, makeDetail, remadeDetail } from '../support/bundles.js';

const context = { source: 'audit' as const, sourceRef: null, observedAt: new Date(at(100)), appliedAt: new Date(at(100)) };

/** The mirror exactly as applying this detail leaves it. */
function mirrorOf(detail: ReturnType<typeof makeDetail>): StoredForAudit {
  const plan = planApply({ row: null, latestIncarnation: null }, { kind: 'detail', bundle: detail }, context);
  if (plan.write.kind !== 'upsert') throw new Error('expected an upsert');
  return {
    row: plan.write.row as BundleRow,
    videos: detail.videos.map((v) => ({ position: v.position, videoId: v.id, status: v.status, name: v.name ?? null })),
    timeline: detail.account?.username ? [{ username: detail.account.username, open: true }] : [],
  };
}

describe('auditBundle', () => {
  it('finds nothing when the mirror equals the answer', () => {
    const detail = makeDetail();
    expect(auditBundle(mirrorOf(detail), { kind: 'detail', bundle: detail })).toEqual([]);
  });

  it('names each field that differs, with both values, even when updated_at did not move', () => {
    const detail = makeDetail();
    const changed = {
      ...detail,
      account: { ...detail.account!, username: 'renamed.quietly', biography: 'new bio' },
      videos: detail.videos.map((video) => ({ ...video, status: 'finalized' })),
    };
    const differences = auditBundle(mirrorOf(detail), { kind: 'detail', bundle: changed });
    expect(differences.map((d) => d.field)).toEqual(['biography', 'username', 'videos', 'bundle_videos', 'handle']);
    expect(differences.find((d) => d.field === 'username')).toEqual({ field: 'username', mirror: detail.account!.username, api: 'renamed.quietly' });
    expect(differences.find((d) => d.field === 'handle')).toEqual({ field: 'handle', mirror: detail.account!.username, api: 'renamed.quietly' });
  });

  it('checks the handle history after a remake', () => {
    const detail = makeDetail();
    const remade = remadeDetail(detail, { username: 'next.one', updatedAt: at(2) });
    const stored = mirrorOf(detail);
    const differences = auditBundle(stored, { kind: 'detail', bundle: remade });
    expect(differences.map((d) => d.field)).toEqual(expect.arrayContaining(['remade_count', 'username', 'handle', 'updated_at']));
    // The timeline that has both, in order, is right about the handles.
    const caughtUp = { ...mirrorOf(remade), timeline: [{ username: detail.account!.username, open: false }, { username: 'next.one', open: true }] };
    expect(auditBundle(caughtUp, { kind: 'detail', bundle: remade }).map((d) => d.field)).toEqual([]);
    const lostHistory = { ...mirrorOf(remade), timeline: [{ username: 'next.one', open: true }] };
    expect(auditBundle(lostHistory, { kind: 'detail', bundle: remade }).map((d) => d.field)).toEqual(['handle_history']);
  });

  it('reports a bundle the mirror lacks, a live one the API no longer has, and a tombstone the API still shows', () => {
    const detail = makeDetail();
    expect(auditBundle({ row: null, videos: [], timeline: [] }, { kind: 'detail', bundle: detail })).toEqual([{ field: 'row', mirror: 'missing', api: 'present' }]);
    const stored = mirrorOf(detail);
    expect(auditBundle(stored, { kind: 'gone', status: 404 })).toEqual([{ field: 'deleted_at', mirror: null, api: '404 BUNDLE_NOT_FOUND' }]);
    expect(auditBundle({ ...stored, row: { ...stored.row!, deletedAt: new Date(at(5)) } }, { kind: 'gone', status: 404 })).toEqual([]);
    expect(auditBundle({ ...stored, row: { ...stored.row!, deletedAt: new Date(at(5)) } }, { kind: 'detail', bundle: detail }).map((d) => d.field)).toEqual(['deleted_at']);
  });
});
