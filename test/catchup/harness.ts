// Shared set-up for the catch-up tests: a test database, a Redis prefix, the fake TokPortal
// seeded with bundles, the sync queue, and in-process workers with the real processors,
// plus a comparison of the mirror with the fake's own state.
import { eq, inArray } from 'drizzle-orm';
import type { Redis } from 'ioredis';
import { loadConfig, type Config } from '../../src/config.js';
import type { Database } from '../../src/db/connection.js';
import { bundleAccounts, bundles, bundleVideos } from '../../src/db/schema.js';
import { startFakeTokPortal, type FakeTokPortal, type FakeTokPortalOptions } from '../../fake-tokportal/index.js';
import { silentLogger } from '../../src/lib/logger.js';
import { createMetrics } from '../../src/observability/metrics.js';
import { createRedis } from '../../src/queue/redis.js';
import { createSyncQueue, type SyncQueue } from '../../src/queue/sync-queue.js';
import { TokPortalClient } from '../../src/tokportal/client.js';
import type { BackfillDependencies } from '../../src/worker/backfill.js';
import type { JobName } from '../../src/queue/jobs.js';
import type { Processor, ProcessorContext } from '../../src/worker/processors.js';
import { startSyncWorker, type SyncWorkerHandle } from '../../src/worker/worker.js';
import { createTestDatabase, type TestDatabase } from '../support/postgres.js';
import { TEST_REDIS_URL, deleteRedisPrefix, uniquePrefix } from '../support/redis.js';

export type CatchupHarness = {
  database: TestDatabase;
  db: Database;
  prefix: string;
  fake: FakeTokPortal;
  queue: SyncQueue;
  ctx: ProcessorContext;
  config: Config;
  /** Calls per minute the workers allow themselves (the queue-wide limiter). */
  rateLimitPerMin: number;
  startWorker(options?: { concurrency?: number; processors?: Partial<Record<JobName, Processor>> }): Promise<SyncWorkerHandle>;
  backfillDeps(): BackfillDependencies;
  /** Detail and list calls the fake answered with 200 since its last resetStats(). */
  calls(): { list: number; detail: number };
  close(): Promise<void>;
};

export async function startCatchupHarness(options: {
  label: string;
  fake: FakeTokPortalOptions;
  rateLimitPerMin?: number;
  concurrency?: number;
  /** More settings for the processors' config (VERIFY_WITHIN...). */
  env?: Record<string, string>;
}): Promise<CatchupHarness> {
  const rateLimitPerMin = options.rateLimitPerMin ?? 60_000;
  const database = await createTestDatabase(options.label);
  const prefix = uniquePrefix(options.label);
  // The fake answers as fast as it can; the pace is the workers' limiter.
  const fake = await startFakeTokPortal({ rateLimitPerMin: 0, ...options.fake });
  const connections: Redis[] = [];
  const redis = (role: 'producer' | 'worker') => {
    const connection = createRedis(TEST_REDIS_URL, role);
    connections.push(connection);
    return connection;
  };
  const queue = createSyncQueue(redis('producer'), prefix);
  const config = loadConfig({
    DATABASE_URL: database.url,
    REDIS_URL: TEST_REDIS_URL,
    QUEUE_PREFIX: prefix,
    TOKPORTAL_API_KEY: fake.apiKey,
    TOKPORTAL_BASE_URL: fake.baseUrl,
    TOKPORTAL_RATE_LIMIT_PER_MIN: String(rateLimitPerMin),
    LOG_LEVEL: 'silent',
    ...options.env,
  });
  const ctx: ProcessorContext = {
    db: database.db,
    client: new TokPortalClient({ baseUrl: fake.baseUrl, apiKey: fake.apiKey, timeoutMs: 10_000 }),
    queue,
    metrics: createMetrics(),
    logger: silentLogger,
    config,
  };
  const workers: SyncWorkerHandle[] = [];
  const startWorker: CatchupHarness['startWorker'] = async (worker = {}) => {
    const handle = await startSyncWorker({
      ctx,
      connection: redis('worker'),
      prefix,
      concurrency: worker.concurrency ?? options.concurrency ?? 8,
      rateLimitPerMin,
      ...(worker.processors ? { processors: worker.processors } : {}),
    });
    workers.push(handle);
    return handle;
  };
  const calls = () => {
    const { requests } = fake.stats();
    return { list: requests['GET /bundles 200'] ?? 0, detail: requests['GET /bundles/:id 200'] ?? 0 };
  };
  return {
    database,
    db: database.db,
    prefix,
    fake,
    queue,
    ctx,
    config,
    rateLimitPerMin,
    startWorker,
    backfillDeps: () => ({ db: database.db, queue, rateLimitPerMin, startWorker: () => startWorker() }),
    calls,
    async close() {
      for (const worker of workers) await worker.close().catch(() => {});
      await queue.close().catch(() => {});
      for (const connection of connections) connection.disconnect();
      await fake.close().catch(() => {});
      await database.drop();
      await deleteRedisPrefix(prefix);
    },
  };
}

