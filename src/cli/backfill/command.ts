// `tokportal-sync backfill`: list the workspace's bundles 100 per call, fetch details only
// where they can have changed, and stop only when the mirror has caught up. Runs its own
// worker so it works alone; other workers share the load and the one rate limit. Ctrl-C
// leaves the run resumable: the same command picks it up where it stopped.
import { Option, type Command } from 'commander';
import { withFatalErrors } from '../../lib/fatal-error.js';
import { DETAILS_MODES, type DetailsMode } from '../../sync/detail-policy.js';
import type { BackfillCommandOptions } from './run.js';

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
    .action(withFatalErrors(async (options: BackfillCommandOptions) => (await import('./run.js')).runBackfillCommand(options)));
}
