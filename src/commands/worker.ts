// `tokportal-sync worker`: consume the sync queue, refetching bundles under the API rate limit.
// Run as many as you like: the rate limit is shared through Redis.
import type { Command } from 'commander';
import { loadConfig, parseDuration, requireSetting } from '../config.js';
import { SYNC_QUEUE_NAME } from '../queue/jobs.js';
import { assertRedisReachable, createRuntime, stopOnSignals, withFatalErrors, type Runtime } from '../runtime.js';
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

type WorkerCommandOptions = { concurrency?: number; lockDuration?: number; stalledInterval?: number };

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
    .action(
      withFatalErrors(async (options: WorkerCommandOptions) => {
        const config = loadConfig();
        requireSetting(config, 'apiKey', 'the worker reads bundles from the TokPortal API');
        await assertRedisReachable(config.redisUrl);
        const runtime = await createRuntime({
          config,
          purpose: 'the worker shares the mirror with the receiver (embedded PGlite works only inside `tokportal-sync start`)',
        });
        let handle: SyncWorkerHandle;
        try {
          handle = await startWorkerOnRuntime(runtime, {
            concurrency: options.concurrency,
            lockDurationMs: options.lockDuration,
            stalledIntervalMs: options.stalledInterval,
          });
        } catch (error) {
          await runtime.close();
          throw error;
        }
        const releaseSignals = stopOnSignals(() => handle.close(), runtime.logger);
        const stop = await handle.stopped;
        releaseSignals();
        await runtime.close();
        if (stop.reason === 'auth-rejected') throw stop.error;
        runtime.logger.info('sync worker stopped');
      }),
    );
}
