// `tokportal-sync worker`: consume the sync queue, refetching bundles under the API rate limit.
// Run as many as you like: the rate limit is shared through Redis.
import { InvalidArgumentError, type Command } from 'commander';
import { parseDuration } from '../duration.js';
import { withFatalErrors } from '../fatal-error.js';
import type { Runtime } from '../runtime.js';
import type { SyncWorkerHandle } from '../worker/worker.js';
import type { WorkerTuning } from './run/worker.js';

const durationOption = (flag: string) => (text: string) => {
  const ms = parseDuration(text);
  if (ms === undefined || ms <= 0) throw new InvalidArgumentError(`${flag} expects a duration such as 30s or 500ms`);
  return ms;
};

const positiveInteger = (text: string) => {
  const value = Number(text);
  if (!Number.isInteger(value) || value <= 0) throw new InvalidArgumentError(`expected a positive integer, got "${text}"`);
  return value;
};

export const listenPort = (text: string) => {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 0 || value > 65_535) throw new InvalidArgumentError(`expected a port number, got "${text}"`);
  return value;
};

export type WorkerCommandOptions = {
  concurrency?: number;
  lockDuration?: number;
  stalledInterval?: number;
  metricsPort?: number;
  reconcile: boolean;
};

/**
 * The sync worker on a runtime, its implementation (run/worker.ts) loaded on first use. Code
 * inside src/ imports it from run/worker.ts; this export remains for bench/servers.
 */
export async function startWorkerOnRuntime(runtime: Runtime, tuning: WorkerTuning = {}): Promise<SyncWorkerHandle> {
  return (await import('./run/worker.js')).startWorkerOnRuntime(runtime, tuning);
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
    .action(withFatalErrors(async (options: WorkerCommandOptions) => (await import('./run/worker.js')).runWorkerCommand(options)));
}
