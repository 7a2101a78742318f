import { describe, expect, it } from 'vitest';
import { staleReason } from '../../src/sync/staleness.js';

const t = (minute: number) => new Date(Date.UTC(2026, 0, 1, 0, minute));
const stored = { apiUpdatedAt: t(10), remadeCount: 2, deletedAt: null };

describe('staleReason', () => {
  it('accepts anything when nothing is stored', () => {
    expect(staleReason(null, { apiUpdatedAt: t(0), remadeCount: 0, observedAt: t(0) })).toBeNull();
  });

  it('rejects an older updated_at', () => {
    expect(staleReason(stored, { apiUpdatedAt: t(9), remadeCount: 2, observedAt: t(20) })).toBe('older-updated-at');
  });

  it('rejects fewer remakes, also at the same updated_at', () => {
    expect(staleReason(stored, { apiUpdatedAt: t(10), remadeCount: 1, observedAt: t(20) })).toBe('fewer-remakes');
    expect(staleReason(stored, { apiUpdatedAt: t(11), remadeCount: 1, observedAt: t(20) })).toBe('fewer-remakes');
  });

  it('accepts the same updated_at and remade_count (a re-read) and anything newer', () => {
    expect(staleReason(stored, { apiUpdatedAt: t(10), remadeCount: 2, observedAt: t(20) })).toBeNull();
    expect(staleReason(stored, { apiUpdatedAt: t(11), remadeCount: 3, observedAt: t(20) })).toBeNull();
  });

  it('rejects an answer observed before the tombstone, accepts one observed after', () => {
    const gone = { ...stored, deletedAt: t(30) };
    expect(staleReason(gone, { apiUpdatedAt: t(10), remadeCount: 2, observedAt: t(29) })).toBe('before-tombstone');
    expect(staleReason(gone, { apiUpdatedAt: t(10), remadeCount: 2, observedAt: t(31) })).toBeNull();
  });
});
