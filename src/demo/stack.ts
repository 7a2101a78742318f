// The demo's moving parts: a seeded fake TokPortal on a free loopback port, and the real
// runtime (database, Redis, queue, API client) configured to talk to it. Receiver, worker and
// scheduler are started later by the same `startAll` that `tokportal-sync start` uses, so the
// demo shows the production path and nothing else.
import { rm } from 'node:fs/promises';
import { loadConfig, type Config } from '../config.js';
import { countBundles } from '../db/bundles-read.js';
import { startFakeTokPortal, type FakeTokPortal } from '../../fake-tokportal/index.js';
import { EXIT_CODE, FatalError } from '../lib/fatal-error.js';
import { createLogger } from '../lib/logger.js';
import { createRedis, deleteKeysUnderPrefix } from '../queue/redis.js';
import { assertRedisReachable, createRuntime, redactUrl, type Runtime } from '../app/runtime.js';
import { createDemoClock, type DemoClock } from './clock.js';
import { DEMO_PGLITE_DIR, DEMO_RATE_LIMIT_PER_MIN, DEMO_WEBHOOK_SECRET } from './defaults.js';

export type DemoSettings = {
  bundles: number;
  seed: string;
  queuePrefix: string;
  /** Overrides DATABASE_URL; neither set: the embedded PGlite under DEMO_PGLITE_DIR. */
  databaseUrl?: string | undefined;
};

export type DemoStack = {
  fake: FakeTokPortal;
  /** TokPortal's (simulated) clock: the campaign moves it step by step. */
  clock: DemoClock;
  runtime: Runtime;
  config: Config;
  /** Closes the runtime (unless `services` already did) and the fake. */
  close(closeRuntime?: boolean): Promise<void>;
};

/** Empties the demo's queue prefix on a connection of its own. */
export async function clearQueuePrefix(redisUrl: string, prefix: string): Promise<number> {
  // The 'worker' role queues commands until connected (Redis was just found reachable).
  const redis = createRedis(redisUrl, 'worker');
  try {
    return await deleteKeysUnderPrefix(redis, prefix);
  } finally {
    redis.disconnect();
  }
}

export async function openDemoStack(settings: DemoSettings): Promise<DemoStack> {
  const base = loadConfig();
  // The demo empties its queue prefix at start: never the installation's own queue.
  if (settings.queuePrefix === base.queuePrefix) {
    throw new FatalError(
      `--queue-prefix ${settings.queuePrefix} is QUEUE_PREFIX, the queue of a real installation: the demo empties its prefix at start, pick another`,
      EXIT_CODE.config,
    );
  }
  await assertRedisReachable(base.redisUrl);
  await clearQueuePrefix(base.redisUrl, settings.queuePrefix);

  const databaseUrl = settings.databaseUrl ?? base.databaseUrl;
  if (!databaseUrl) await rm(DEMO_PGLITE_DIR, { recursive: true, force: true });

  const clock = createDemoClock();
  const fake = await startFakeTokPortal({ bundles: settings.bundles, seed: settings.seed, rateLimitPerMin: DEMO_RATE_LIMIT_PER_MIN, now: clock.now });
  const config: Config = {
    ...base,
    databaseUrl,
    pgliteDir: DEMO_PGLITE_DIR,
    queuePrefix: settings.queuePrefix,
    apiKey: fake.apiKey,
    baseUrl: fake.baseUrl,
    webhookSecrets: [DEMO_WEBHOOK_SECRET],
    rateLimitPerMin: DEMO_RATE_LIMIT_PER_MIN,
    port: 0,
    host: '127.0.0.1',
  };
  let runtime: Runtime;
  try {
    // Narration goes to stdout; the services' own logs only when something is wrong, on stderr.
    const logger = createLogger({ level: 'warn', destination: process.stderr });
    runtime = await createRuntime({ config, logger, allowPglite: true });
  } catch (error) {
    await fake.close();
    throw error;
  }
  const close = async (closeRuntime = true) => {
    if (closeRuntime) await runtime.close();
    await fake.close();
  };
  try {
    await assertEmptyMirror(runtime, databaseUrl);
  } catch (error) {
    await close();
    throw error;
  }
  return { fake, clock, runtime, config, close };
}

/**
 * The verification compares the mirror with this run's fake: rows left by another run (or a
 * real mirror) would make it meaningless, and the demo must never write into a real mirror.
 */
async function assertEmptyMirror(runtime: Runtime, databaseUrl: string | undefined): Promise<void> {
  const held = await countBundles(runtime.db);
  if (held === 0 || !databaseUrl) return;
  throw new FatalError(
    `the database at ${redactUrl(databaseUrl)} already holds ${held} bundles; the demo needs an empty mirror: ` +
      'point --database-url at a new database (createdb tokportal_demo) or unset DATABASE_URL to use the embedded PGlite',
    EXIT_CODE.config,
  );
}
