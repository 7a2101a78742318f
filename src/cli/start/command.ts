// `tokportal-sync start`: receiver, worker and reconcile scheduler in one process, the default
// for a single machine. Without DATABASE_URL the mirror is an embedded PGlite, which only
// this single process may open; Redis is required (the queue and its rate limiter live there).
import type { Command } from 'commander';
import { withFatalErrors } from '../../lib/fatal-error.js';
import type { ReceiverListen } from '../../app/start-receiver.js';
import { listenPort } from '../option-parsers.js';

export function registerStartCommand(program: Command): void {
  program
    .command('start')
    .description(
      'Run receiver, worker and reconcile scheduler in one process (needs Redis; without DATABASE_URL the mirror is an embedded PGlite under PGLITE_DIR)',
    )
    .option('--port <port>', 'listen port (default PORT)', listenPort)
    .option('--host <host>', 'listen address (default HOST)')
    .option(
      '--no-verify',
      'do not register rolling verification (every bundle re-read at least once per VERIFY_WITHIN, with the budget nothing else uses)',
    )
    .action(
      withFatalErrors(async (options: ReceiverListen & { verify: boolean }) => (await import('./run.js')).runStartCommand(options)),
    );
}
