// The installation's one API rate limit, in Redis. The workers spend it through BullMQ's
// queue-wide limiter: moving a job to active INCRements `<prefix>:<queue>:limiter` (PEXPIREd at
// the first increment of a window), and no job starts while the counter is at its max. Anything
// else that calls TokPortal (`webhooks recover`, the webhooks and sync commands) takes its slot
// from the same counter, with the same max and window, so together they stay under the budget:
// a private limiter beside the workers' would let both spend the key's budget each.
//
// This mirrors BullMQ's own Lua (getRateLimitTTL, prepareJobForProcessing) and its queue.rateLimit
// (a 429 sets the counter to MAX_SAFE_INTEGER for the pause); test/queue/shared-rate-limit.test.ts
// holds it to a real worker, so a BullMQ upgrade that changes the layout fails there.
import type { RateLimiterOptions } from 'bullmq';
import type { Redis } from 'ioredis';
import type { SyncQueue } from './sync-queue.js';

/**
 * A limiter that spreads calls evenly: one job per 60000/perMin ms, in windows of at least
 * 100 ms for high limits (several jobs per window). TokPortal's bucket refills continuously,
 * so an even pace at the allowed rate never runs it dry, where bursts of a minute's
 * budget could.
 */
export function evenLimiter(perMin: number): RateLimiterOptions {
  if (!Number.isFinite(perMin) || perMin <= 0) throw new Error(`rate limit must be positive, got ${perMin}`);
  const max = Math.max(1, Math.ceil(perMin / 600));
  return { max, duration: Math.ceil((max * 60_000) / perMin) };
}

// KEYS[1] limiter key; ARGV max, window ms. Returns 0 when a slot was taken, else ms to wait.
const TAKE_SLOT = `
local count = tonumber(redis.call('GET', KEYS[1]) or 0)
if count >= tonumber(ARGV[1]) then
  local pttl = redis.call('PTTL', KEYS[1])
  if pttl == 0 then redis.call('DEL', KEYS[1]) end
  if pttl > 0 then return pttl end
end
if redis.call('INCR', KEYS[1]) == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0
`;

// KEYS[1] limiter key; ARGV pause ms. Pauses everyone, never shortening a longer pause in force.
const PAUSE = `
local pttl = redis.call('PTTL', KEYS[1])
local count = tonumber(redis.call('GET', KEYS[1]) or 0)
if count >= 9007199254740991 and pttl >= tonumber(ARGV[1]) then return 0 end
redis.call('SET', KEYS[1], '9007199254740991', 'PX', ARGV[1])
return 1
`;

export type Sleep = (ms: number) => Promise<void>;
const realSleep: Sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

export class SharedRateLimit {
  readonly max: number;
  readonly windowMs: number;
  /** The even spacing the limit allows, for callers that must not retry sooner. */
  readonly intervalMs: number;

  constructor(
    private readonly redis: Redis,
    private readonly key: string,
    perMin: number,
    private readonly sleep: Sleep = realSleep,
  ) {
    const { max, duration } = evenLimiter(perMin);
    this.max = max;
    this.windowMs = duration;
    this.intervalMs = 60_000 / perMin;
  }

  /** The limit the workers of `queue` spend (its connection and its limiter key). */
  static async ofQueue(queue: SyncQueue, perMin: number, sleep?: Sleep): Promise<SharedRateLimit> {
    return new SharedRateLimit((await queue.client) as unknown as Redis, queue.keys.limiter!, perMin, sleep);
  }

  /** Waits for a slot of the shared budget and takes it. */
  async wait(): Promise<void> {
    for (;;) {
      const waitMs = Number(await this.redis.eval(TAKE_SLOT, 1, this.key, this.max, this.windowMs));
      if (waitMs <= 0) return;
      await this.sleep(waitMs);
    }
  }

  /** A 429 says the key's bucket is empty: hold every caller, workers included, for `ms`. */
  async pushBack(ms: number): Promise<void> {
    await this.redis.eval(PAUSE, 1, this.key, Math.max(1, Math.ceil(ms)));
  }
}
