// The sync worker on a runtime: how `worker`, `start`, `backfill`, the demo, the benchmarks and
// the tests all start one, so each of them runs the production path.
import { requireSetting } from '../config.js';
import { SYNC_QUEUE_NAME } from '../queue/jobs.js';
import { queueConnection } from '../queue/sync-queue.js';
import type { BackfillDependencies } from '../worker/backfill.js';
import type { AdminListener } from '../http/admin-listener.js';
import { startSyncWorker, type SyncWorkerHandle } from '../worker/worker.js';
import { oldestVerificationAgeSeconds } from '../db/verification.js';
import { ensureVerifyScheduler, logVerificationBudget } from '../worker/verify.js';
import { startAdmin } from './admin.js';
import type { Runtime } from './runtime.js';

export type WorkerTuning = {
  concurrency?: number;
  lockDurationMs?: number;
  stalledIntervalMs?: number;
};

/** Starts the sync worker on a runtime. */
export async function startWorker(runtime: Runtime, tuning: WorkerTuning = {}): Promise<SyncWorkerHandle> {
  const { config, logger } = runtime;
  requireSetting(config, 'apiKey', 'the worker reads bundles from the TokPortal API');
  const queue = runtime.queue();
  const concurrency = tuning.concurrency ?? config.workerConcurrency;
  runtime.metrics.apiRateLimitPerMinute.set(config.rateLimitPerMin);
  // Queue depth by state is a worker series: the worker is what drains (or fails to drain) it.
  runtime.metrics.trackQueue(queue);
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
  // The worker owns the verification gauge: the process that re-reads bundles reports how old the oldest read is.
  runtime.metrics.trackVerification(() => oldestVerificationAgeSeconds(runtime.db));
  return handle;
}

/**
 * Rolling verification (src/worker/verify.ts): upserts the one shared schedule (idempotent, every
 * worker may) and says whether VERIFY_WITHIN fits the budget for the bundles there are now.
 */
export async function startVerification(runtime: Runtime): Promise<void> {
  const { config } = runtime;
  await ensureVerifyScheduler(runtime.queue(), config.verifyWithinMs);
  await logVerificationBudget(runtime.db, runtime.logger, config);
}

/**
 * The admin listener of a standalone worker: its /metrics (API calls, 429s, rate-limit budget,
 * jobs, sync lag, queue depth, drift, verification age), /healthz and /readyz, and the queue
 * dashboard with ADMIN_TOKEN.
 */
export async function startWorkerAdmin(runtime: Runtime, listen: { port?: number; host?: string } = {}): Promise<AdminListener> {
  const queue = runtime.queue();
  return startAdmin(runtime, listen, { queue, redis: queueConnection(queue) ?? runtime.redis('producer') });
}

/** What a backfill needs from a runtime: its mirror, its queue and a worker of its own. */
export function backfillDependencies(runtime: Runtime): BackfillDependencies {
  return {
    db: runtime.db,
    queue: runtime.queue(),
    rateLimitPerMin: runtime.config.rateLimitPerMin,
    startWorker: () => startWorker(runtime),
  };
}
