// The relay, the receiver's way out of a Redis outage: events committed and acknowledged while
// Redis is unreachable (or hangs mid-enqueue) are enqueued once a live Redis answers, and events
// whose job a Redis restart lost are enqueued again. The shared Redis is never stopped: a closed
// port or a frozen proxy stands in. (Postgres unreachable is the webhook route's business: webhook.test.ts.)
import { createServer, connect, type AddressInfo, type Socket } from 'node:net';
import { eq, inArray } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { webhookEvents } from '../../src/db/schema.js';
import { silentLogger } from '../../src/lib/logger.js';
import { createRedis } from '../../src/queue/redis.js';
import { createSyncQueue } from '../../src/queue/sync-queue.js';
import { Relay, RedisNotReadyError } from '../../src/receiver/relay.js';
import { TEST_REDIS_URL, deleteRedisPrefix } from '../support/redis.js';
import { startStack, type Stack } from '../support/stack.js';
import { metricValue, pendingSyncJobs } from '../support/wait.js';
import { deliver, makeEnvelope } from '../support/webhooks.js';

const CLOSED_REDIS = 'redis://127.0.0.1:1';

let stack: Stack;
let prefix: string;

beforeAll(async () => {
  stack = await startStack({ label: 'outages' });
  prefix = stack.prefix;
});
afterAll(async () => {
  await stack?.close();
});

const rowsOf = async (ids: string[]) =>
  Promise.all(ids.map(async (id) => (await stack.db.select().from(webhookEvents).where(eq(webhookEvents.eventId, id)))[0]));

