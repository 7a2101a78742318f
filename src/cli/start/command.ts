// `tokportal-sync start`: receiver, worker and reconcile scheduler in one process, the default
// for a single machine. Without DATABASE_URL the mirror is an embedded PGlite, which only
// this single process may open; Redis is required (the queue and its rate limiter live there).
import type { Command } from 'commander';
import { withFatalErrors } from '../../lib/fatal-error.js';
import { addListenOptions, type ListenOptions } from '../listen-options.js';

export function registerStartCommand(program: Command): void {
  addListenOptions(
    program
      .command('start')
      .description(
        'Run receiver, worker and reconcile scheduler in one process (needs Redis; without DATABASE_URL the mirror is an embedded PGlite under PGLITE_DIR)',
      ),
  )
    .option(
      '--no-verify',
      'do not register rolling verification (every bundle re-read at least once per VERIFY_WITHIN, with the budget nothing else uses)',
    )
    .action(withFatalErrors(async (options: ListenOptions & { verify: boolean }) => (await import('./run.js')).runStartCommand(options)));
}
