// What `tokportal-sync start` runs: receiver, worker and reconcile scheduler on one runtime.
// startAll is also how the demo starts them, so the demo runs the production path.
import { requireStartSettings } from '../../cli-support/next-steps.js';
import { loadConfig } from '../../config.js';
import { createMetrics } from '../../observability/metrics.js';
import type { ReceiverHandle } from '../../receiver/server.js';
import { assertRedisReachable, createRuntime, redactUrl, stopOnSignals, type Runtime } from '../../runtime.js';
import { ensureReconcileScheduler } from '../../worker/reconcile.js';
import type { SyncWorkerHandle, WorkerStop } from '../../worker/worker.js';
import type { ReceiverListen } from '../receiver.js';
import { startReceiverOnRuntime } from './receiver.js';
import { startWorkerOnRuntime } from './worker.js';

export type StartedServices = {
  receiver: ReceiverHandle;
  worker: SyncWorkerHandle;
  /** Stops in the order that loses nothing: receiver (flushes the inbox), worker (finishes jobs), pools. */
  stop(): Promise<void>;
  /** Settles when the worker has stopped, by stop() or by itself (API key rejected). */
  stopped: Promise<WorkerStop>;
};

/** Starts everything on a runtime; used by the command and by tests that run it in-process. */
export async function startAll(runtime: Runtime, listen: ReceiverListen = {}): Promise<StartedServices> {
  const worker = await startWorkerOnRuntime(runtime);
  let receiver: ReceiverHandle;
  try {
    receiver = await startReceiverOnRuntime(runtime, listen);
    await ensureReconcileScheduler(runtime.queue(), runtime.config.reconcileIntervalMs);
  } catch (error) {
    await worker.close();
    throw error;
  }
  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      await receiver.close();
      await worker.close();
      await runtime.close();
    })());
  return { receiver, worker, stop, stopped: worker.stopped };
}

export async function runStartCommand(options: ReceiverListen): Promise<void> {
  const config = loadConfig();
  // A missing TokPortal setting is what a fresh clone meets: say what to do next, not only what is wrong.
  requireStartSettings(config);
  // Checked first: without Redis there is no queue and no rate limiter, so nothing to start.
  await assertRedisReachable(config.redisUrl);
  const runtime = await createRuntime({ config, allowPglite: true, metrics: createMetrics({ processMetrics: true }) });
  runtime.logger.info(
    { database: runtime.database.kind, redis: redactUrl(config.redisUrl), reconcileEveryMs: config.reconcileIntervalMs },
    'starting receiver, worker and reconcile scheduler',
  );
  let services: StartedServices;
  try {
    services = await startAll(runtime, options);
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
