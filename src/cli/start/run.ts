// What `tokportal-sync start` runs: receiver, worker and reconcile scheduler on one runtime
// (src/app/start-all.ts, the same path the demo takes), stopped gracefully on a signal.
import { assertRedisReachable, createRuntime, redactUrl } from '../../app/runtime.js';
import { serveEmbeddedDatabase } from '../../app/serve-embedded.js';
import { stopOnSignals } from '../../app/signals.js';
import { startAll, type StartedServices } from '../../app/start-all.js';
import { loadConfig } from '../../config.js';
import { createMetrics } from '../../observability/metrics.js';
import { receiverListen, type ListenOptions } from '../listen-options.js';
import { requireStartSettings } from '../next-steps.js';

export async function runStartCommand(options: ListenOptions & { verify?: boolean }): Promise<void> {
  const config = loadConfig();
  // A missing TokPortal setting is what a fresh clone meets: say what to do next, not only what is wrong.
  requireStartSettings(config);
  // Checked first: without Redis there is no queue and no rate limiter, so nothing to start.
  await assertRedisReachable(config.redisUrl);
  const runtime = await createRuntime({
    config,
    allowPglite: true,
    metrics: createMetrics({ role: 'all', processMetrics: true }),
    whenDatabaseDown: 'wait',
  });
  runtime.logger.info(
    { database: runtime.database.kind, redis: redactUrl(config.redisUrl), reconcileEveryMs: config.reconcileIntervalMs },
    'starting receiver, worker and reconcile scheduler',
  );
  let services: StartedServices;
  try {
    const served = await serveEmbeddedDatabase(runtime);
    if (served) {
      runtime.logger.info(
        { dir: config.pgliteDir, port: served.port },
        `embedded database served for psql, report and BI tools: ${served.psql}`,
      );
    }
    services = await startAll(runtime, receiverListen(options), { verify: options.verify ?? true });
  } catch (error) {
    await runtime.close();
    throw error;
  }
  const releaseSignals = stopOnSignals(() => services.stop(), runtime.logger);
  const stop = await services.stopped;
  // The worker stopped by itself (API key rejected): take the rest down too, then report.
  await services.stop();
  releaseSignals();
  if (stop.reason === 'auth-rejected') throw stop.error;
}
