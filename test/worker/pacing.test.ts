import { describe, expect, it } from 'vitest';
import { MAX_RETRY_DELAY_MS, evenLimiter, jitteredExponentialDelay, rateLimitPauseMs } from '../../src/worker/pacing.js';

describe('jitteredExponentialDelay', () => {
  it('doubles the ceiling per attempt and draws uniformly below it (full jitter)', () => {
    expect(jitteredExponentialDelay(1, 1_000, MAX_RETRY_DELAY_MS, () => 0.999_999)).toBe(999);
    expect(jitteredExponentialDelay(2, 1_000, MAX_RETRY_DELAY_MS, () => 0.999_999)).toBe(1_999);
    expect(jitteredExponentialDelay(4, 1_000, MAX_RETRY_DELAY_MS, () => 0.5)).toBe(4_000);
    expect(jitteredExponentialDelay(4, 1_000, MAX_RETRY_DELAY_MS, () => 0)).toBe(0);
  });

  it('is capped, even for absurd attempt counts', () => {
    expect(jitteredExponentialDelay(40, 1_000, 60_000, () => 0.999_999)).toBe(59_999);
    expect(jitteredExponentialDelay(10_000, 1_000, 60_000, () => 0.999_999)).toBe(59_999);
  });

  it('spreads a burst of retries instead of synchronising them', () => {
    const delays = Array.from({ length: 200 }, () => jitteredExponentialDelay(5));
    expect(new Set(delays).size).toBeGreaterThan(150);
    expect(Math.max(...delays)).toBeLessThan(16_000);
  });
});

describe('rateLimitPauseMs', () => {
  it('honours Retry-After and escalates on consecutive 429s, capped', () => {
    expect(rateLimitPauseMs(3, 1)).toBe(3_000);
    expect(rateLimitPauseMs(3, 2)).toBe(6_000);
    expect(rateLimitPauseMs(3, 3)).toBe(12_000);
    expect(rateLimitPauseMs(null, 1)).toBe(1_000);
    expect(rateLimitPauseMs(120, 20)).toBe(MAX_RETRY_DELAY_MS);
  });
});

describe('evenLimiter', () => {
  it('spaces jobs evenly and never allows more than the limit per minute', () => {
    expect(evenLimiter(120)).toEqual({ max: 1, duration: 500 });
    expect(evenLimiter(60)).toEqual({ max: 1, duration: 1_000 });
    expect(evenLimiter(6_000)).toEqual({ max: 10, duration: 100 });
    for (const perMin of [1, 7, 119, 120, 599, 601, 6_000, 100_000]) {
      const { max, duration } = evenLimiter(perMin);
      expect((max * 60_000) / duration).toBeLessThanOrEqual(perMin);
      expect(duration).toBeGreaterThanOrEqual(100);
    }
  });

  it('rejects a non-positive limit', () => {
    expect(() => evenLimiter(0)).toThrow();
  });
});
