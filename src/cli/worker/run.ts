// What `tokportal-sync worker` runs: the sync worker on a runtime of its own, the shared
// reconcile schedule and, with --metrics-port, the ops server.
import { assertRedisReachable, createRuntime } from '../../app/runtime.js';
import { stopOnSignals } from '../../app/signals.js';
import { startVerification, startWorker, startWorkerOps } from '../../app/start-worker.js';
import { loadConfig, requireSetting } from '../../config.js';
import { createMetrics } from '../../observability/metrics.js';
import { ensureReconcileScheduler } from '../../worker/reconcile.js';
import type { SyncWorkerHandle } from '../../worker/worker.js';

export type WorkerCommandOptions = {
  concurrency?: number;
  lockDuration?: number;
  stalledInterval?: number;
  metricsPort?: number;
  reconcile: boolean;
  verify: boolean;
};

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
    handle = await startWorker(runtime, {
      concurrency: options.concurrency,
      lockDurationMs: options.lockDuration,
      stalledIntervalMs: options.stalledInterval,
    });
    // Idempotent: however many workers upsert it, one schedule exists and one run goes at a time.
    if (options.reconcile) await ensureReconcileScheduler(runtime.queue(), config.reconcileIntervalMs);
    if (options.verify) await startVerification(runtime);
    if (options.metricsPort !== undefined && adminToken !== undefined) {
      const ops = await startWorkerOps(runtime, options.metricsPort, adminToken);
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
