// Each test file gets its own BullMQ prefix on the shared Redis, and removes its keys after.
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { deleteKeysUnderPrefix } from '../../src/queue/redis.js';

export const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

export function uniquePrefix(label = 'test'): string {
  return `tps-test-${label}-${randomBytes(4).toString('hex')}`;
}

/** Deletes every key under a prefix, on a connection that fails fast when Redis is down. */
export async function deleteRedisPrefix(prefix: string, url = TEST_REDIS_URL): Promise<number> {
  const redis = new Redis(url, { maxRetriesPerRequest: 1 });
  try {
    return await deleteKeysUnderPrefix(redis, prefix);
  } finally {
    redis.disconnect();
  }
}
