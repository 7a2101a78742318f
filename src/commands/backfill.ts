// `tokportal-sync backfill`: list the workspace's bundles 100 per call, fetch details only
// where they can have changed, and stop only when the mirror has caught up. Runs its own
// worker so it works alone; other workers share the load and the one rate limit. Ctrl-C
// leaves the run resumable: the same command picks it up where it stopped.
import { Option, type Command } from 'commander';
import { loadConfig, requireSetting } from '../config.js';
import type { BundleFilters } from '../db/sync-runs.js';
import { withFatalErrors } from '../fatal-error.js';
import { assertRedisReachable, createRuntime, stopOnSignals } from '../runtime.js';
import { DETAILS_MODES, type DetailsMode } from '../sync/detail-policy.js';
import { runBackfill } from '../worker/backfill.js';
import { createProgressReporter, formatStartLine, formatSummary } from './backfill-report.js';
import { startWorkerOnRuntime } from './worker.js';

type BackfillCommandOptions = {
  status?: string;
  platform?: string;
  bundleType?: string;
  externalRef?: string;
  details: DetailsMode;
  restart?: boolean;
};

export const EXIT_INTERRUPTED = 130;

export function registerBackfillCommand(program: Command): void {
  program
    .command('backfill')
    .description(
      'Mirror every bundle (or the filtered ones) now: GET /bundles at 100 per call, details only where they can have changed; resumes an interrupted run',
    )
    .option('--status <status>', 'only bundles with this status')
    .option('--platform <platform>', 'only this platform (tiktok, instagram, youtube)')
    .option('--bundle-type <type>', 'only this bundle type (account_only, account_and_videos, videos_only)')
    .option('--external-ref <ref>', 'only the bundle with this external_ref')
    .addOption(
      new Option('--details <mode>', 'when to fetch GET /bundles/:id: auto = only where the list shows a possible change')
        .choices(DETAILS_MODES)
        .default('auto'),
    )
    .option('--restart', 'start over instead of resuming an unfinished run with the same options')
    .action(
      withFatalErrors(async (options: BackfillCommandOptions) => {
        const config = loadConfig();
        requireSetting(config, 'apiKey', 'the backfill reads bundles from the TokPortal API');
        await assertRedisReachable(config.redisUrl);
        // One process does everything here, so the embedded database is fine.
        const runtime = await createRuntime({ config, allowPglite: true });
        const filters: BundleFilters = {
          ...(options.status ? { status: options.status } : {}),
          ...(options.platform ? { platform: options.platform } : {}),
          ...(options.bundleType ? { bundle_type: options.bundleType } : {}),
          ...(options.externalRef ? { external_ref: options.externalRef } : {}),
        };
        const abort = new AbortController();
        const releaseSignals = stopOnSignals(async () => abort.abort(), runtime.logger);
        const reporter = createProgressReporter(process.stderr);
        try {
          const result = await runBackfill(
            {
              db: runtime.db,
              queue: runtime.queue(),
              rateLimitPerMin: config.rateLimitPerMin,
              startWorker: () => startWorkerOnRuntime(runtime),
            },
            { filters, details: options.details, restart: options.restart === true },
            {
              signal: abort.signal,
              onStart: (start) => process.stderr.write(`${formatStartLine(start)}\n`),
              onProgress: (progress) => reporter.update(progress),
            },
          );
          reporter.stop();
          process.stdout.write(`${formatSummary(result, config.rateLimitPerMin)}\n`);
          if (result.authError) throw result.authError;
          if (result.outcome === 'interrupted') process.exitCode = EXIT_INTERRUPTED;
          if (result.outcome === 'failed') process.exitCode = 1;
        } finally {
          reporter.stop();
          releaseSignals();
          await runtime.close();
        }
      }),
    );
}
