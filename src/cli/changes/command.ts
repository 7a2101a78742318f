// `tokportal-sync changes`: the change feed, in cursor order; --follow keeps printing as changes
// commit. Read-only: never migrates or creates anything.
import { InvalidArgumentError, type Command } from 'commander';
import { withFatalErrors } from '../../lib/fatal-error.js';
import type { ChangesOptions } from './run.js';

function parseSince(value: string): number | 'latest' {
  if (value === 'latest') return value;
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(Number(value))) {
    throw new InvalidArgumentError('expected a cursor (a whole number, 0 = from the beginning) or "latest"');
  }
  return Number(value);
}

export function registerChangesCommand(program: Command): void {
  program
    .command('changes')
    .description(
      'Print the change feed: every committed change of a bundle, in cursor (commit) order; --follow keeps printing as they commit. Read-only',
    )
    .option('--since <cursor>', 'print changes after this cursor; "latest" = only changes committed from now on', parseSince, 0)
    .option('--follow', 'keep printing changes as they commit (LISTEN tokportal_changes), until Ctrl-C')
    .option('--json', 'one JSON object per line (timestamps ISO 8601 with offset)')
    .action(withFatalErrors(async (options: ChangesOptions) => (await import('./run.js')).runChangesCommand(options)));
}
