// `tokportal-sync replay`: refetch the bundles of stored webhook events (coalesced, one job per
// bundle) and, with --failed, give the queue's failed sync jobs a fresh try. The jobs go to the
// queue; a running worker (or `start`) does the calls under the rate limit.
import { InvalidArgumentError, type Command } from 'commander';
import { withFatalErrors } from '../../lib/fatal-error.js';
import type { ReplayCommandOptions } from './run.js';

/** An ISO 8601 time, or a duration back from now: 90m, 2h, 7d. */
export function parseSince(text: string, now = Date.now()): Date {
  const relative = /^(\d+)(m|h|d)$/.exec(text.trim());
  if (relative) {
    const unitMs = { m: 60_000, h: 3_600_000, d: 86_400_000 }[relative[2] as 'm' | 'h' | 'd'];
    return new Date(now - Number(relative[1]) * unitMs);
  }
  const time = Date.parse(text);
  // Commander prints an InvalidArgumentError as one line naming the option, no stack trace.
  if (Number.isNaN(time)) throw new InvalidArgumentError('expected an ISO 8601 time or a duration like 2h or 7d.');
  return new Date(time);
}

export function registerReplayCommand(program: Command): void {
  program
    .command('replay')
    .description('Refetch the bundles of stored webhook events (one job per bundle) without TokPortal sending them again')
    .option('--since <time>', 'only events received since this time (ISO 8601, or 90m, 2h, 7d ago)', (text) => parseSince(text))
    .option('--type <event type>', 'only events of this type, e.g. account.remade')
    .option('--failed', "also retry the queue's failed sync jobs (one fresh job per bundle)")
    .option('--dry-run', 'count what would be replayed, enqueue nothing')
    .action(withFatalErrors(async (options: ReplayCommandOptions) => (await import('./run.js')).runReplayCommand(options)));
}
