// What `tokportal-sync receiver` runs: the webhook receiver on a runtime of its own, up even
// while Redis is down. startReceiverOnRuntime is also how `start` and the demo start theirs.
import { loadConfig, requireWebhookSecrets } from '../../config.js';
import { FatalError } from '../../fatal-error.js';
import { createMetrics } from '../../observability/metrics.js';
import { queueConnection } from '../../queue/sync-queue.js';
import { startReceiver, type ReceiverHandle } from '../../receiver/server.js';
import { assertRedisReachable, createRuntime, redactUrl, stopOnSignals, type Runtime } from '../../runtime.js';
import type { ReceiverListen } from '../receiver.js';

/** Starts the receiver on a runtime (shared by `receiver` and `start`). */
export async function startReceiverOnRuntime(runtime: Runtime, listen: ReceiverListen = {}): Promise<ReceiverHandle> {
  const queue = runtime.queue();
  // The queue's own producer connection: the receiver checks it before enqueueing.
  const redis = queueConnection(queue) ?? runtime.redis('producer');
  return startReceiver({
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

export async function runReceiverCommand(options: ReceiverListen): Promise<void> {
  const config = loadConfig();
  requireWebhookSecrets(config);
  const runtime = await createRuntime({
    config,
    metrics: createMetrics({ processMetrics: true }),
    purpose: 'the receiver shares the inbox with the workers (embedded PGlite works only inside `tokportal-sync start`)',
  });
  // Secrets in it (API key, signing secrets, admin token, database URL) are redacted by the logger.
  runtime.logger.info({ config: { ...config, redisUrl: redactUrl(config.redisUrl) } }, 'receiver configuration');
  let handle: ReceiverHandle;
  try {
    await warnIfRedisUnreachable(runtime);
    handle = await startReceiverOnRuntime(runtime, options);
  } catch (error) {
    await runtime.close();
    throw listenError(error, options.port ?? config.port);
  }
  await new Promise<void>((resolve) => {
    const releaseSignals = stopOnSignals(async () => {
      await handle.close();
      releaseSignals();
      await runtime.close();
      resolve();
    }, runtime.logger);
  });
}

/** EADDRINUSE and friends as one actionable line. */
function listenError(error: unknown, port: number): unknown {
  const code = (error as { code?: unknown }).code;
  if (code === 'EADDRINUSE') return new FatalError(`Port ${port} is already in use: set PORT or pass --port`);
  if (code === 'EACCES') return new FatalError(`Not allowed to listen on port ${port}: use a port above 1024`);
  return error;
}
