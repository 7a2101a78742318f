// What `tokportal-sync receiver` runs: the webhook receiver on a runtime of its own, up even
// while Redis is down.
import { createRuntime, redactUrl } from '../../app/runtime.js';
import { stopOnSignals } from '../../app/signals.js';
import { type ReceiverListen, startReceiver, warnIfRedisUnreachable } from '../../app/start-receiver.js';
import { loadConfig, requireWebhookSecrets } from '../../config.js';
import { FatalError } from '../../lib/fatal-error.js';
import { createMetrics } from '../../observability/metrics.js';
import type { ReceiverHandle } from '../../receiver/server.js';

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
    handle = await startReceiver(runtime, options);
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
