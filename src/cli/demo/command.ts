// `tokportal-sync demo` (= `npm run demo`): the whole pipeline against a seeded fake TokPortal,
// a scripted campaign, the reporting tables and a check of the mirror against the fake's
// truth. Needs only Redis; exits 0 when the mirror matches, 1 when it does not.
import { InvalidArgumentError, type Command } from 'commander';
import { DEMO_QUEUE_PREFIX } from '../../demo/defaults.js';
import { withFatalErrors } from '../../lib/fatal-error.js';
import type { DemoCommandOptions } from './run.js';

const bundleCount = (text: string) => {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 0 || value > 5_000) throw new InvalidArgumentError('expected a whole number from 0 to 5000');
  return value;
};
const prefix = (text: string) => {
  if (!/^[A-Za-z0-9_.-]+$/.test(text)) throw new InvalidArgumentError('expected letters, digits, dot, dash or underscore');
  return text;
};
const postgresUrl = (text: string) => {
  if (!/^postgres(ql)?:\/\//.test(text)) throw new InvalidArgumentError('expected a postgres:// or postgresql:// URL');
  return text;
};

export function registerDemoCommand(program: Command): void {
  program
    .command('demo')
    .description(
      'Run the whole pipeline against a seeded fake TokPortal: backfill, a scripted campaign (remakes, faulty webhooks), report tables, a check against the truth',
    )
    .option('--bundles <n>', 'bundles the fake seeds', bundleCount, 40)
    .option('--seed <seed>', 'seed of the fake workspace (same seed, same bundles)', 'demo')
    .option('--keep-running', 'stay up after the report: receiver, worker and fake keep running until Ctrl-C')
    .option('--quiet', 'no line per campaign step')
    .option('--queue-prefix <prefix>', 'Redis key prefix of the demo queue, emptied at start (never QUEUE_PREFIX)', prefix, DEMO_QUEUE_PREFIX)
    .option('--database-url <url>', 'an empty Postgres database for the mirror (default DATABASE_URL, else an embedded PGlite)', postgresUrl)
    .action(withFatalErrors(async (options: DemoCommandOptions) => (await import('./run.js')).runDemoCommand(options)));
}
