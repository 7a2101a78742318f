import { describe, expect, it } from 'vitest';
import { detailUnderNewerList, staleReason } from '../../src/sync/staleness.js';

const t = (minute: number) => new Date(Date.UTC(2026, 0, 1, 0, minute));
const stored = { apiUpdatedAt: t(10), remadeCount: 2, deletedAt: null, observedAt: t(15), detailObservedAt: t(15) };

describe('staleReason', () => {
  it('accepts anything when nothing is stored', () => {
    expect(staleReason(null, { apiUpdatedAt: t(0), remadeCount: 0, observedAt: t(0), kind: 'detail' as const })).toBeNull();
  });

  it('rejects an older updated_at', () => {
    expect(staleReason(stored, { apiUpdatedAt: t(9), remadeCount: 2, observedAt: t(20), kind: 'detail' as const })).toBe('older-updated-at');
  });

  it('rejects fewer remakes, also at the same updated_at', () => {
    expect(staleReason(stored, { apiUpdatedAt: t(10), remadeCount: 1, observedAt: t(20), kind: 'detail' as const })).toBe('fewer-remakes');
    expect(staleReason(stored, { apiUpdatedAt: t(11), remadeCount: 1, observedAt: t(20), kind: 'detail' as const })).toBe('fewer-remakes');
  });

  it('accepts the same updated_at and remade_count (a re-read) and anything newer', () => {
    expect(staleReason(stored, { apiUpdatedAt: t(10), remadeCount: 2, observedAt: t(20), kind: 'detail' as const })).toBeNull();
    expect(staleReason(stored, { apiUpdatedAt: t(11), remadeCount: 3, observedAt: t(20), kind: 'detail' as const })).toBeNull();
  });

  it('orders two answers with the same updated_at by when their requests were sent', () => {
    // Whole-second timestamps, or a change that did not move updated_at: the later request wins.
    expect(staleReason(stored, { apiUpdatedAt: t(10), remadeCount: 2, observedAt: t(14), kind: 'detail' as const })).toBe('observed-earlier');
    expect(staleReason(stored, { apiUpdatedAt: t(10), remadeCount: 2, observedAt: t(16), kind: 'detail' as const })).toBeNull();
    // A newer updated_at is newer whatever the request times say.
    expect(staleReason(stored, { apiUpdatedAt: t(11), remadeCount: 2, observedAt: t(14), kind: 'detail' as const })).toBeNull();
    // Rows from before observed_at was kept: the same updated_at is accepted.
    expect(staleReason({ ...stored, observedAt: null, detailObservedAt: null }, { apiUpdatedAt: t(10), remadeCount: 2, observedAt: t(1), kind: 'detail' as const })).toBeNull();
  });

  it('makes a detail stale only against an earlier-sent detail; under a newer list item its detail fields still apply', () => {
    const listedLater = { ...stored, observedAt: t(15), detailObservedAt: t(12) };
    const detailAt13 = { apiUpdatedAt: t(10), remadeCount: 2, observedAt: t(13), kind: 'detail' as const };
    expect(staleReason(listedLater, detailAt13)).toBeNull();
    expect(detailUnderNewerList(listedLater, detailAt13)).toBe(true);
    expect(staleReason(listedLater, { ...detailAt13, observedAt: t(11) })).toBe('observed-earlier');
    // A list item is stale against any later-sent observation.
    expect(staleReason(listedLater, { ...detailAt13, kind: 'list' })).toBe('observed-earlier');
    expect(detailUnderNewerList(listedLater, { ...detailAt13, observedAt: t(16) })).toBe(false);
    expect(detailUnderNewerList(listedLater, { ...detailAt13, apiUpdatedAt: t(11) })).toBe(false);
  });

  it('rejects an answer observed before the tombstone, accepts one observed after', () => {
    const gone = { ...stored, deletedAt: t(30), observedAt: t(5) };
    expect(staleReason(gone, { apiUpdatedAt: t(10), remadeCount: 2, observedAt: t(29), kind: 'detail' as const })).toBe('before-tombstone');
    expect(staleReason(gone, { apiUpdatedAt: t(10), remadeCount: 2, observedAt: t(31), kind: 'detail' as const })).toBeNull();
  });
});
