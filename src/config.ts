// The one place the environment is read. Every setting is validated here so that a
// wrong value stops the process at start with one line naming the variable, instead
// of failing later somewhere deep in a job.
import { z } from 'zod';
import { MAX_WORKER_CONCURRENCY, concurrencyRangeMessage } from './lib/bounds.js';
import { checkDuration, parseDuration, type DurationRule } from './lib/duration.js';
import { ConfigError } from './lib/fatal-error.js';

// Both live in modules without the validator, so the CLI can use them before (or without) reading the environment.
export { ConfigError, parseDuration };

export const DEFAULT_TOKPORTAL_BASE_URL = 'https://app.tokportal.com/api/ext';

const duration = (fallback: string, rule: DurationRule) =>
  z
    .string()
    .default(fallback)
    .transform((text, ctx) => {
      const checked = checkDuration(text, rule);
      if (!checked.ok) {
        ctx.addIssue({ code: 'custom', message: checked.reason });
        return z.NEVER;
      }
      return checked.ms;
    });

/** Reconcile lists the whole workspace; more often than once a minute only spends the API budget. */
export const RECONCILE_INTERVAL_RULE: DurationRule = { minMs: 60_000, example: '15m' };
/** Every bundle re-read once per window: under an hour it would crowd out the live work. */
export const VERIFY_WITHIN_RULE: DurationRule = { minMs: 3_600_000, example: '24h' };
export const DEFAULT_ADMIN_PORT = 9464;

const port = (fallback: number) =>
  z.coerce.number().int('expected a port number').min(0, 'expected a port number').max(65_535, 'expected a port number').default(fallback);
const positiveInt = (fallback: number) => z.coerce.number().int().positive().default(fallback);
const emptyAsUndefined = (value: unknown) => (value === '' ? undefined : value);

const envSchema = z.object({
  DATABASE_URL: z.preprocess(
    emptyAsUndefined,
    z
      .string()
      .regex(/^postgres(ql)?:\/\//, 'expected a postgres:// or postgresql:// URL')
      .optional(),
  ),
  PGLITE_DIR: z.string().default('./.data/pglite'),
  PGLITE_PORT: z.coerce.number().int().min(0).max(65_535).default(5433),
  REDIS_URL: z.string().regex(/^rediss?:\/\//, 'expected a redis:// or rediss:// URL').default('redis://127.0.0.1:6379'),
  QUEUE_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_.-]+$/, 'expected letters, digits, dot, dash or underscore')
    .default('tokportal-sync'),
  TOKPORTAL_API_KEY: z.preprocess(
    emptyAsUndefined,
    z
      .string()
      .regex(/^sk_[0-9a-f]{64}$/, 'expected sk_ followed by 64 lowercase hex characters')
      .optional(),
  ),
  TOKPORTAL_BASE_URL: z.url({ message: 'expected an http(s) URL' }).default(DEFAULT_TOKPORTAL_BASE_URL),
  TOKPORTAL_WEBHOOK_SECRETS: z.preprocess(
    emptyAsUndefined,
    z
      .string()
      .optional()
      .transform((text) =>
        (text ?? '')
          .split(',')
          .map((secret) => secret.trim())
          .filter((secret) => secret.length > 0),
      ),
  ),
  TOKPORTAL_RATE_LIMIT_PER_MIN: positiveInt(120),
  TOKPORTAL_TIMEOUT_MS: positiveInt(15_000),
  WEBHOOK_TOLERANCE_SECONDS: positiveInt(300),
  PORT: port(3000),
  HOST: z.string().min(1).default('0.0.0.0'),
  ADMIN_PORT: port(DEFAULT_ADMIN_PORT),
  ADMIN_HOST: z.string().min(1).default('127.0.0.1'),
  ADMIN_TOKEN: z.preprocess(
    emptyAsUndefined,
    z.string().min(16, 'expected at least 16 characters (use a random token)').optional(),
  ),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  WORKER_CONCURRENCY: z.coerce
    .number()
    .default(4)
    .refine((n) => Number.isInteger(n) && n >= 1 && n <= MAX_WORKER_CONCURRENCY, {
      error: (issue) => concurrencyRangeMessage(String(issue.input)),
    }),
  RECONCILE_INTERVAL: duration('15m', RECONCILE_INTERVAL_RULE),
  VERIFY_WITHIN: duration('24h', VERIFY_WITHIN_RULE),
});

export type Config = {
  databaseUrl: string | undefined;
  pgliteDir: string;
  /** Where `start` and `demo --keep-running` serve the embedded database (127.0.0.1; 0 = any free port). */
  pglitePort: number;
  redisUrl: string;
  queuePrefix: string;
  apiKey: string | undefined;
  baseUrl: string;
  webhookSecrets: string[];
  rateLimitPerMin: number;
  requestTimeoutMs: number;
  webhookToleranceSeconds: number;
  port: number;
  host: string;
  adminPort: number;
  adminHost: string;
  adminToken: string | undefined;
  logLevel: z.infer<typeof envSchema>['LOG_LEVEL'];
  workerConcurrency: number;
  reconcileIntervalMs: number;
  /** Rolling verification: every bundle's detail is re-read at least this often. */
  verifyWithinMs: number;
};

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const variable = String(issue.path[0] ?? 'environment');
    throw new ConfigError(`Invalid ${variable}: ${issue.message}`);
  }
  const e = parsed.data;
  return {
    databaseUrl: e.DATABASE_URL,
    pgliteDir: e.PGLITE_DIR,
    pglitePort: e.PGLITE_PORT,
    redisUrl: e.REDIS_URL,
    queuePrefix: e.QUEUE_PREFIX,
    apiKey: e.TOKPORTAL_API_KEY,
    baseUrl: e.TOKPORTAL_BASE_URL.replace(/\/+$/, ''),
    webhookSecrets: e.TOKPORTAL_WEBHOOK_SECRETS,
    rateLimitPerMin: e.TOKPORTAL_RATE_LIMIT_PER_MIN,
    requestTimeoutMs: e.TOKPORTAL_TIMEOUT_MS,
    webhookToleranceSeconds: e.WEBHOOK_TOLERANCE_SECONDS,
    port: e.PORT,
    host: e.HOST,
    adminPort: e.ADMIN_PORT,
    adminHost: e.ADMIN_HOST,
    adminToken: e.ADMIN_TOKEN,
    logLevel: e.LOG_LEVEL,
    workerConcurrency: e.WORKER_CONCURRENCY,
    reconcileIntervalMs: e.RECONCILE_INTERVAL,
    verifyWithinMs: e.VERIFY_WITHIN,
  };
}

const settingVariable = {
  apiKey: 'TOKPORTAL_API_KEY',
  databaseUrl: 'DATABASE_URL',
  adminToken: 'ADMIN_TOKEN',
} as const;

/** Narrows an optional setting that the current command cannot run without. */
export function requireSetting<K extends keyof typeof settingVariable>(
  config: Config,
  key: K,
  purpose: string,
): NonNullable<Config[K]> {
  const value = config[key];
  if (value === undefined || value === null) {
    throw new ConfigError(`Missing ${settingVariable[key]}: ${purpose}`);
  }
  return value as NonNullable<Config[K]>;
}

export function requireWebhookSecrets(config: Config): string[] {
  if (config.webhookSecrets.length === 0) {
    throw new ConfigError(
      'Missing TOKPORTAL_WEBHOOK_SECRETS: the receiver needs the signing secret shown when the webhook endpoint was created (comma-separate several during rotation)',
    );
  }
  return config.webhookSecrets;
}
