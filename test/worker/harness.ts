// Set-up for worker and end-to-end tests: a sync queue under a fresh Redis prefix, the real
// worker on it (real TokPortal client against the fake over HTTP), and polling helpers.
import { eq, inArray } from 'drizzle-orm';
import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { loadConfig, type Config } from '../../src/config.js';
import type { Database } from '../../src/db/connection.js';
import { bundleAccounts, bundles, webhookEvents, type BundleRow } from '../../src/db/schema.js';
import { silentLogger, type Logger } from '../../src/lib/logger.js';
import { createMetrics, type Metrics } from '../../src/observability/metrics.js';
import { createRedis } from '../../src/queue/redis.js';
import { createSyncQueue, type SyncQueue } from '../../src/queue/sync-queue.js';
import { recordApiCall } from '../../src/app/index.js';
import { TokPortalClient } from '../../src/tokportal/client.js';
import { startSyncWorker, type SyncWorkerHandle, type SyncWorkerOptions } from '../../src/worker/worker.js';
import { TEST_REDIS_URL, deleteRedisPrefix, uniquePrefix } from '../support/redis.js';

export async function waitFor<T>(
  probe: () => Promise<T | undefined | null | false> | T | undefined | null | false,
  { timeoutMs = 15_000, intervalMs = 50, what = 'condition' }: { timeoutMs?: number; intervalMs?: number; what?: string } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

export type QueueUnderTest = {
  prefix: string;
  queue: SyncQueue;
  producer: Redis;
  metrics: Metrics;
  config: Config;
  /** Starts a real worker on this queue; closed by close(). */
  startWorker(options: {
    baseUrl: string;
    apiKey: string;
    db: Database;
    concurrency?: number;
    rateLimitPerMin?: number;
    logger?: Logger;
    tuning?: Partial<Pick<SyncWorkerOptions, 'lockDurationMs' | 'stalledIntervalMs' | 'maxStalledCount'>>;
  }): Promise<SyncWorkerHandle>;
  close(): Promise<void>;
};

export async function openQueueUnderTest(label: string): Promise<QueueUnderTest> {
  const prefix = uniquePrefix(label);
  const producer = createRedis(TEST_REDIS_URL, 'producer');
  const queue = createSyncQueue(producer, prefix);
  await queue.waitUntilReady();
  const metrics = createMetrics();
  const config = loadConfig({ LOG_LEVEL: 'silent', QUEUE_PREFIX: prefix });
  const handles: SyncWorkerHandle[] = [];
  const connections: Redis[] = [producer];
  return {
    prefix,
    queue,
    producer,
    metrics,
    config,
    async startWorker(options) {
      const connection = createRedis(TEST_REDIS_URL, 'worker');
      connections.push(connection);
      const client = new TokPortalClient({
        baseUrl: options.baseUrl,
        apiKey: options.apiKey,
        timeoutMs: 5_000,
        onCall: recordApiCall(metrics),
      });
      const handle = await startSyncWorker({
        ctx: { db: options.db, client, queue: queue as Queue, metrics, logger: options.logger ?? silentLogger, config },
        connection,
        prefix,
        concurrency: options.concurrency ?? 4,
        rateLimitPerMin: options.rateLimitPerMin ?? 60_000,
        ...options.tuning,
      });
      handles.push(handle);
      return handle;
    },
    async close() {
      await Promise.all(handles.map((handle) => handle.close()));
      await queue.close();
      for (const connection of connections) connection.disconnect();
      await deleteRedisPrefix(prefix);
    },
  };
}

/** Resolves once the queue has nothing waiting, delayed, prioritized or running. */
export async function waitForIdleQueue(queue: Queue, timeoutMs = 20_000): Promise<void> {
  await waitFor(
    async () => {
      const counts = await queue.getJobCounts('waiting', 'prioritized', 'active', 'delayed', 'paused');
      return Object.values(counts).every((count) => count === 0);
    },
    { timeoutMs, what: 'an idle queue', intervalMs: 100 },
  );
}

export async function readBundle(db: Database, bundleId: string): Promise<BundleRow | undefined> {
  const rows = await db.select().from(bundles).where(eq(bundles.bundleId, bundleId));
  return rows[0];
}

/** The account timeline of a bundle: every handle in incarnation order. */
export async function readHandles(db: Database, bundleId: string): Promise<(string | null)[]> {
  const rows = await db
    .select({ username: bundleAccounts.username, incarnation: bundleAccounts.incarnation })
    .from(bundleAccounts)
    .where(eq(bundleAccounts.bundleId, bundleId))
    .orderBy(bundleAccounts.incarnation);
  return rows.map((row) => row.username);
}

export async function readEventStatuses(db: Database, eventIds: string[]): Promise<Map<string, string>> {
  if (eventIds.length === 0) return new Map();
  const rows = await db
    .select({ eventId: webhookEvents.eventId, status: webhookEvents.status })
    .from(webhookEvents)
    .where(inArray(webhookEvents.eventId, eventIds));
  return new Map(rows.map((row) => [row.eventId, row.status]));
}

/** The fields the mirror must agree on with the API (the fake's GET /bundles/:id answer). */
export function mirrorView(row: BundleRow | undefined) {
  return row && {
    status: row.status,
    accountStatus: row.accountStatus,
    username: row.username,
    savedAccountId: row.savedAccountId,
    remadeCount: row.remadeCount,
    apiUpdatedAt: row.apiUpdatedAt.toISOString(),
  };
}

type ApiDetail = {
  status: string;
  account_status: string | null;
  saved_account_id?: string | null;
  account?: { username?: string | null; saved_account_id?: string | null } | null;
  remade?: { remade_count: number } | null;
  updated_at: string;
};

export function apiView(detail: unknown) {
  const bundle = detail as ApiDetail;
  return {
    status: bundle.status,
    accountStatus: bundle.account_status ?? null,
    username: bundle.account?.username ?? null,
    savedAccountId: bundle.saved_account_id ?? bundle.account?.saved_account_id ?? null,
    remadeCount: bundle.remade?.remade_count ?? 0,
    apiUpdatedAt: new Date(bundle.updated_at).toISOString(),
  };
}
