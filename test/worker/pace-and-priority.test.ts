// The queue-wide limiter against the fake's token bucket at the same limit, and live webhooks
// overtaking waiting backfill work.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeTokPortal, type FakeTokPortal } from '../../fake-tokportal/index.js';
import { PRIORITY, type SyncBundleData } from '../../src/queue/jobs.js';
import { enqueueBundleSyncs } from '../../src/queue/sync-queue.js';
import { TokPortalClient } from '../../src/tokportal/client.js';
import { createTestDatabase, type TestDatabase } from '../support/postgres.js';
import { openQueueUnderTest, waitForIdleQueue, type QueueUnderTest } from './harness.js';

const LIMIT_PER_MIN = 300;
const JOBS = 31;
/** Tokens left in the bucket when the worker starts: room for network jitter, not for a faster pace. */
const SLACK = 3;

let database: TestDatabase;
let fake: FakeTokPortal;
let bundleIds: string[];
const queues: QueueUnderTest[] = [];

beforeAll(async () => {
  database = await createTestDatabase('pace');
  fake = await startFakeTokPortal({ bundles: 40, seed: 'pace', rateLimitPerMin: 0 });
  bundleIds = fake.listBundleIds();
});

afterAll(async () => {
  for (const q of queues) await q.close();
  await fake?.close();
  await database?.drop();
});

describe('queue-wide rate limiter', () => {
  it(`keeps an even pace of at least 95% of the limit and never above it: no 429 from a nearly empty bucket`, async () => {
    fake.setRateLimit(LIMIT_PER_MIN);
    // Spend the bucket down to a few tokens, as if the key had been busy for a minute.
    const client = new TokPortalClient({ baseUrl: fake.baseUrl, apiKey: fake.apiKey });
    for (let spent = 0; spent < LIMIT_PER_MIN - SLACK; spent += 20) {
      await Promise.all(Array.from({ length: Math.min(20, LIMIT_PER_MIN - SLACK - spent) }, () => client.getBundle(bundleIds[0]!)));
    }
    fake.resetStats();

    const q = await openQueueUnderTest('pace');
    queues.push(q);
    await enqueueBundleSyncs(
      q.queue,
      bundleIds.slice(0, JOBS).map((bundleId) => ({ bundleId, reason: 'backfill' })),
    );
    await q.startWorker({ baseUrl: fake.baseUrl, apiKey: fake.apiKey, db: database.db, concurrency: 4, rateLimitPerMin: LIMIT_PER_MIN });
    await waitForIdleQueue(q.queue);

    const jobs = await q.queue.getJobs(['completed']);
    const starts = jobs.map((job) => job.processedOn!).sort((a, b) => a - b);
    const perMin = ((starts.length - 1) * 60_000) / (starts.at(-1)! - starts[0]!);
    console.log(`pace: ${starts.length} calls at ${perMin.toFixed(1)}/min against a limit of ${LIMIT_PER_MIN}/min (${((100 * perMin) / LIMIT_PER_MIN).toFixed(1)}%)`);
    expect(jobs).toHaveLength(JOBS);
    expect(perMin).toBeGreaterThanOrEqual(0.95 * LIMIT_PER_MIN);
    expect(perMin).toBeLessThanOrEqual(LIMIT_PER_MIN * 1.01);
    expect(fake.stats().rateLimited).toBe(0);
    expect(fake.stats().requests['GET /bundles/:id 200']).toBe(JOBS);
    fake.setRateLimit(0);
  });
});

describe('priority of live webhooks over waiting backfill work', () => {
  it('a webhook for a bundle whose backfill job waits promotes that job instead of being starved behind the backlog', async () => {
    const q = await openQueueUnderTest('promote');
    queues.push(q);
    const backlog = bundleIds.slice(0, 12);
    await enqueueBundleSyncs(q.queue, backlog.map((bundleId) => ({ bundleId, reason: 'backfill' })));
    const live: SyncBundleData[] = [{ bundleId: backlog.at(-1)!, reason: 'webhook', sourceRef: 'evt_live' }];
    // Deduplication keeps the backfill job (one fetch per bundle) and promotes it to the webhook's priority ...
    expect(await enqueueBundleSyncs(q.queue, live)).toEqual({ added: 0, folded: 1, promoted: 1 });
    expect(await q.queue.getJobCounts('prioritized')).toEqual({ prioritized: 12 });
    // ... once: a second webhook finds it promoted already.
    expect(await enqueueBundleSyncs(q.queue, live)).toEqual({ added: 0, folded: 1, promoted: 0 });
    const promotedId = await q.queue.getDeduplicationJobId(`bundle:${live[0]!.bundleId}`);
    const promoted = await q.queue.getJob(promotedId!);
    expect(promoted?.priority).toBe(PRIORITY.webhook);
    expect(promoted?.data).toMatchObject({ reason: 'webhook', sourceRef: 'evt_live' });

    await q.startWorker({ baseUrl: fake.baseUrl, apiKey: fake.apiKey, db: database.db, concurrency: 1 });
    await waitForIdleQueue(q.queue);
    const order = (await q.queue.getJobs(['completed']))
      .sort((a, b) => a.processedOn! - b.processedOn!)
      .map((job) => (job.data as SyncBundleData).bundleId);
    expect(order).toHaveLength(12);
    expect(order[0]).toBe(live[0]!.bundleId);
  });
});
