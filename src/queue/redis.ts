// Redis connections for BullMQ. Workers block on Redis and must wait through outages
// (BullMQ requires maxRetriesPerRequest: null); producers sit on the webhook path and
// must fail fast instead, so a Redis outage never hangs a request: the event is already
// committed in Postgres and the relay enqueues it once Redis answers again.
import { Redis, type RedisOptions } from 'ioredis';
import { withTimeout } from '../lib/with-timeout.js';

export type RedisRole = 'producer' | 'worker';

export function redisOptionsFor(role: RedisRole): RedisOptions {
  const common: RedisOptions = {
    connectTimeout: 5_000,
    // Keep reconnecting forever, at most every 5 s: outages end, processes should not.
    retryStrategy: (times) => Math.min(250 * 2 ** Math.min(times, 5), 5_000),
  };
  return role === 'worker'
    ? { ...common, maxRetriesPerRequest: null, enableReadyCheck: true }
    : { ...common, maxRetriesPerRequest: 1, enableOfflineQueue: false };
}

export function createRedis(url: string, role: RedisRole): Redis {
  const redis = new Redis(url, { ...redisOptionsFor(role), lazyConnect: false });
  // Without a listener ioredis prints every failed reconnect as an unhandled error event;
  // readiness checks and the relay report the outage instead.
  redis.on('error', () => {});
  return redis;
}

/**
 * Deletes every key under `${prefix}:` and returns how many. SCAN, never KEYS, so a shared
 * Redis is not blocked. The caller owns the connection (and so its retry policy).
 */
export async function deleteKeysUnderPrefix(redis: Redis, prefix: string): Promise<number> {
  let deleted = 0;
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1_000);
    cursor = next;
    if (keys.length > 0) deleted += await redis.del(...keys);
  } while (cursor !== '0');
  return deleted;
}

/** True when commands sent now would reach Redis (no offline queueing for producers). */
export function isRedisReady(redis: Redis): boolean {
  return redis.status === 'ready';
}

/**
 * PING that tolerates a connection still being established (a producer does not queue
 * commands offline): waits up to `timeoutMs` for `ready`, then pings within the same budget.
 */
export async function pingRedis(redis: Redis, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  if (redis.status !== 'ready') {
    let onReady: (() => void) | undefined;
    try {
      await withTimeout(new Promise<void>((resolve) => redis.once('ready', (onReady = resolve))), timeoutMs, 'redis connect');
    } finally {
      // Probes repeat during an outage: leave no listener behind.
      if (onReady) redis.off('ready', onReady);
    }
  }
  await withTimeout(redis.ping(), Math.max(1, deadline - Date.now()), 'redis ping');
}
