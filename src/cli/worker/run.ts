// What `tokportal-sync worker` runs: the sync worker on a runtime of its own, the shared
// reconcile schedule and the admin listener (its metrics, health and the queue dashboard).
import { assertRedisReachable, createRuntime } from '../../app/runtime.js';
import { stopOnSignals } from '../../app/signals.js';
import { startVerification, startWorker, startWorkerAdmin } from '../../app/start-worker.js';
import { loadConfig, requireSetting } from '../../config.js';
import { createMetrics } from '../../observability/metrics.js';
import { ensureReconcileScheduler } from '../../worker/reconcile.js';
import type { SyncWorkerHandle } from '../../worker/worker.js';

export type WorkerCommandOptions = {
  concurrency?: number;
  lockDuration?: number;
  stalledInterval?: number;
  adminPort?: number;
  adminHost?: string;
  reconcile: boolean;
  verify: boolean;
};

export async function runWorkerCommand(options: WorkerCommandOptions): Promise<void> {
  const config = loadConfig();
  requireSetting(config, 'apiKey', 'the worker reads bundles from the TokPortal API');
  await assertRedisReachable(config.redisUrl);
  const runtime = await createRuntime({
    config,
    metrics: createMetrics({ role: 'worker', processMetrics: true }),
    purpose: 'the worker shares the mirror with the receiver (embedded PGlite works only inside `tokportal-sync start`)',
    // A deploy during a database failover must not crash-loop: wait for Postgres, saying so once.
    whenDatabaseDown: 'wait',
  });
  let handle: SyncWorkerHandle | undefined;
  // Listening for SIGTERM from here on: a stop that arrives while the worker is still starting
  // (its start-up line is already out) is a graceful one too, not the default hard kill.
  let stopRequested = false;
  const releaseSignals = stopOnSignals(async () => {
    stopRequested = true;
    await handle?.close();
  }, runtime.logger);
  try {
    // Listening before the worker starts: Prometheus sees the target before the first job.
    const admin = await startWorkerAdmin(runtime, {
      ...(options.adminPort === undefined ? {} : { port: options.adminPort }),
      ...(options.adminHost === undefined ? {} : { host: options.adminHost }),
    });
    runtime.onClose(() => admin.stop());
    handle = await startWorker(runtime, {
      concurrency: options.concurrency,
      lockDurationMs: options.lockDuration,
      stalledIntervalMs: options.stalledInterval,
    });
    // Idempotent: however many workers upsert it, one schedule exists and one run goes at a time.
    if (options.reconcile && !stopRequested) await ensureReconcileScheduler(runtime.queue(), config.reconcileIntervalMs);
    if (options.verify && !stopRequested) await startVerification(runtime);
    if (stopRequested) await handle.close();
  } catch (error) {
    releaseSignals();
    await handle?.close();
    await runtime.close();
    throw error;
  }
  const stop = await handle.stopped;
  releaseSignals();
  await runtime.close();
  if (stop.reason === 'auth-rejected') throw stop.error;
  runtime.logger.info('sync worker stopped');
}
