// Child processes build the project's own Config from the benchmark's settings, through
// loadConfig, so they run with exactly the validation and defaults production uses.
import { loadConfig, type Config } from '../../src/config.js';

export type ChildSettings = {
  databaseUrl: string;
  redisUrl: string;
  queuePrefix: string;
  secret?: string;
  baseUrl?: string;
  apiKey?: string;
  rateLimitPerMin?: number;
  concurrency?: number;
};

export function benchConfig(settings: ChildSettings): Config {
  const env: NodeJS.ProcessEnv = {
    DATABASE_URL: settings.databaseUrl,
    REDIS_URL: settings.redisUrl,
    QUEUE_PREFIX: settings.queuePrefix,
    LOG_LEVEL: 'silent',
    PORT: '0',
    HOST: '127.0.0.1',
  };
  if (settings.secret !== undefined) env.TOKPORTAL_WEBHOOK_SECRETS = settings.secret;
  if (settings.baseUrl !== undefined) env.TOKPORTAL_BASE_URL = settings.baseUrl;
  if (settings.apiKey !== undefined) env.TOKPORTAL_API_KEY = settings.apiKey;
  if (settings.rateLimitPerMin !== undefined) env.TOKPORTAL_RATE_LIMIT_PER_MIN = String(settings.rateLimitPerMin);
  if (settings.concurrency !== undefined) env.WORKER_CONCURRENCY = String(settings.concurrency);
  return loadConfig(env);
}
