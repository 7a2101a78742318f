import { describe, expect, it } from 'vitest';
import { changedListFields, decideDetailFetch, isDetailsMode, type KnownBundleState } from '../../src/sync/detail-policy.js';

const updatedAt = '2026-03-01T10:00:00.000Z';
const item = (overrides: Partial<{ updated_at: string; account_status: string | null; remade_count: number }> = {}) => ({
  updated_at: overrides.updated_at ?? updatedAt,
  account_status: overrides.account_status === undefined ? 'in_review' : overrides.account_status,
  remade: { was_remade: false, remade_count: overrides.remade_count ?? 0, old_username: null, remade_at: null },
});
const known = (overrides: Partial<KnownBundleState> = {}): KnownBundleState => ({
  apiUpdatedAt: new Date(updatedAt),
  detailSyncedAt: new Date('2026-03-01T10:00:05.000Z'),
  detailUpdatedAt: new Date(updatedAt),
  deletedAt: null,
  raw: { ...item(), account: { id: 'al_1', username: 'someone' }, videos: [] },
  ...overrides,
});

describe('decideDetailFetch', () => {
  it('skips a bundle whose detail is as new as the list item', () => {
    expect(decideDetailFetch(item(), known(), 'auto')).toEqual({ fetch: false });
  });

  it('fetches a bundle never seen at all, or never seen in detail', () => {
    expect(decideDetailFetch(item(), undefined, 'auto')).toEqual({ fetch: true, reason: 'never-seen' });
    expect(decideDetailFetch(item(), known({ detailSyncedAt: null }), 'auto')).toEqual({
      fetch: true,
      reason: 'never-seen-in-detail',
    });
  });

  it('fetches when the list updated_at is newer than what we applied', () => {
    expect(decideDetailFetch(item({ updated_at: '2026-03-01T10:00:00.001Z' }), known(), 'auto')).toEqual({
      fetch: true,
      reason: 'updated-since-last-look',
    });
  });

  it('fetches when a list observation advanced the bundle past the detail we hold', () => {
    const listed = item({ updated_at: '2026-03-02T00:00:00Z' });
    // Our clock says the detail sync came later; TokPortal's timestamps say the detail is older.
    const state = known({ apiUpdatedAt: new Date('2026-03-02T00:00:00Z'), detailSyncedAt: new Date('2026-03-05T00:00:00Z') });
    expect(decideDetailFetch(listed, state, 'auto')).toEqual({ fetch: true, reason: 'updated-since-detail' });
    expect(decideDetailFetch(listed, { ...state, detailUpdatedAt: new Date('2026-03-02T00:00:00Z') }, 'auto')).toEqual({ fetch: false });
  });

  it('falls back to the detail sync time for rows synced before detail_updated_at was kept', () => {
    const listed = item({ updated_at: '2026-03-02T00:00:00Z' });
    const legacy = known({ apiUpdatedAt: new Date('2026-03-02T00:00:00Z'), detailUpdatedAt: null });
    expect(decideDetailFetch(listed, { ...legacy, detailSyncedAt: new Date('2026-03-01T12:00:00Z') }, 'auto')).toEqual({
      fetch: true,
      reason: 'updated-since-detail',
    });
    expect(decideDetailFetch(listed, { ...legacy, detailSyncedAt: new Date('2026-03-02T00:00:01Z') }, 'auto')).toEqual({ fetch: false });
  });

  it('does not fetch an older list item (a stale page)', () => {
    expect(decideDetailFetch(item({ updated_at: '2026-02-01T00:00:00Z' }), known(), 'auto')).toEqual({ fetch: false });
  });

  it('fetches when any field the list item carries differs, whatever updated_at says', () => {
    // account_status, remade and the computed fields can change without moving updated_at.
    expect(decideDetailFetch(item({ remade_count: 1 }), known(), 'auto')).toEqual({ fetch: true, reason: 'list-fields-changed', fields: ['remade'] });
    expect(decideDetailFetch(item({ account_status: 'finalized' }), known(), 'auto')).toEqual({
      fetch: true,
      reason: 'list-fields-changed',
      fields: ['account_status'],
    });
    expect(decideDetailFetch({ ...item(), videos_configured_count: 3, next_action: null }, known(), 'auto')).toEqual({
      fetch: true,
      reason: 'list-fields-changed',
      fields: ['videos_configured_count'],
    });
    // null and missing are the same fact; the account and videos are not list fields.
    expect(decideDetailFetch({ ...item(), title: null }, known(), 'auto')).toEqual({ fetch: false });
    expect(changedListFields({ ...item(), extra_field: 'x' }, known().raw)).toEqual(['extra_field']);
  });

  it('does not fetch for a differing field of a stale item', () => {
    expect(decideDetailFetch(item({ updated_at: '2026-02-01T00:00:00Z', account_status: 'pending' }), known(), 'auto')).toEqual({ fetch: false });
  });

  it('fetches a tombstoned bundle that is listed again', () => {
    expect(decideDetailFetch(item(), known({ deletedAt: new Date() }), 'auto')).toEqual({
      fetch: true,
      reason: 'back-from-tombstone',
    });
  });

  it('fetches when updated_at cannot be read rather than risk missing a change', () => {
    expect(decideDetailFetch(item({ updated_at: 'yesterday' }), known(), 'auto')).toMatchObject({ fetch: true });
  });

  it('obeys always and never whatever the state', () => {
    expect(decideDetailFetch(item(), known(), 'always')).toEqual({ fetch: true, reason: 'always' });
    expect(decideDetailFetch(item(), undefined, 'never')).toEqual({ fetch: false });
    expect(decideDetailFetch(item({ remade_count: 3 }), known(), 'never')).toEqual({ fetch: false });
  });

  it('recognises the modes the CLI accepts', () => {
    expect(['auto', 'always', 'never', 'sometimes'].map(isDetailsMode)).toEqual([true, true, true, false]);
  });
});
