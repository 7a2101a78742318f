// `tokportal-sync fake-api`: the fake TokPortal on a real port, for the demo, manual tests
// and benchmarks. Prints what to point TOKPORTAL_BASE_URL at; never a full secret.
import { InvalidArgumentError, type Command } from 'commander';
import { DEMO_API_KEY, startFakeTokPortal, type FakeTokPortalOptions } from '../fake-tokportal/index.js';
import { createLogger } from '../logger.js';
import { FatalError, withFatalErrors } from '../fatal-error.js';
import { stopOnSignals } from '../runtime.js';

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

/** Enough to recognise a secret in a config file, too little to use it. */
export const maskSecret = (secret: string): string =>
  secret.length <= 8 ? '*'.repeat(secret.length) : `${secret.slice(0, 6)}…(${secret.length} chars)`;

type FakeApiOptions = {
  port: number;
  host: string;
  apiKey?: string;
  webhookUrl?: string[];
  webhookSecret?: string;
  bundles: number;
  seed: string;
  rateLimitPerMin: number;
  latencyMs?: number;
  errorRate?: number;
  resetRate?: number;
  duplicateRate?: number;
  dropRate?: number;
  maxDelayMs?: number;
  reorder?: boolean;
};

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
    .action(withFatalErrors(runFakeApi));
}

async function runFakeApi(options: FakeApiOptions, command: Command): Promise<void> {
  const urls = options.webhookUrl ?? [];
  if (urls.length > 0 && !options.webhookSecret) {
    command.error('error: --webhook-url needs --webhook-secret (the receiver verifies signatures with it)', { exitCode: 2 });
  }
  const settings: FakeTokPortalOptions = {
    port: options.port,
    host: options.host,
    apiKeys: [options.apiKey ?? DEMO_API_KEY],
    bundles: options.bundles,
    seed: options.seed,
    rateLimitPerMin: options.rateLimitPerMin,
    webhookEndpoints: urls.map((url) => ({ url, secret: options.webhookSecret! })),
    faults: {
      latencyMs: options.latencyMs ?? 0,
      errorRate: options.errorRate ?? 0,
      resetRate: options.resetRate ?? 0,
    },
    delivery: {
      duplicateRate: options.duplicateRate ?? 0,
      dropRate: options.dropRate ?? 0,
      maxDelayMs: options.maxDelayMs ?? 0,
      reorder: options.reorder ?? false,
    },
  };
  const started = Date.now();
  const fake = await startFakeTokPortal(settings).catch((error: unknown) => {
    throw new FatalError(`fake-api could not listen on ${options.host}:${options.port}: ${String(error)}`);
  });
  const key = fake.apiKey === DEMO_API_KEY ? `${fake.apiKey} (built-in demo key)` : maskSecret(fake.apiKey);
  const lines = [
    `fake TokPortal listening on ${fake.origin} (${options.bundles} bundles, seed "${options.seed}", ${Date.now() - started} ms)`,
    `  TOKPORTAL_BASE_URL=${fake.baseUrl}`,
    `  TOKPORTAL_API_KEY=${key}`,
    `  rate limit: ${options.rateLimitPerMin > 0 ? `${options.rateLimitPerMin}/min per key` : 'none'}`,
    `  faults: latency ${settings.faults?.latencyMs} ms, 5xx ${settings.faults?.errorRate}, dropped connections ${settings.faults?.resetRate}`,
    ...urls.map((url) => `  webhooks → ${url} (secret ${maskSecret(options.webhookSecret!)})`),
    `  webhook faults: duplicate ${settings.delivery?.duplicateRate}, drop ${settings.delivery?.dropRate}, delay ≤ ${settings.delivery?.maxDelayMs} ms, reorder ${settings.delivery?.reorder}`,
    `  control: ${fake.origin}/_fake/stats, POST ${fake.origin}/_fake/bundles/<id>/advance | /remake, GET ${fake.origin}/_fake/bundles`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);

  const logger = createLogger({ level: 'info' });
  await new Promise<void>((resolve) => {
    stopOnSignals(async () => {
      await fake.close();
      logger.info('fake TokPortal stopped');
      resolve();
    }, logger);
  });
}
