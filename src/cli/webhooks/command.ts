// `tokportal-sync webhooks ...`: the operator's side of the webhook setup against TokPortal:
// register the receiver's URL (and get the signing secret, once), list endpoints, send a
// test event and see it land in the inbox, re-send what failed during an outage, delete
// an old endpoint after a secret rotation.
import type { Command } from 'commander';
import { withFatalErrors } from '../../lib/fatal-error.js';
import type { RegisterOptions, ListOptions, TestOptions, RecoverOptions } from './run.js';
import { WEBHOOK_PATH } from '../../receiver/webhook-path.js';

type Subcommands = (typeof import('./run.js'))['webhookSubcommands'];

/** A subcommand's action; its implementation (run/webhooks.ts) is loaded only when it runs. */
function lazyAction<K extends keyof Subcommands>(name: K) {
  return withFatalErrors(async (...args: Parameters<Subcommands[K]>) => {
    const { webhookSubcommands } = await import('./run.js');
    await (webhookSubcommands[name] as (...args: Parameters<Subcommands[K]>) => Promise<void>)(...args);
  });
}

export function registerWebhooksCommand(program: Command): void {
  const webhooks = program
    .command('webhooks')
    .description('Set up and repair the TokPortal webhook endpoint that feeds the receiver');

  webhooks
    .command('register')
    .description('Create a webhook endpoint at TokPortal (POST /webhooks) and print its signing secret once')
    .requiredOption('--url <url>', `public URL of the receiver, ending in ${WEBHOOK_PATH}`)
    .option('--events <types>', 'comma-separated event types (default: every type in TokPortal\'s catalog)')
    .option('--description <text>', 'label shown in TokPortal', 'tokportal-sync receiver')
    .action(lazyAction('register'));

  webhooks
    .command('list')
    .description('List the webhook endpoints of this API key (GET /webhooks)')
    .option('--json', 'print JSON instead of a table')
    .action(lazyAction('list'));

  webhooks
    .command('test <id>')
    .description('Send a webhook.test event (POST /webhooks/:id/test), then show its inbox row when DATABASE_URL is set')
    .option('--wait <seconds>', 'how long to wait for the event to reach the inbox', '5')
    .action(lazyAction('test'));

  webhooks
    .command('recover <id>')
    .description('Ask TokPortal to re-send failed deliveries, paced under TOKPORTAL_RATE_LIMIT_PER_MIN')
    .option('--since <time>', 'only deliveries created at or after this ISO 8601 time')
    .option('--dry-run', 'list what would be re-sent, send nothing')
    .action(lazyAction('recover'));

  webhooks
    .command('delete <id>')
    .description('Delete a webhook endpoint (after a secret rotation, once the old one has drained)')
    .action(lazyAction('delete'));
}
