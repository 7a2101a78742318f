// `tokportal-sync worker`: consume the sync queue, refetching bundles under the API rate limit.
// Run as many as you like: the rate limit is shared through Redis.
import type { Command } from 'commander';
import { withFatalErrors } from '../../lib/fatal-error.js';
import { durationOption, listenPort, positiveInteger } from '../option-parsers.js';
import type { WorkerCommandOptions } from './run.js';

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
    .option(
      '--no-verify',
      'do not register rolling verification (every bundle re-read at least once per VERIFY_WITHIN, with the budget nothing else uses); by default every worker upserts the one shared schedule',
    )
    .action(withFatalErrors(async (options: WorkerCommandOptions) => (await import('./run.js')).runWorkerCommand(options)));
}
