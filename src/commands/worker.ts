// `tokportal-sync worker`: consume the sync queue, refetching bundles under the API rate limit.
// Run as many as you like: the rate limit is shared through Redis.
import type { Command } from 'commander';
import { loadConfig, parseDuration, requireSetting } from '../config.js';
import { createMetrics } from '../observability/metrics.js';
import { SYNC_QUEUE_NAME } from '../queue/jobs.js';
import { queueConnection } from '../queue/sync-queue.js';
import { withFatalErrors } from '../fatal-error.js';
import { assertRedisReachable, createRuntime, stopOnSignals, type Runtime } from '../runtime.js';
import { startWorkerOpsServer, type WorkerOpsServer } from '../worker/ops-server.js';
import { ensureReconcileScheduler } from '../worker/reconcile.js';
import { startSyncWorker, type SyncWorkerHandle } from '../worker/worker.js';

export type WorkerTuning = {
  concurrency?: number;
  lockDurationMs?: number;
  stalledIntervalMs?: number;
};

/** Starts the sync worker on a runtime (shared by `worker` and `start`). */
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

const durationOption = (flag: string) => (text: string) => {
  const ms = parseDuration(text);
  if (ms === undefined || ms <= 0) throw new Error(`${flag} expects a duration such as 30s or 500ms`);
  return ms;
};

const positiveInteger = (text: string) => {
  const value = Number(text);
  if (!Number.isInteger(value) || value <= 0) throw new Error(`expected a positive integer, got "${text}"`);
  return value;
};

export const listenPort = (text: string) => {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 0 || value > 65_535) throw new Error(`expected a port number, got "${text}"`);
  return value;
};

type WorkerCommandOptions = {
  concurrency?: number;
  lockDuration?: number;
  stalledInterval?: number;
  metricsPort?: number;
  reconcile: boolean;
};

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

export function registerWorkerCommand(program: Command): void {
  program
    .command('worker')
    .description(
      'Process the sync queue: refetch bundles (GET /bundles/:id) under TOKPORTAL_RATE_LIMIT_PER_MIN, shared by every worker process',
    )
    .option('--concurrency <n>', 'jobs in flight in this process (default WORKER_CONCURRENCY)', positiveInteger)
    .option(
      '--lock-duration <duration>',
      "how long a job's lock lives without renewal; a killed worker's job is rerun after it (default 30s)",
      durationOption('--lock-duration'),
    )
    .option(
      '--stalled-interval <duration>',
      'how often to look for jobs whose worker died (default 30s)',
      durationOption('--stalled-interval'),
    )
    .option(
      '--metrics-port <port>',
      'serve /healthz, /readyz and (behind ADMIN_TOKEN) /metrics and /admin/queues on this port',
      listenPort,
    )
    .option(
      '--no-reconcile',
      'do not register the scheduled reconcile (every RECONCILE_INTERVAL); by default every worker upserts the one shared schedule',
    )
    .action(
      withFatalErrors(async (options: WorkerCommandOptions) => {
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
      }),
    );
}
