// `tokportal-sync migrate`: applies the pending migrations of drizzle/ (idempotent; several
// processes at once migrate once) and says which database it touched and what it applied.
import type { Command } from 'commander';
import { withFatalErrors } from '../../lib/fatal-error.js';

export function registerMigrateCommand(program: Command): void {
  program
    .command('migrate')
    .description('Apply pending database migrations (safe to run again; DATABASE_URL, or the embedded PGlite when unset)')
    .action(withFatalErrors(async () => (await import('./run.js')).runMigrateCommand()));
}
