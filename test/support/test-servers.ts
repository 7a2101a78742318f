// `npm test` on any machine: when nothing answers where the suite looks for Postgres and Redis
// (TEST_PG_ADMIN_URL, TEST_REDIS_URL, by default the local default ports), the global setup starts
// private ones in a temporary folder (src/lib/local-servers.ts) and points the suite at them
// through those variables, which the test workers inherit; they are stopped after the run.
import { Redis } from 'ioredis';
import postgres from 'postgres';
import { isDatabaseUnreachable } from '../../src/db/availability.js';
import { startPrivatePostgres, startPrivateRedis, type LocalServer } from '../../src/lib/local-servers.js';

export const DEFAULT_PG_ADMIN_URL = 'postgres://postgres@127.0.0.1:5432/postgres';
export const DEFAULT_TEST_REDIS_URL = 'redis://127.0.0.1:6379';

async function postgresAnswers(url: string): Promise<boolean> {
  const sql = postgres(url, { max: 1, connect_timeout: 3, onnotice: () => {} });
  try {
    await sql`select 1`;
    return true;
  } catch (error) {
    if (isDatabaseUnreachable(error)) return false;
    // Something answers but refuses us (password, missing role): that is for the developer to fix.
    throw new Error(`Postgres at ${url} answers but refuses the test suite: ${error instanceof Error ? error.message : String(error)}`);
  } finally {
    await sql.end({ timeout: 1 }).catch(() => {});
  }
}

async function redisAnswers(url: string): Promise<boolean> {
  const redis = new Redis(url, { lazyConnect: true, connectTimeout: 2_000, maxRetriesPerRequest: 0, retryStrategy: () => null });
  redis.on('error', () => {});
  try {
    await redis.connect();
    return (await redis.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    redis.disconnect();
  }
}

const say = (line: string) => process.stderr.write(`[npm test] ${line}\n`);

/** Makes sure the suite has a Postgres and a Redis; returns what stops the private ones. */
export async function ensureTestServers(): Promise<{ stop(): Promise<void> }> {
  const started: LocalServer[] = [];
  const stop = async () => {
    for (const server of started.reverse()) await server.stop();
  };
  try {
    const pgUrl = process.env.TEST_PG_ADMIN_URL ?? DEFAULT_PG_ADMIN_URL;
    if (!(await postgresAnswers(pgUrl))) {
      const server = await startPrivatePostgres();
      started.push(server);
      process.env.TEST_PG_ADMIN_URL = server.url;
      say(`nothing answers at ${pgUrl}: started a private PostgreSQL at ${server.url} (in ${server.dir}, removed after the run)`);
    }
    const redisUrl = process.env.TEST_REDIS_URL ?? DEFAULT_TEST_REDIS_URL;
    if (!(await redisAnswers(redisUrl))) {
      const server = await startPrivateRedis();
      started.push(server);
      process.env.TEST_REDIS_URL = server.url;
      say(`nothing answers at ${redisUrl}: started a private redis-server at ${server.url} (removed after the run)`);
    }
  } catch (error) {
    await stop();
    throw error;
  }
  return { stop };
}
