import { describe, expect, it } from 'vitest';
import { losingClaims, type RefClaim } from '../../src/sync/external-ref.js';

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
