// A clean stage per benchmark: its own freshly migrated database and its own Redis key
// prefix, removed afterwards. Reuses the test helpers (admin URL, drop, prefix cleanup)
// so benchmarks and tests agree on how the shared Postgres and Redis are used.
import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import { openDatabase, type DatabaseHandle } from '../../src/db/connection.js';
import { ADMIN_URL, databaseUrl, dropDatabase } from '../../test/support/postgres.js';
import { TEST_REDIS_URL, deleteRedisPrefix, uniquePrefix } from '../../test/support/redis.js';

export const BENCH_REDIS_URL = process.env.BENCH_REDIS_URL ?? TEST_REDIS_URL;

export type BenchEnv = {
  /** Pooled handle for the benchmark's own queries (counts, timings). */
  database: DatabaseHandle;
  databaseUrl: string;
  databaseName: string;
  redisUrl: string;
  /** BullMQ prefix every process of this benchmark shares. */
  queuePrefix: string;
  dispose(): Promise<void>;
};

/** Creates `tps_bench_<label>_<random>`, migrates it, and picks a unique Redis prefix. */
export async function createBenchEnv(label: string): Promise<BenchEnv> {
  const name = `tps_bench_${label.replace(/[^a-z0-9]/gi, '').toLowerCase().slice(0, 16)}_${randomBytes(4).toString('hex')}`;
  const admin = postgres(ADMIN_URL, { max: 1, onnotice: () => {} });
  try {
    await admin.unsafe(`create database "${name}"`);
  } finally {
    await admin.end({ timeout: 5 });
  }
  const url = databaseUrl(name);
  const database = await openDatabase({ databaseUrl: url, maxConnections: 10 });
  try {
    await database.migrate();
  } catch (error) {
    await database.close();
    await dropDatabase(name);
    throw error;
  }
  const queuePrefix = uniquePrefix(`bench-${label}`);
  return {
    database,
    databaseUrl: url,
    databaseName: name,
    redisUrl: BENCH_REDIS_URL,
    queuePrefix,
    async dispose() {
      await database.close().catch(() => {});
      await dropDatabase(name);
      await deleteRedisPrefix(queuePrefix, BENCH_REDIS_URL);
    },
  };
}