async function waitFor(check: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('Redis unreachable', () => {
  it('commits and acknowledges every event, then the relay enqueues them once a live Redis answers', async () => {
    const app = await stack.startReceiver({ env: { REDIS_URL: CLOSED_REDIS } });
    const envelopes = Array.from({ length: 6 }, (_, i) => makeEnvelope({ bundleId: `bun_relay_${i % 3}` }));
    const ids = envelopes.map((envelope) => envelope.id as string);
    try {
      const started = Date.now();
      const statuses = await Promise.all(envelopes.map(async (envelope) => (await deliver(app.url, envelope)).status));
      expect(statuses).toEqual(Array(6).fill(200));
      expect(Date.now() - started).toBeLessThan(3_000); // no hanging on the dead connection

      const committed = await rowsOf(ids);
      for (const row of committed) expect(row).toMatchObject({ status: 'received', enqueuedAt: null });
      expect(await metricValue(app.metrics, 'tokportal_sync_enqueue_failures_total')).toBeGreaterThan(0);

      const ready = await fetch(`${app.url}/readyz`);
      expect(ready.status).toBe(503);
      const body = (await ready.json()) as { checks: { postgres: { ok: boolean }; redis: { ok: boolean } } };
      expect(body.checks.postgres.ok).toBe(true);
      expect(body.checks.redis.ok).toBe(false);

      // The relay on the dead connection backs off instead of losing anything.
      const stuck = new Relay({ db: stack.db, queue: app.queue, redis: app.redis, logger: silentLogger, graceMs: 0 });
      await expect(stuck.runOnce()).rejects.toBeInstanceOf(RedisNotReadyError);
    } finally {
      await app.close();
    }

    // Redis is back (a live connection): the relay loop enqueues what was committed.
    const redis = createRedis(TEST_REDIS_URL, 'producer');
    const queue = createSyncQueue(redis, prefix);
    const relay = new Relay({ db: stack.db, queue, redis, logger: silentLogger, graceMs: 0, intervalMs: 50 });
    try {
      relay.start();
      await waitFor(async () => (await rowsOf(ids)).every((row) => row?.enqueuedAt instanceof Date));
      expect(relay.relayed).toBe(6);
      for (const row of await rowsOf(ids)) expect(row?.status).toBe('enqueued');
      const bundleIds = (await pendingSyncJobs(queue)).map((job) => (job.data as { bundleId: string }).bundleId).sort();
      expect(bundleIds).toEqual(['bun_relay_0', 'bun_relay_1', 'bun_relay_2']);
    } finally {
      await relay.stop();
      await queue.close();
      redis.disconnect();
    }
  });
});

/** A loopback TCP proxy to the shared Redis that can stop forwarding: a Redis that hangs, connection still up. */
async function freezableRedisProxy(): Promise<{ url: string; freeze(): void; close(): Promise<void> }> {
  const target = new URL(TEST_REDIS_URL);
  let frozen = false;
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const upstream = connect(Number(target.port || 6379), target.hostname);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('error', () => {});
      socket.on('close', () => sockets.delete(socket));
    }
    client.on('data', (chunk) => {
      if (!frozen) upstream.write(chunk);
    });
    upstream.on('data', (chunk) => {
      if (!frozen) client.write(chunk);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `redis://127.0.0.1:${port}${target.pathname}`,
    freeze: () => {
      frozen = true;
    },
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

describe('Redis hangs during the enqueue', () => {
  it('answers 200 and hands the events (inserted already marked enqueued) back to the relay', async () => {
    const own = await stack.fork('stall');
    const proxy = await freezableRedisProxy();
    const app = await own.startReceiver({ env: { REDIS_URL: proxy.url }, writer: { enqueueTimeoutMs: 300 } });
    const envelopes = Array.from({ length: 4 }, (_, i) => makeEnvelope({ bundleId: `bun_stall_${i % 2}` }));
    const ids = envelopes.map((envelope) => envelope.id as string);
    try {
      await app.queue.waitUntilReady();
      expect(app.redis.status).toBe('ready');
      proxy.freeze(); // still "ready" to ioredis: the rows are inserted marked, then the enqueue times out
      const statuses = await Promise.all(envelopes.map(async (envelope) => (await deliver(app.url, envelope)).status));
      expect(statuses).toEqual(Array(4).fill(200));
      for (const row of await rowsOf(ids)) expect(row).toMatchObject({ status: 'received', enqueuedAt: null });
      expect(await metricValue(app.metrics, 'tokportal_sync_enqueue_failures_total')).toBeGreaterThan(0);
    } finally {
      app.redis.disconnect();
      await app.close();
      await proxy.close();
      await deleteRedisPrefix(own.prefix);
      // Left `received`, they would be relayed by the next test's relays, which count what they enqueue.
      await stack.db.delete(webhookEvents).where(inArray(webhookEvents.eventId, ids));
    }
  });
});

describe('a Redis that lost its jobs', () => {
  it('enqueues again the events whose job vanished, but not those whose job ran and failed', async () => {
    const own = await stack.fork('lostjobs');
    const ownPrefix = own.prefix;
    const app = await own.startReceiver();
    const lost = makeEnvelope({ bundleId: 'bun_lost_job' });
    const failed = makeEnvelope({ bundleId: 'bun_failed_job' });
    const ids = [lost.id as string, failed.id as string];
    try {
      for (const envelope of [lost, failed]) expect((await deliver(app.url, envelope)).status).toBe(200);
      await waitFor(async () => (await rowsOf(ids)).every((row) => row?.status === 'enqueued'));
    } finally {
      await app.close();
    }
    // Redis restarts empty: every job is gone. One of the two had been tried and failed.
    await deleteRedisPrefix(ownPrefix);
    await stack.db
      .update(webhookEvents)
      .set({ lastError: 'HTTP 500 from TokPortal' })
      .where(eq(webhookEvents.eventId, failed.id as string));

    const redis = createRedis(TEST_REDIS_URL, 'producer');
    const queue = createSyncQueue(redis, ownPrefix);
    try {
      await queue.waitUntilReady();
      const patient = new Relay({ db: stack.db, queue, redis, logger: silentLogger, graceMs: 0 });
      expect(await patient.runOnce()).toBe(0); // not overdue yet under the default 10 min
      const relay = new Relay({ db: stack.db, queue, redis, logger: silentLogger, graceMs: 0, requeueAfterMs: 0 });
      // (The file's other tests left enqueued events in this database too; they count alike.)
      expect(await relay.runOnce()).toBeGreaterThanOrEqual(1);
      const bundleIds = (await pendingSyncJobs(queue)).map((job) => (job.data as { bundleId: string }).bundleId);
      expect(bundleIds).toContain('bun_lost_job');
      expect(bundleIds).not.toContain('bun_failed_job');
      const [lostRow] = await rowsOf([lost.id as string]);
      expect(lostRow!.enqueuedAt!.getTime()).toBeGreaterThan(Date.now() - 5_000); // the overdue clock restarted
    } finally {
      await queue.close();
      redis.disconnect();
      await deleteRedisPrefix(ownPrefix);
    }
  });
});
