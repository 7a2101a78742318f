// What `tokportal-sync fake-api` runs: the fake TokPortal on a real port until SIGINT/SIGTERM,
// and the lines that say how to point the sync at it.
import type { Command } from 'commander';
import {
  DEMO_API_KEY,
  describeBehaviour,
  startFakeTokPortal,
  type FakeBehaviour,
  type FakeTokPortalOptions,
  type ListOrder,
  type ProfileName,
} from '../../../fake-tokportal/index.js';
import { FatalError } from '../../lib/fatal-error.js';
import { createLogger } from '../../lib/logger.js';
import { stopOnSignals } from '../../app/signals.js';

export type FakeApiOptions = {
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
  profile: ProfileName;
  timestamps?: 'ms' | 'seconds';
  updatedAt?: 'every-change' | 'bundle-fields';
  listOrder?: ListOrder;
  pagination?: 'on' | 'off';
};

/** The behaviour flags that were given, as overrides of the profile. */
export function behaviourOverrides(options: Pick<FakeApiOptions, 'timestamps' | 'updatedAt' | 'listOrder' | 'pagination'>): Partial<FakeBehaviour> {
  const overrides: Partial<FakeBehaviour> = {};
  if (options.timestamps) overrides.wholeSecondTimestamps = options.timestamps === 'seconds';
  if (options.updatedAt) overrides.bumpUpdatedAtOnAccountChanges = options.updatedAt === 'every-change';
  if (options.listOrder) overrides.listOrder = options.listOrder;
  if (options.pagination) overrides.listPagination = options.pagination === 'on';
  return overrides;
}

/** Enough to recognise a secret in a config file, too little to use it. */
export const maskSecret = (secret: string): string =>
  secret.length <= 8 ? '*'.repeat(secret.length) : `${secret.slice(0, 6)}…(${secret.length} chars)`;

export async function runFakeApiCommand(options: FakeApiOptions, command: Command): Promise<void> {
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
    profile: options.profile,
    behaviour: behaviourOverrides(options),
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
    `  profile: ${describeBehaviour(options.profile, fake.behaviour)}`,
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
