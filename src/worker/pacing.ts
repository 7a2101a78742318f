// How fast and how often the worker calls the API: the limiter's even pace, retry delays
// for transient failures (5xx, network errors, timeouts) and the pause after 429s.
// Pure functions: the worker hands them to BullMQ.
import type { BackoffStrategy } from 'bullmq';

export const JITTERED_EXPONENTIAL = 'jittered-exponential';

/** Past a few minutes a longer wait buys nothing: the reconcile run catches up anyway. */
export const MAX_RETRY_DELAY_MS = 5 * 60_000;
const DEFAULT_BASE_DELAY_MS = 1_000;

/**
 * Exponential backoff with full jitter: a uniform delay in [0, min(cap, base * 2^(n-1))].
 * Full jitter spreads the retries of a burst of failed jobs (say, after a 503 blip) instead
 * of bringing them all back at the same instant; the queue's rate limiter still paces them.
 */
export function jitteredExponentialDelay(
  attemptsMade: number,
  baseDelayMs = DEFAULT_BASE_DELAY_MS,
  capMs = MAX_RETRY_DELAY_MS,
  random: () => number = Math.random,
): number {
  const exponent = Math.max(0, attemptsMade - 1);
  // 2^30 already exceeds any cap; bounding the exponent keeps the arithmetic finite.
  const ceiling = Math.min(capMs, baseDelayMs * 2 ** Math.min(exponent, 30));
  return Math.floor(random() * ceiling);
}

/** Registered as the worker's settings.backoffStrategy; BullMQ calls it for non-builtin types. */
export const backoffStrategy: BackoffStrategy = (attemptsMade, _type, _error, job) => {
  const delay = job?.opts.backoff && typeof job.opts.backoff === 'object' ? job.opts.backoff.delay : undefined;
  return jitteredExponentialDelay(attemptsMade, delay ?? DEFAULT_BASE_DELAY_MS);
};

/**
 * How long the whole queue pauses after a 429: what TokPortal asks for (Retry-After), and
 * longer when 429s keep coming back to back, since then Retry-After alone is not enough.
 */
export function rateLimitPauseMs(retryAfterSeconds: number | null, consecutive429s: number): number {
  const askedMs = Math.max(1, retryAfterSeconds ?? 1) * 1_000;
  const escalation = 2 ** Math.min(Math.max(0, consecutive429s - 1), 6);
  return Math.min(MAX_RETRY_DELAY_MS, askedMs * escalation);
}

// The limiter's options live with the shared limit they define (src/queue/shared-rate-limit.ts),
// which the CLI's API calls take their slots from too.
export { evenLimiter } from '../queue/shared-rate-limit.js';
