// `tokportal-sync receiver`: accept TokPortal webhooks into the inbox and enqueue sync jobs.
// Runs without Redis too: events are durable in Postgres and the relay enqueues them once
// Redis answers, so a Redis outage at start is a warning, not a refusal to start.
import type { Command } from 'commander';
import type { ReceiverListen } from '../../app/start-receiver.js';
import { withFatalErrors } from '../../lib/fatal-error.js';
import { listenPort } from '../option-parsers.js';

export function registerReceiverCommand(program: Command): void {
  program
    .command('receiver')
    .description('Receive TokPortal webhooks (POST /webhooks/tokportal): verify, store in the inbox, enqueue bundle syncs')
    .option('--port <port>', 'listen port (default PORT)', listenPort)
    .option('--host <host>', 'listen address (default HOST)')
    .action(withFatalErrors(async (options: ReceiverListen) => (await import('./run.js')).runReceiverCommand(options)));
}
