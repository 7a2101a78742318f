// Limits shared by a setting and the command option that overrides it, so both refuse the same
// values with the same words (config.ts loads the validator; the CLI's option parsers must not).

/**
 * Jobs one worker runs at once. The API rate limit (120 calls a minute for the whole
 * installation), not concurrency, bounds throughput: past a few dozen, more only holds more
 * Redis locks and database connections waiting on the limiter.
 */
export const MAX_WORKER_CONCURRENCY = 64;

export const concurrencyRangeMessage = (got: string) =>
  `expected a whole number from 1 to ${MAX_WORKER_CONCURRENCY}, got "${got}" (the API rate limit, not concurrency, bounds throughput: 4 is plenty)`;
