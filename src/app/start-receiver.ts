// The webhook receiver on a runtime: how `receiver`, `start` and the demo start theirs, with the
// admin listener (/metrics, /admin/queues) beside it on its own port.
import { FatalError } from '../lib/fatal-error.js';
import { queueConnection } from '../queue/sync-queue.js';
import { startReceiver as startReceiverServer, type ReceiverHandle } from '../receiver/server.js';
import { listenError, startAdmin, type AdminListen } from './admin.js';
import { assertRedisReachable, type Runtime } from './runtime.js';

export type ReceiverListen = { port?: number; host?: string; admin?: AdminListen };

export type StartedReceiver = ReceiverHandle & {
  /** The admin listener's URL, or null when started without one. */
  adminUrl: string | null;
};

/** Starts the receiver (and its admin listener) on a runtime; close() stops both. */
export async function startReceiver(runtime: Runtime, listen: ReceiverListen = {}): Promise<StartedReceiver> {
  const queue = runtime.queue();
  // The queue's own producer connection: the receiver checks it before enqueueing.
  const redis = queueConnection(queue) ?? runtime.redis('producer');
  const port = listen.port ?? runtime.config.port;
  const host = listen.host ?? runtime.config.host;
  let receiver: ReceiverHandle;
  try {
    receiver = await startReceiverServer({
      config: runtime.config,
      db: runtime.db,
      queue,
      redis,
      metrics: runtime.metrics,
      logger: runtime.logger,
      databaseGate: runtime.databaseGate,
      port,
      host,
    });
  } catch (error) {
    throw listenError(error, port, host, 'PORT', '--port');
  }
  let admin: Awaited<ReturnType<typeof startAdmin>> | null = null;
  if (listen.admin !== false) {
    try {
      admin = await startAdmin(runtime, listen.admin ?? {}, { queue, redis });
    } catch (error) {
      await receiver.close();
      throw error;
    }
  }
  let closing: Promise<void> | undefined;
  return {
    ...receiver,
    adminUrl: admin?.url ?? null,
    close: () =>
      (closing ??= (async () => {
        await receiver.close();
        await admin?.stop();
      })()),
  };
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
