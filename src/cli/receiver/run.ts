// What `tokportal-sync receiver` runs: the webhook receiver on a runtime of its own, up even
// while Redis is down.
import { createRuntime, redactUrl } from '../../app/runtime.js';
import { stopOnSignals } from '../../app/signals.js';
import { startReceiver, warnIfRedisUnreachable, type StartedReceiver } from '../../app/start-receiver.js';
import { loadConfig, requireWebhookSecrets } from '../../config.js';
import { createMetrics } from '../../observability/metrics.js';
import { receiverListen, type ListenOptions } from '../listen-options.js';

export async function runReceiverCommand(options: ListenOptions): Promise<void> {
  const config = loadConfig();
  requireWebhookSecrets(config);
  const runtime = await createRuntime({
    config,
    metrics: createMetrics({ role: 'receiver', processMetrics: true }),
    // Up even while Postgres is not (a deploy during a failover): 503 + Retry-After until it answers.
    whenDatabaseDown: 'serve',
    purpose: 'the receiver shares the inbox with the workers (embedded PGlite works only inside `tokportal-sync start`)',
  });
  // Secrets in it (API key, signing secrets, admin token, database URL) are redacted by the logger.
  runtime.logger.info({ config: { ...config, redisUrl: redactUrl(config.redisUrl) } }, 'receiver configuration');
  let handle: StartedReceiver;
  try {
    await warnIfRedisUnreachable(runtime);
    handle = await startReceiver(runtime, receiverListen(options));
  } catch (error) {
    await runtime.close();
    throw error;
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
