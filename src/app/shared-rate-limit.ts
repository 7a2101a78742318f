// The shared API rate limit for callers outside the queue (the webhooks commands): the workers'
// own budget in Redis (src/queue/shared-rate-limit.ts), on a connection of the caller's.
import type { Config } from '../config.js';
import { FatalError } from '../lib/fatal-error.js';
import { createRedis } from '../queue/redis.js';
import { SharedRateLimit } from '../queue/shared-rate-limit.js';
import { createSyncQueue } from '../queue/sync-queue.js';
import { assertRedisReachable, redactUrl } from './runtime.js';

export type OpenedRateLimit = { limit: SharedRateLimit; close(): Promise<void> };

/**
 * Opens the limit the workers of QUEUE_PREFIX spend, at TOKPORTAL_RATE_LIMIT_PER_MIN. Throws a
 * one-line FatalError when Redis does not answer: without it there is no shared budget to obey.
 */
export async function openSharedRateLimit(config: Config, purpose: string): Promise<OpenedRateLimit> {
  try {
    await assertRedisReachable(config.redisUrl);
  } catch (error) {
    if (!(error instanceof FatalError)) throw error;
    throw new FatalError(
      `${purpose} takes its API calls from the installation's shared rate limit in Redis, and Redis is not reachable at ${redactUrl(config.redisUrl)}: start a local redis-server or \`docker compose up -d redis\``,
    );
  }
  // Fails fast (no offline queue) if Redis goes away mid-run, rather than hanging the command.
  const connection = createRedis(config.redisUrl, 'producer');
  await new Promise<void>((resolve, reject) => {
    connection.once('ready', resolve);
    connection.once('end', () => reject(new FatalError(`Redis closed the connection at ${redactUrl(config.redisUrl)}`)));
  });
  const queue = createSyncQueue(connection, config.queuePrefix);
  const limit = await SharedRateLimit.ofQueue(queue, config.rateLimitPerMin);
  return {
    limit,
    async close() {
      await queue.close().catch(() => {});
      connection.disconnect();
    },
  };
}
