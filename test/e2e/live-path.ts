// The whole live path for end-to-end tests: the fake TokPortal sending signed webhooks to the
// real receiver (inbox + enqueue), the real worker refetching from the fake over HTTP, real
// Postgres and Redis. Each test file gets its own database, Redis prefix and fake.
import { inArray, sql } from 'drizzle-orm';
import { loadConfig } from '../../src/config.js';
import { bundles } from '../../src/db/schema.js';
import { type FakeTokPortal, type FakeTokPortalOptions, planNextStep, startFakeTokPortal, type StepName } from '../../fake-tokportal/index.js';
import { silentLogger } from '../../src/lib/logger.js';
import { createRedis } from '../../src/queue/redis.js';
import { createSyncQueue } from '../../src/queue/sync-queue.js';
import { startReceiver, type ReceiverHandle, type ReceiverOptions } from '../../src/receiver/server.js';
import { createTestDatabase, type TestDatabase } from '../support/postgres.js';
import { TEST_REDIS_URL } from '../support/redis.js';
import {
  apiView,
  mirrorView,
  openQueueUnderTest,
  readBundle,
  readHandles,
  waitFor,
  waitForIdleQueue,
  type QueueUnderTest,
} from '../worker/harness.js';

export const WEBHOOK_SECRET = 'whsec_e2e_0123456789abcdef0123456789';

export type LivePathOptions = {
  label: string;
  fake?: FakeTokPortalOptions;
  /** Worker settings; rateLimitPerMin 6000 unless the limit is the subject. */
  worker?: { concurrency?: number; rateLimitPerMin?: number } | false;
  /** Redis the receiver's producer talks to (default the test Redis). */
  receiverRedisUrl?: string;
  relay?: ReceiverOptions['relay'];
};

export type LivePath = {
  database: TestDatabase;
  fake: FakeTokPortal;
  q: QueueUnderTest;
  receiver: ReceiverHandle;
  startWorker(options?: { concurrency?: number; rateLimitPerMin?: number }): Promise<void>;
  /** Webhooks delivered, inbox drained, queue idle. */
  settle(timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
};

export async function startLivePath(options: LivePathOptions): Promise<LivePath> {
  const database = await createTestDatabase(options.label);
  const q = await openQueueUnderTest(options.label);
  const fake = await startFakeTokPortal({ rateLimitPerMin: 0, ...options.fake });
  const producer = createRedis(options.receiverRedisUrl ?? TEST_REDIS_URL, 'producer');
  const receiverQueue = createSyncQueue(producer, q.prefix);
  const receiver = await startReceiver({
    config: loadConfig({ TOKPORTAL_WEBHOOK_SECRETS: WEBHOOK_SECRET, LOG_LEVEL: 'silent', QUEUE_PREFIX: q.prefix }),
    db: database.db,
    queue: receiverQueue,
    redis: producer,
    metrics: q.metrics,
    logger: silentLogger,
    port: 0,
    host: '127.0.0.1',
    relay: options.relay ?? { intervalMs: 200, graceMs: 500 },
  });
  fake.addWebhookEndpoint({ url: `${receiver.url}/webhooks/tokportal`, secret: WEBHOOK_SECRET });

  const startWorker: LivePath['startWorker'] = async (settings = {}) => {
    await q.startWorker({
      baseUrl: fake.baseUrl,
      apiKey: fake.apiKey,
      db: database.db,
      concurrency: settings.concurrency ?? 4,
      rateLimitPerMin: settings.rateLimitPerMin ?? 6_000,
    });
  };
  if (options.worker !== false) await startWorker(options.worker ?? {});

  return {
    database,
    fake,
    q,
    receiver,
    startWorker,
    async settle(timeoutMs = 20_000) {
      await waitFor(() => fake.stats().webhooksPending === 0, { timeoutMs, what: 'webhook deliveries' });
      await waitFor(async () => (await pendingInboxEvents(database)) === 0, { timeoutMs, what: 'an empty inbox' });
      await waitForIdleQueue(q.queue, timeoutMs);
    },
    async close() {
      await receiver.close();
      if (producer.status === 'ready') await receiverQueue.close();
      producer.disconnect();
      await q.close();
      await fake.close();
      await database.drop();
    },
  };
}

export async function pendingInboxEvents(database: TestDatabase): Promise<number> {
  const rows = (await database.db.execute(
    sql`select count(*)::int as n from tokportal.webhook_events where status in ('received', 'enqueued')`,
  )) as unknown as { n: number }[];
  return Number(rows[0]?.n ?? 0);
}

/** Seeded bundles whose next step is `step` (the fake's own lifecycle decides). */
export function bundlesAtStep(fake: FakeTokPortal, step: StepName): string[] {
  return fake.listBundleIds().filter((id) => {
    const record = fake.service.store.get(id);
    return record !== undefined && planNextStep(record) === step;
  });
}

/** Waits until the mirror row of each bundle shows exactly what the API shows now. */
export async function waitForMirror(live: LivePath, bundleIds: string[], timeoutMs = 20_000): Promise<void> {
  await waitFor(
    async () => {
      for (const id of bundleIds) {
        const expected = apiView(live.fake.getBundle(id));
        if (JSON.stringify(mirrorView(await readBundle(live.database.db, id))) !== JSON.stringify(expected)) return false;
      }
      return true;
    },
    { timeoutMs, what: `the mirror of ${bundleIds.length} bundle(s) to match the API`, intervalMs: 100 },
  );
}

/** Mirror rows vs the API, and the account timeline vs every handle the fake ever gave the account. */
export async function compareWithApi(live: LivePath, bundleIds: string[]) {
  const rows = await live.database.db.select().from(bundles).where(inArray(bundles.bundleId, bundleIds));
  const byId = new Map(rows.map((row) => [row.bundleId, row]));
  return Promise.all(
    bundleIds.map(async (id) => ({
      id,
      mirror: mirrorView(byId.get(id)),
      api: apiView(live.fake.getBundle(id)),
      timeline: await readHandles(live.database.db, id),
      handles: live.fake.handles(id),
    })),
  );
}
