// What `tokportal-sync worker` runs: the sync worker on a runtime of its own, the shared
// reconcile schedule and, with --metrics-port, the ops server. startWorkerOnRuntime is also
// how `start`, `backfill` and the demo start their worker.
import { loadConfig, requireSetting } from '../../config.js';
import { createMetrics } from '../../observability/metrics.js';
import { SYNC_QUEUE_NAME } from '../../queue/jobs.js';
import { queueConnection } from '../../queue/sync-queue.js';
import { assertRedisReachable, createRuntime, stopOnSignals, type Runtime } from '../../runtime.js';
import { startWorkerOpsServer, type WorkerOpsServer } from '../../worker/ops-server.js';
import { ensureReconcileScheduler } from '../../worker/reconcile.js';
import { startSyncWorker, type SyncWorkerHandle } from '../../worker/worker.js';
import type { WorkerCommandOptions } from '../worker.js';

export type WorkerTuning = {
  concurrency?: number;
  lockDurationMs?: number;
  stalledIntervalMs?: number;
};

/** Starts the sync worker on a runtime. */
export async function startWorkerOnRuntime(runtime: Runtime, tuning: WorkerTuning = {}): Promise<SyncWorkerHandle> {
  const { config, logger } = runtime;
  requireSetting(config, 'apiKey', 'the worker reads bundles from the TokPortal API');
  const queue = runtime.queue();
  const concurrency = tuning.concurrency ?? config.workerConcurrency;
  const handle = await startSyncWorker({
    ctx: { db: runtime.db, client: runtime.client(), queue, metrics: runtime.metrics, logger, config },
    connection: runtime.redis('worker'),
    prefix: config.queuePrefix,
    concurrency,
    rateLimitPerMin: config.rateLimitPerMin,
    ...(tuning.lockDurationMs === undefined ? {} : { lockDurationMs: tuning.lockDurationMs }),
    ...(tuning.stalledIntervalMs === undefined ? {} : { stalledIntervalMs: tuning.stalledIntervalMs }),
  });
  logger.info(
    { queue: `${config.queuePrefix}:${SYNC_QUEUE_NAME}`, concurrency, rateLimitPerMin: config.rateLimitPerMin },
    'sync worker started',
  );
  return handle;
}

/** The optional /healthz, /readyz, /metrics server of a standalone worker (metrics behind ADMIN_TOKEN). */
async function startOpsServer(runtime: Runtime, port: number, adminToken: string): Promise<WorkerOpsServer> {
  const queue = runtime.queue();
  const server = await startWorkerOpsServer({
    db: runtime.db,
    redis: queueConnection(queue) ?? runtime.redis('producer'),
    queue,
    metrics: runtime.metrics,
    adminToken,
    port,
    host: runtime.config.host,
  });
  runtime.logger.info({ url: server.url }, 'worker metrics and health listening');
  return server;
}

export async function runWorkerCommand(options: WorkerCommandOptions): Promise<void> {
  const config = loadConfig();
  requireSetting(config, 'apiKey', 'the worker reads bundles from the TokPortal API');
  const adminToken =
    options.metricsPort === undefined
      ? undefined
      : requireSetting(config, 'adminToken', '--metrics-port serves /metrics behind it, like the receiver');
  await assertRedisReachable(config.redisUrl);
  const runtime = await createRuntime({
    config,
    metrics: createMetrics({ processMetrics: true }),
    purpose: 'the worker shares the mirror with the receiver (embedded PGlite works only inside `tokportal-sync start`)',
  });
  let handle: SyncWorkerHandle | undefined;
  try {
    handle = await startWorkerOnRuntime(runtime, {
      concurrency: options.concurrency,
      lockDurationMs: options.lockDuration,
      stalledIntervalMs: options.stalledInterval,
    });
    // Idempotent: however many workers upsert it, one schedule exists and one run goes at a time.
    if (options.reconcile) await ensureReconcileScheduler(runtime.queue(), config.reconcileIntervalMs);
    if (options.metricsPort !== undefined && adminToken !== undefined) {
      const ops = await startOpsServer(runtime, options.metricsPort, adminToken);
      runtime.onClose(() => ops.stop());
    }
  } catch (error) {
    await handle?.close();
    await runtime.close();
    throw error;
  }
  const worker = handle;
  const releaseSignals = stopOnSignals(() => worker.close(), runtime.logger);
  const stop = await worker.stopped;
  releaseSignals();
  await runtime.close();
  if (stop.reason === 'auth-rejected') throw stop.error;
  runtime.logger.info('sync worker stopped');
}
