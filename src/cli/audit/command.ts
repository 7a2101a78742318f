// `tokportal-sync audit`: compare the mirror with the API, field by field and handle by handle,
// for a sample of bundles or all of them, within the shared rate limit; repair what differs.
import { Option, type Command } from 'commander';
import { withFatalErrors } from '../../lib/fatal-error.js';
import { positiveInteger } from '../option-parsers.js';
import type { AuditCommandOptions } from './run.js';

export function registerAuditCommand(program: Command): void {
  program
    .command('audit')
    .description(
      'Compare the mirror with the API (GET /bundles/:id, through the queue and its shared rate limit), field by field and handle by handle; print what differs and repair it. Exit 0 when nothing differs, 1 when something does',
    )
    .addOption(
      new Option('--sample <n>', 'audit n live bundles picked at random (default 50)')
        .argParser(positiveInteger)
        .conflicts('all'),
    )
    .option('--all', 'audit every live bundle of the mirror (one API call each)')
    .option('--json', 'print the result as JSON on stdout')
    .action(withFatalErrors(async (options: AuditCommandOptions) => (await import('./run.js')).runAuditCommand(options)));
}
