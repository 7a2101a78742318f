// The BullMQ worker that runs every job of the sync queue under TokPortal's rate limit.
// The limiter lives in Redis and is queue-wide, so any number of worker processes together
// stay under the API key's budget; failures are turned into BullMQ's own mechanisms
// (queue pause, retry with backoff, back to wait) by one policy, see failure-policy.ts.
import { UnrecoverableError, WaitingError, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { FatalError, EXIT_CODE } from '../lib/fatal-error.js';
import { SYNC_QUEUE_NAME, type JobName } from '../queue/jobs.js';
import { backoffStrategy, evenLimiter, rateLimitPauseMs } from './pacing.js';
import { authRejectedMessage, classifyFailure } from './failure-policy.js';
import { processors as defaultProcessors, type Processor, type ProcessorContext } from './processors.js';

export type SyncWorkerOptions = {
  ctx: ProcessorContext;
  /** A 'worker' role connection (maxRetriesPerRequest: null); BullMQ duplicates it for blocking calls. */
  connection: Redis;
  prefix: string;
  concurrency: number;
  rateLimitPerMin: number;
  /** How long a job's lock lives without renewal: after a crash the job is rerun this much later. */
  lockDurationMs?: number;
  /** How often this worker looks for jobs whose worker died. */
  stalledIntervalMs?: number;
  /** Times a job may be recovered from a dead worker before it is failed. */
  maxStalledCount?: number;
  /** Tests swap processors; production uses the registry. */
  processors?: Partial<Record<JobName, Processor>>;
};

export type WorkerStop = { reason: 'closed' } | { reason: 'auth-rejected'; error: FatalError };

export type SyncWorkerHandle = {
  worker: Worker;
  /** Settles when the worker has stopped: closed by close(), or by itself after a 401. */
  stopped: Promise<WorkerStop>;
  close(): Promise<void>;
};

export const DEFAULT_LOCK_DURATION_MS = 30_000;
export const DEFAULT_STALLED_INTERVAL_MS = 30_000;
// A sync job is idempotent (guarded upsert in one transaction): rerunning it is harmless.
export const DEFAULT_MAX_STALLED_COUNT = 3;

export async function startSyncWorker(options: SyncWorkerOptions): Promise<SyncWorkerHandle> {
  const { ctx, prefix } = options;
  // The 429 pause is written through ctx.queue: it must be the queue this worker consumes.
  if (ctx.queue.name !== SYNC_QUEUE_NAME || ctx.queue.opts.prefix !== prefix) {
    throw new Error(`ctx.queue must be ${prefix}:${SYNC_QUEUE_NAME}, got ${ctx.queue.opts.prefix}:${ctx.queue.name}`);
  }
  const registry = options.processors ?? defaultProcessors;
  let consecutive429s = 0;
  /** When this process last paused the queue for a 429. */
  let lastPauseAt = 0;
  let authStop: FatalError | undefined;
  let resolveStopped!: (stop: WorkerStop) => void;
  const stopped = new Promise<WorkerStop>((resolve) => (resolveStopped = resolve));

  const stopForAuth = (worker: Worker, message: string) => {
    if (authStop) return;
    // Surfaced once by whoever awaits `stopped` (the CLI prints it and exits 3), not logged here too.
    authStop = new FatalError(message, EXIT_CODE.authRejected);
    // Not awaited: close() waits for the active jobs, and this runs inside one of them.
    void worker.close();
  };

  const run = async (job: Job, token?: string): Promise<unknown> => {
    const processor = registry[job.name as JobName];
    if (!processor) throw new UnrecoverableError(`no processor for job "${job.name}"`);
    const startedAt = Date.now();
    try {
      const result = await processor(job, ctx);
      consecutive429s = 0;
      return result;
    } catch (error) {
      const policy = classifyFailure(error);
      switch (policy.kind) {
        case 'rate-limited': {
          // Jobs already in flight when the pause was decided meet the same burst: they are
          // not 429s "back to back" after a wait, so they neither escalate nor re-pause
          // (with concurrency 4, a 2 s burst used to double the pause 4 times: a 16 s stop).
          if (startedAt >= lastPauseAt) {
            consecutive429s += 1;
            const pauseMs = rateLimitPauseMs(policy.error.retryAfterSeconds, consecutive429s);
            lastPauseAt = Date.now();
            ctx.logger.warn({ jobId: job.id, pauseMs, requestId: policy.error.requestId }, 'TokPortal rate limit hit: pausing the queue');
            await ctx.queue.rateLimit(pauseMs);
          }
          // Back to wait without spending an attempt (BullMQ moves it; see Worker.handleFailed).
          throw Worker.RateLimitError();
        }
        case 'auth-rejected': {
          // The job is not at fault: put it back untouched for when the key is fixed.
          await job.moveToWait(token);
          stopForAuth(worker, authRejectedMessage(policy.error));
          throw new WaitingError();
        }
        case 'give-up':
          throw new UnrecoverableError(error instanceof Error ? error.message : String(error));
        case 'retry':
          throw error;
      }
    }
  };

  const worker = new Worker(SYNC_QUEUE_NAME, run, {
    connection: options.connection,
    prefix,
    concurrency: options.concurrency,
    limiter: evenLimiter(options.rateLimitPerMin),
    lockDuration: options.lockDurationMs ?? DEFAULT_LOCK_DURATION_MS,
    stalledInterval: options.stalledIntervalMs ?? DEFAULT_STALLED_INTERVAL_MS,
    maxStalledCount: options.maxStalledCount ?? DEFAULT_MAX_STALLED_COUNT,
    settings: { backoffStrategy },
    autorun: true,
  });

  worker.on('completed', (job) => ctx.metrics.jobs.inc({ name: job.name, outcome: 'completed' }));
  worker.on('failed', (job, error) => {
    if (!job) return;
    const exhausted = error instanceof UnrecoverableError || job.attemptsMade >= (job.opts.attempts ?? 1);
    ctx.metrics.jobs.inc({ name: job.name, outcome: exhausted ? 'failed' : 'retried' });
    ctx.logger[exhausted ? 'error' : 'warn'](
      { jobId: job.id, job: job.name, attemptsMade: job.attemptsMade, err: error.message },
      exhausted ? 'job failed for good (kept in the failed set)' : 'job failed, will retry',
    );
  });
  worker.on('stalled', (jobId) => ctx.logger.warn({ jobId }, 'job stalled (its worker died): rerunning it'));
  worker.on('error', (error) => ctx.logger.warn({ err: error.message }, 'worker error'));
  worker.on('closed', () => resolveStopped(authStop ? { reason: 'auth-rejected', error: authStop } : { reason: 'closed' }));

  await worker.waitUntilReady();
  return {
    worker,
    stopped,
    async close() {
      await worker.close();
    },
  };
}
