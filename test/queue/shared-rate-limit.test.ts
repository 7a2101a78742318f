// The one shared API rate limit: `webhooks recover` (the real CLI, in a child process) beside a
// busy worker (the production worker, BullMQ's limiter) on the same queue prefix. Together they
// stay under TOKPORTAL_RATE_LIMIT_PER_MIN and the API answers no 429, though the fake TokPortal's
// bucket is nearly empty when they start: two limiters side by side would spend twice the budget
// and meet 429s within seconds. Plus the limit's own rules, on a real Redis.
import { execFile } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeTokPortal, type FakeTokPortal } from '../../fake-tokportal/index.js';
import { createRedis } from '../../src/queue/redis.js';
import { SharedRateLimit, evenLimiter } from '../../src/queue/shared-rate-limit.js';
import { enqueueBundleSyncs } from '../../src/queue/sync-queue.js';
import { TokPortalClient } from '../../src/tokportal/client.js';
import { TEST_REDIS_URL, deleteRedisPrefix, uniquePrefix } from '../support/redis.js';
import { startStack, type Stack } from '../support/stack.js';
import { waitFor } from '../support/wait.js';

const BIN = fileURLToPath(new URL('../../bin/tokportal-sync.js', import.meta.url));
const LIMIT_PER_MIN = 120; // the real default: one call every 500 ms, workers and CLI together

describe('SharedRateLimit on Redis', () => {
  const prefix = uniquePrefix('sharedlimit');
  const redis = createRedis(TEST_REDIS_URL, 'worker');
  afterAll(async () => {
    redis.disconnect();
    await deleteRedisPrefix(prefix);
  });

  it('hands out at most max slots per window, and the counter is the one BullMQ reads', async () => {
    const key = `${prefix}:a:limiter`;
    const limit = new SharedRateLimit(redis, key, 600); // max 1 per 100 ms
    expect({ max: limit.max, duration: limit.windowMs }).toEqual(evenLimiter(600));
    const started = performance.now();
    for (let i = 0; i < 6; i++) await limit.wait();
    // Six slots, one per 100 ms window: at least five windows went by.
    expect(performance.now() - started).toBeGreaterThanOrEqual(490);
    expect(Number(await redis.get(key))).toBe(1);
    expect(await redis.pttl(key)).toBeGreaterThan(0);
  });

  it('a pause (429) holds every caller and is never shortened by a shorter one', async () => {
    const key = `${prefix}:b:limiter`;
    const limit = new SharedRateLimit(redis, key, 6_000);
    await limit.pushBack(800);
    await limit.pushBack(50);
    expect(await redis.pttl(key)).toBeGreaterThan(500);
    const started = performance.now();
    await limit.wait();
    expect(performance.now() - started).toBeGreaterThanOrEqual(600);
  });
});

describe('webhooks recover beside a busy worker', () => {
  let fake: FakeTokPortal;
  let stack: Stack;
  let sink: Server;
  let endpointId = '';

  beforeAll(async () => {
    fake = await startFakeTokPortal({ bundles: 120, seed: 'shared-limit', rateLimitPerMin: 0, delivery: { maxAttempts: 1 } });
    // The production worker at the real limit, on a database and queue prefix of this file's own.
    stack = await startStack({ label: 'sharedlimit', fake, rateLimitPerMin: LIMIT_PER_MIN, concurrency: 4 });
    // Failed deliveries to recover: the endpoint answers 500 while the events go out.
    let answer = 500;
    sink = createServer((request, response) => {
      request.resume();
      response.writeHead(answer).end();
    });
    await new Promise<void>((resolve) => sink.listen(0, '127.0.0.1', () => resolve()));
    const url = `http://127.0.0.1:${(sink.address() as AddressInfo).port}/webhooks/tokportal`;
    const client = new TokPortalClient({ baseUrl: fake.baseUrl, apiKey: fake.apiKey });
    endpointId = (await client.webhooks.create({ url, events: ['bundle.published'] })).id;
    for (const id of fake.listBundleIds().slice(0, 12)) await fake.patch(id, { title: `lost ${id}`, events: ['bundle.published'] });
    await fake.flushWebhooks();
    answer = 200;
  }, 60_000);
  afterAll(async () => {
    await stack?.close();
    await fake?.close();
    await new Promise<void>((resolve) => (sink ? sink.close(() => resolve()) : resolve()));
  });

  it('together they stay under the limit, with no 429', async () => {
    // The fake's bucket (as large as a minute's budget) almost empty: from here on it refills at
    // exactly the limit, so any overspend meets 429s within seconds.
    fake.setRateLimit(LIMIT_PER_MIN);
    const drainer = new TokPortalClient({ baseUrl: fake.baseUrl, apiKey: fake.apiKey });
    for (let tokens = LIMIT_PER_MIN; tokens > 4; tokens--) await drainer.listBundles({ per_page: 1 }).catch(() => {});
    fake.resetStats();

    // A busy worker: more bundle syncs than it can fetch during the test, at the shared limit.
    await stack.startWorker();
    await enqueueBundleSyncs(
      stack.queue,
      fake.listBundleIds().map((bundleId) => ({ bundleId, reason: 'backfill' as const, sourceRef: 'test' })),
    );
    await waitFor(() => fake.stats().requestsTotal >= 2, { what: 'the worker to start calling' });

    const started = performance.now();
    const callsBefore = fake.stats().requestsTotal;
    const run = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile(
        process.execPath,
        [BIN, 'webhooks', 'recover', endpointId],
        {
          env: {
            ...process.env,
            ENV_FILE: '',
            TOKPORTAL_API_KEY: fake.apiKey,
            TOKPORTAL_BASE_URL: fake.baseUrl,
            TOKPORTAL_RATE_LIMIT_PER_MIN: String(LIMIT_PER_MIN),
            REDIS_URL: TEST_REDIS_URL,
            QUEUE_PREFIX: stack.prefix,
            LOG_LEVEL: 'silent',
          },
          timeout: 60_000,
        },
        (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
      );
    });
    const seconds = (performance.now() - started) / 1000;
    const calls = fake.stats().requestsTotal - callsBefore;

    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('Re-sent: 12, retry calls failed: 0');
    expect(run.stdout).toMatch(/429 waits: 0/);
    const rateLimited = Object.entries(fake.stats().requests).filter(([route]) => route.endsWith(' 429'));
    expect(rateLimited).toEqual([]);
    // Worker and recovery together: at most the budget over the run (a slot per 500 ms, plus the
    // one in flight when the measurement began), the worker kept busy all along.
    const allowed = (seconds * LIMIT_PER_MIN) / 60 + 2;
    expect(calls).toBeLessThanOrEqual(allowed);
    const recoverCalls = 13; // one page of failed deliveries + 12 retries
    // The worker got calls too (how many depends on how much CPU a loaded machine gives it).
    expect(calls - recoverCalls).toBeGreaterThan(0);
    // Sharing the budget with the worker, the recovery took longer than its 13 calls alone would.
    expect(seconds).toBeGreaterThan((recoverCalls * 60) / LIMIT_PER_MIN);
  }, 90_000);
});
