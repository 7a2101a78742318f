// `tokportal-sync worker`: consume the sync queue, refetching bundles under the API rate limit.
// Run as many as you like: the rate limit is shared through Redis.
import type { Command } from 'commander';
import { withFatalErrors } from '../../lib/fatal-error.js';
import { concurrency, durationOption, listenPort } from '../option-parsers.js';
import type { WorkerCommandOptions } from './run.js';

export function registerWorkerCommand(program: Command): void {
  program
    .command('worker')
    .description(
      'Process the sync queue: refetch bundles (GET /bundles/:id) under TOKPORTAL_RATE_LIMIT_PER_MIN, shared by every worker process',
    )
    .option('--concurrency <n>', 'jobs in flight in this process, 1 to 64 (default WORKER_CONCURRENCY)', concurrency)
    .option(
      '--lock-duration <duration>',
      "how long a job's lock lives without renewal, at least 1s; a killed worker's job is rerun after it (default 30s)",
      durationOption({ minMs: 1_000, example: '30s' }),
    )
    .option(
      '--stalled-interval <duration>',
      'how often to look for jobs whose worker died, at least 1s (default 30s)',
      durationOption({ minMs: 1_000, example: '30s' }),
    )
    .option(
      '--admin-port <port>',
      'port of the admin listener: /metrics, /healthz, /readyz and (with ADMIN_TOKEN) /admin/queues (default ADMIN_PORT; 0 picks a free one)',
      listenPort,
    )
    .option('--admin-host <host>', 'address of the admin listener (default ADMIN_HOST)')
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
