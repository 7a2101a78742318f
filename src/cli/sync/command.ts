// `tokportal-sync sync <bundle_id>`: refetch one bundle now and show what changed in the mirror.
// It calls the API directly instead of going through the queue, so it works without Redis
// and answers at once; it spends one call of the key's rate-limit budget.
import type { Command } from 'commander';
import { withFatalErrors } from '../../lib/fatal-error.js';
import type { SyncCommandOptions } from './run.js';

export function registerSyncCommand(program: Command): void {
  program
    .command('sync')
    .description(
      'Fetch one bundle from the API now and apply it to the mirror (spends one API call of the rate-limit budget; bypasses the queue, no Redis needed)',
    )
    .argument('<bundle_id>', 'the TokPortal bundle id')
    .option('--json', 'print the result as JSON')
    .action(
      withFatalErrors(async (bundleId: string, options: SyncCommandOptions) =>
        (await import('./run.js')).runSyncCommand(bundleId, options),
      ),
    );
}
