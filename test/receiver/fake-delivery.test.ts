// The fake TokPortal, as a real server, delivering signed webhooks to the receiver: its
// headers and signatures are accepted as they come, and every event sent twice (and out of
// order) lands once in the inbox with one sync job per bundle.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { webhookEvents } from '../../src/db/schema.js';
import { startFakeTokPortal, type FakeTokPortal } from '../../fake-tokportal/index.js';
import { createTestDatabase, type TestDatabase } from '../support/postgres.js';
import { deleteRedisPrefix, uniquePrefix } from '../support/redis.js';
import { SECRET, pendingSyncJobs, startTestReceiver, type TestReceiver } from './harness.js';

let database: TestDatabase;
let app: TestReceiver;
let fake: FakeTokPortal;
const prefix = uniquePrefix('fakedelivery');

beforeAll(async () => {
  database = await createTestDatabase('fakedelivery');
  app = await startTestReceiver({ db: database.db, prefix });
  fake = await startFakeTokPortal({
    bundles: 4,
    seed: 'receiver-fake-delivery',
    rateLimitPerMin: 0,
    webhookEndpoints: [{ url: `${app.url}/webhooks/tokportal`, secret: SECRET }],
    delivery: { duplicateRate: 1, reorder: true, manual: true },
  });
});
afterAll(async () => {
  await fake?.close();
  await app?.close();
  await database?.drop();
  await deleteRedisPrefix(prefix);
});

describe('deliveries from the fake TokPortal', () => {
  it('stores each duplicated, reordered event once and queues one job per bundle', async () => {
    const bundleIds = fake.listBundleIds();
    for (let step = 0; step < 3; step++) for (const id of bundleIds) await fake.advance(id);
    await fake.flushWebhooks();

    const stats = fake.stats();
    expect(stats.webhooksFailed).toBe(0);
    expect(stats.webhooksSent).toBeGreaterThan(0);

    await app.receiver.writer.flush(); // enqueue marks are written off the request path
    const rows = await database.db.select().from(webhookEvents);
    // Every event was POSTed twice: one row each, deliveries 2.
    expect(rows.length * 2).toBe(stats.webhooksSent);
    expect(rows.every((row) => row.deliveries === 2)).toBe(true);
    expect(rows.filter((row) => row.status === 'rejected')).toEqual([]);

    const synced = new Set(rows.filter((row) => row.status === 'enqueued').map((row) => row.bundleId));
    expect(synced.size).toBeGreaterThan(0);
    expect([...synced].every((id) => bundleIds.includes(id!))).toBe(true);
    const jobs = await pendingSyncJobs(app.queue);
    expect(jobs.map((job) => (job.data as { bundleId: string }).bundleId).sort()).toEqual([...synced].sort());
  });
});
