// Each test file gets its own BullMQ prefix on the shared Redis, and removes its keys after.
// (A whole application on that prefix is test/support/stack.ts.)
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { createRedis, deleteKeysUnderPrefix } from '../../src/queue/redis.js';
import { createSyncQueue, type SyncQueue } from '../../src/queue/sync-queue.js';

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

/** A sync queue of its own on the test Redis, for tests of the queue level alone (no runtime). */
export type TestQueue = { prefix: string; producer: Redis; queue: SyncQueue; close(): Promise<void> };

export function openTestQueue(label: string): TestQueue {
  const prefix = uniquePrefix(label);
  const producer = createRedis(TEST_REDIS_URL, 'producer');
  const queue = createSyncQueue(producer, prefix);
  return {
    prefix,
    producer,
    queue,
    async close() {
      await queue.close();
      producer.disconnect();
      await deleteRedisPrefix(prefix);
    },
  };
}
