// `tokportal-sync fake-api`: the fake TokPortal on a real port, for the demo, manual tests
// and benchmarks. Prints what to point TOKPORTAL_BASE_URL at; never a full secret.
import { InvalidArgumentError, Option, type Command } from 'commander';
import { withFatalErrors } from '../../lib/fatal-error.js';
import type { FakeApiOptions } from './run.js';

const integer = (min: number) => (text: string) => {
  const value = Number(text);
  if (!Number.isInteger(value) || value < min) throw new InvalidArgumentError(`expected an integer >= ${min}`);
  return value;
};
const share = (text: string) => {
  const value = Number(text);
  if (!Number.isFinite(value) || value < 0 || value > 1) throw new InvalidArgumentError('expected a number from 0 to 1');
  return value;
};
const apiKey = (text: string) => {
  if (!/^sk_[0-9a-f]{64}$/.test(text)) throw new InvalidArgumentError('expected sk_ followed by 64 lowercase hex characters');
  return text;
};
const collect = (value: string, previous: string[] = []) => [...previous, value];

export function registerFakeApiCommand(program: Command): void {
  program
    .command('fake-api')
    .description('Run a fake TokPortal API (seeded bundles, signed webhooks, rate limit, faults) for demos and tests')
    .option('--port <n>', 'port to listen on (0 = random)', integer(0), 4010)
    .option('--host <host>', 'interface to listen on', '127.0.0.1')
    .option('--api-key <key>', 'API key the fake accepts (default: the built-in demo key)', apiKey)
    .option('--webhook-url <url>', 'send signed webhooks to this URL (repeatable)', collect)
    .option('--webhook-secret <secret>', 'signing secret for --webhook-url (the receiver needs the same one)')
    .option('--bundles <n>', 'bundles to seed', integer(0), 200)
    .option('--seed <seed>', 'seed for deterministic bundles', 'demo')
    .option('--rate-limit-per-min <n>', 'token bucket per API key (0 = unlimited)', integer(0), 120)
    .option('--latency-ms <ms>', 'added latency on every API request', integer(0))
    .option('--error-rate <share>', 'share of API requests answered 500/502/503', share)
    .option('--reset-rate <share>', 'share of API requests whose connection is dropped', share)
    .option('--duplicate-rate <share>', 'share of webhooks delivered twice', share)
    .option('--drop-rate <share>', 'share of webhooks never delivered (logged as failed deliveries)', share)
    .option('--max-delay-ms <ms>', 'delay each webhook by a random 0..ms', integer(0))
    .option('--reorder', 'shuffle webhooks emitted together')
    .addOption(
      new Option(
        '--profile <name>',
        'what the fake does where the API documentation is silent: kind (convenient) or strict (least convenient the documentation allows: the four behaviours below)',
      )
        .choices(['kind', 'strict'])
        .default('kind'),
    )
    .addOption(
      new Option('--timestamps <resolution>', 'created_at/updated_at resolution (kind: ms, strict: seconds)').choices(['ms', 'seconds']),
    )
    .addOption(
      new Option(
        '--updated-at <rule>',
        "what moves a bundle's updated_at (kind: every-change; strict: bundle-fields, so account, handle, video and remake changes leave it)",
      ).choices(['every-change', 'bundle-fields']),
    )
    .addOption(
      new Option('--list-order <order>', 'GET /bundles order (kind: oldest-first, strict: newest-first)').choices([
        'oldest-first',
        'newest-first',
      ]),
    )
    .addOption(
      new Option('--pagination <on|off>', 'send the pagination object in GET /bundles answers (kind: on, strict: off)').choices([
        'on',
        'off',
      ]),
    )
    .action(
      withFatalErrors(async (options: FakeApiOptions, command: Command) =>
        (await import('./run.js')).runFakeApiCommand(options, command),
      ),
    );
}
