// The token bucket alone, with a fake clock (over HTTP: middleware.test.ts).
import { describe, expect, it } from 'vitest';
import { RateLimiter } from '../../fake-tokportal/rate-limit.js';

describe('RateLimiter (token bucket)', () => {
  it('allows a burst of the bucket size, then refills continuously at limit/60 per second', () => {
    let now = 1_000_000;
    const limiter = new RateLimiter(120, () => now);
    for (let i = 0; i < 120; i++) expect(limiter.take('k')!.allowed).toBe(true);
    const refused = limiter.take('k')!;
    expect(refused).toMatchObject({ allowed: false, limit: 120, remaining: 0, retryAfterSeconds: 1 });
    expect(refused.resetAt).toBe(Math.ceil((now + 60_000) / 1000));
    now += 500; // 2 tokens a second: one token back after 0.5 s
    expect(limiter.take('k')!.allowed).toBe(true);
    expect(limiter.take('k')!.allowed).toBe(false);
    expect(limiter.take('other')!.allowed).toBe(true);
  });

  it('asks for the seconds until one token, rounded up, on slow limits; 0 means unlimited', () => {
    let now = 0;
    const limiter = new RateLimiter(6, () => now);
    for (let i = 0; i < 6; i++) limiter.take('k');
    expect(limiter.take('k')!.retryAfterSeconds).toBe(10);
    now += 9_000;
    expect(limiter.take('k')!.retryAfterSeconds).toBe(1);
    limiter.setLimit(0);
    expect(limiter.take('k')).toBeNull();
  });
});