type FakeDetail = {
  id: string;
  status: string;
  account_status: string | null;
  external_ref: string | null;
  title: string | null;
  updated_at: string;
  saved_account_id?: string | null;
  remade: { remade_count: number };
  account: { id: string; username: string | null } | null;
  videos: { position: number; id: string; status: string }[];
};

/** The fields a report reads, as the fake holds them and as the mirror holds them. */
export type Comparable = {
  status: string;
  accountStatus: string | null;
  externalRef: string | null;
  title: string | null;
  apiUpdatedAt: string;
  savedAccountId: string | null;
  accountListingId: string | null;
  username: string | null;
  remadeCount: number;
  videos: string[];
};

export function fakeComparable(fake: FakeTokPortal, bundleId: string): Comparable {
  const detail = fake.getBundle(bundleId) as FakeDetail;
  return {
    status: detail.status,
    accountStatus: detail.account_status,
    externalRef: detail.external_ref,
    title: detail.title,
    apiUpdatedAt: new Date(detail.updated_at).toISOString(),
    savedAccountId: detail.saved_account_id ?? null,
    accountListingId: detail.account?.id ?? null,
    username: detail.account?.username ?? null,
    remadeCount: detail.remade.remade_count,
    videos: [...detail.videos].sort((a, b) => a.position - b.position).map((v) => `${v.position}:${v.id}:${v.status}`),
  };
}

export async function mirrorComparables(db: Database, bundleIds: string[]): Promise<Map<string, Comparable>> {
  const rows = await db.select().from(bundles).where(inArray(bundles.bundleId, bundleIds));
  const videos = await db.select().from(bundleVideos).where(inArray(bundleVideos.bundleId, bundleIds));
  const videosByBundle = new Map<string, string[]>();
  for (const video of [...videos].sort((a, b) => a.position - b.position)) {
    const list = videosByBundle.get(video.bundleId) ?? [];
    list.push(`${video.position}:${video.videoId}:${video.status}`);
    videosByBundle.set(video.bundleId, list);
  }
  return new Map(
    rows.map((row) => [
      row.bundleId,
      {
        status: row.status,
        accountStatus: row.accountStatus,
        externalRef: row.externalRef,
        title: row.title,
        apiUpdatedAt: row.apiUpdatedAt.toISOString(),
        savedAccountId: row.savedAccountId,
        accountListingId: row.accountListingId,
        username: row.username,
        remadeCount: row.remadeCount,
        videos: videosByBundle.get(row.bundleId) ?? [],
      },
    ]),
  );
}

/** Every bundle of the fake whose mirror row differs (or is missing), with both sides. */
export async function mirrorDifferences(harness: CatchupHarness, bundleIds = harness.fake.listBundleIds()) {
  const mirror = await mirrorComparables(harness.db, bundleIds);
  const differences: { bundleId: string; fake: Comparable; mirror: Comparable | undefined }[] = [];
  for (const bundleId of bundleIds) {
    const expected = fakeComparable(harness.fake, bundleId);
    const actual = mirror.get(bundleId);
    if (JSON.stringify(expected) !== JSON.stringify(actual)) differences.push({ bundleId, fake: expected, mirror: actual });
  }
  return differences;
}

/** The chain of handles the mirror kept for a bundle, oldest first. */
export async function mirroredHandles(db: Database, bundleId: string): Promise<(string | null)[]> {
  const rows = await db.select().from(bundleAccounts).where(eq(bundleAccounts.bundleId, bundleId)).orderBy(bundleAccounts.incarnation);
  return rows.map((row) => row.username);
}
