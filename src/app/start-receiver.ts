// The webhook receiver on a runtime: how `receiver`, `start` and the demo start theirs.
import { FatalError } from '../lib/fatal-error.js';
import { queueConnection } from '../queue/sync-queue.js';
import { startReceiver as startReceiverServer, type ReceiverHandle } from '../receiver/server.js';
import { assertRedisReachable, type Runtime } from './runtime.js';

export type ReceiverListen = { port?: number; host?: string };

/** Starts the receiver on a runtime. */
export async function startReceiver(runtime: Runtime, listen: ReceiverListen = {}): Promise<ReceiverHandle> {
  const queue = runtime.queue();
  // The queue's own producer connection: the receiver checks it before enqueueing.
  const redis = queueConnection(queue) ?? runtime.redis('producer');
  return startReceiverServer({
    config: runtime.config,
    db: runtime.db,
    queue,
    redis,
    metrics: runtime.metrics,
    logger: runtime.logger,
    ...listen,
  });
}

/**
 * One line when Redis is down at start: what is missing, how to get it, and that receiving
 * goes on regardless. Returns whether Redis answered.
 */
export async function warnIfRedisUnreachable(runtime: Runtime): Promise<boolean> {
  try {
    await assertRedisReachable(runtime.config.redisUrl);
    return true;
  } catch (error) {
    if (!(error instanceof FatalError)) throw error;
    runtime.logger.warn(
      `${error.message}. Webhooks are still accepted and kept in Postgres; they are enqueued when Redis answers.`,
    );
    return false;
  }
}
