// How fast the worker calls the API: the pure pacing functions, then the limiter they build
// in a real worker against the fake's token bucket at the same limit.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FakeTokPortal } from '../../fake-tokportal/index.js';
import { enqueueBundleSyncs } from '../../src/queue/sync-queue.js';
import { TokPortalClient } from '../../src/tokportal/client.js';
import { MAX_RETRY_DELAY_MS, evenLimiter, jitteredExponentialDelay, rateLimitPauseMs } from '../../src/worker/pacing.js';
import { startStack, type Stack } from '../support/stack.js';
import { waitForIdleQueue } from '../support/wait.js';

const LIMIT_PER_MIN = 300;
const JOBS = 31;
/** Tokens left in the bucket when the worker starts: room for network jitter, not for a faster pace. */
const SLACK = 3;

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

describe('queue-wide rate limiter', () => {
  let stack: Stack;
  let fake: FakeTokPortal;
  let bundleIds: string[];
  beforeAll(async () => {
    // The worker paces itself at the fake's own limit: the limiter, not the bucket, sets the pace.
    stack = await startStack({ label: 'pace', fake: { bundles: 40, seed: 'pace' }, rateLimitPerMin: LIMIT_PER_MIN });
    fake = stack.fake;
    bundleIds = fake.listBundleIds();
  });
  afterAll(async () => {
    await stack?.close();
  });

  it(`keeps an even pace of at least 95% of the limit and never above it: no 429 from a nearly empty bucket`, async () => {
    fake.setRateLimit(LIMIT_PER_MIN);
    // Spend the bucket down to a few tokens, as if the key had been busy for a minute.
    const client = new TokPortalClient({ baseUrl: fake.baseUrl, apiKey: fake.apiKey });
    for (let spent = 0; spent < LIMIT_PER_MIN - SLACK; spent += 20) {
      await Promise.all(Array.from({ length: Math.min(20, LIMIT_PER_MIN - SLACK - spent) }, () => client.getBundle(bundleIds[0]!)));
    }
    fake.resetStats();

    await enqueueBundleSyncs(
      stack.queue,
      bundleIds.slice(0, JOBS).map((bundleId) => ({ bundleId, reason: 'backfill' })),
    );
    await stack.startWorker({ concurrency: 4 });
    await waitForIdleQueue(stack.queue);

    const jobs = await stack.queue.getJobs(['completed']);
    const starts = jobs.map((job) => job.processedOn!).sort((a, b) => a - b);
    const perMin = ((starts.length - 1) * 60_000) / (starts.at(-1)! - starts[0]!);
    console.log(`pace: ${starts.length} calls at ${perMin.toFixed(1)}/min against a limit of ${LIMIT_PER_MIN}/min (${((100 * perMin) / LIMIT_PER_MIN).toFixed(1)}%)`);
    expect(jobs).toHaveLength(JOBS);
    expect(perMin).toBeGreaterThanOrEqual(0.95 * LIMIT_PER_MIN);
    expect(perMin).toBeLessThanOrEqual(LIMIT_PER_MIN * 1.01);
    expect(fake.stats().rateLimited).toBe(0);
    expect(fake.stats().requests['GET /bundles/:id 200']).toBe(JOBS);
    fake.setRateLimit(0);
  });
});
