// Receiver, worker and reconcile scheduler on one runtime: what `start` runs, and how the demo
// and the end-to-end tests start the whole application.
import { ensureReconcileScheduler } from '../worker/reconcile.js';
import type { SyncWorkerHandle, WorkerStop } from '../worker/worker.js';
import type { Runtime } from './runtime.js';
import { startReceiver, type ReceiverListen, type StartedReceiver } from './start-receiver.js';
import { startVerification, startWorker } from './start-worker.js';

export type StartedServices = {
  receiver: StartedReceiver;
  worker: SyncWorkerHandle;
  /** Stops in the order that loses nothing: receiver (flushes the inbox), worker (finishes jobs), pools. */
  stop(): Promise<void>;
  /** Settles when the worker has stopped, by stop() or by itself (API key rejected). */
  stopped: Promise<WorkerStop>;
};

export type StartAllOptions = {
  /** Rolling verification (default on): see src/worker/verify.ts. */
  verify?: boolean;
};

/** Starts everything on a runtime; stop() also closes the runtime. */
export async function startAll(runtime: Runtime, listen: ReceiverListen = {}, options: StartAllOptions = {}): Promise<StartedServices> {
  const worker = await startWorker(runtime);
  let receiver: StartedReceiver;
  try {
    receiver = await startReceiver(runtime, listen);
    await ensureReconcileScheduler(runtime.queue(), runtime.config.reconcileIntervalMs);
    if (options.verify ?? true) await startVerification(runtime);
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
