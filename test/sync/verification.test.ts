import { describe, expect, it } from 'vitest';
import { describeBudget, dueBefore, verificationBatch, verificationBudget, verifyTickMs } from '../../src/sync/verification.js';

const DAY = 24 * 3_600_000;

describe('verification budget', () => {
  it('says VERIFY_WITHIN fits, and by how much', () => {
    const budget = verificationBudget(10_000, DAY, 120);
    expect(budget.fits).toBe(true);
    expect(budget.neededPerMin).toBeCloseTo(6.94, 2);
    expect(describeBudget(budget)).toBe(
      'rolling verification: VERIFY_WITHIN 24h fits: 10000 bundles need 6.9 detail calls/min of the 120/min budget (5.8%), 113.1/min to spare for webhooks, backfill and reconcile',
    );
  });

  it('says when it does not fit, and the shortest VERIFY_WITHIN that would', () => {
    const budget = verificationBudget(200_000, DAY, 120);
    expect(budget.fits).toBe(false);
    expect(describeBudget(budget)).toMatch(/does NOT fit: 200000 bundles need 138\.9 detail calls\/min .* 18\.9\/min over; VERIFY_WITHIN 27\.8h or more would fit/);
  });
});

describe('verification ticks', () => {
  it('looks for due bundles every twentieth of VERIFY_WITHIN, between 1 s and 30 s', () => {
    expect(verifyTickMs(DAY)).toBe(30_000);
    expect(verifyTickMs(60_000)).toBe(3_000);
    expect(verifyTickMs(5_000)).toBe(1_000);
  });

  it('counts a bundle due at three quarters of VERIFY_WITHIN', () => {
    expect(dueBefore(new Date(100_000), 40_000)).toEqual(new Date(70_000));
  });

  it('hands the queue at most what the budget fetches until the next tick, less what still waits', () => {
    expect(verificationBatch({ due: 1_000, waiting: 0, rateLimitPerMin: 120, tickMs: 30_000 })).toBe(60);
    expect(verificationBatch({ due: 1_000, waiting: 45, rateLimitPerMin: 120, tickMs: 30_000 })).toBe(15);
    expect(verificationBatch({ due: 1_000, waiting: 80, rateLimitPerMin: 120, tickMs: 30_000 })).toBe(0);
    expect(verificationBatch({ due: 3, waiting: 0, rateLimitPerMin: 120, tickMs: 30_000 })).toBe(3);
    expect(verificationBatch({ due: 9, waiting: 0, rateLimitPerMin: 120, tickMs: 100 })).toBe(1);
  });
});
