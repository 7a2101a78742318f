// `tokportal-sync receiver`: accept TokPortal webhooks into the inbox and enqueue sync jobs.
// Runs without Redis too: events are durable in Postgres and the relay enqueues them once
// Redis answers, so a Redis outage at start is a warning, not a refusal to start. Without
// Postgres it starts as well and answers 503 until Postgres does (TokPortal retries).
import type { Command } from 'commander';
import { withFatalErrors } from '../../lib/fatal-error.js';
import { addListenOptions, type ListenOptions } from '../listen-options.js';

export function registerReceiverCommand(program: Command): void {
  addListenOptions(
    program
      .command('receiver')
      .description('Receive TokPortal webhooks (POST /webhooks/tokportal): verify, store in the inbox, enqueue bundle syncs'),
  ).action(withFatalErrors(async (options: ListenOptions) => (await import('./run.js')).runReceiverCommand(options)));
}
