// The API's edge over HTTP: the token bucket's headers and 429s, and the injected faults:
// latency, 5xx answers, dropped connections, a burst of 429s. Stats count all of it.
// (The bucket alone, on a fake clock: rate-limit.test.ts.)
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestFake, type FakeTokPortal } from '../support/fake.js';
import { call } from './helpers.js';

describe('over HTTP', () => {
  let fake: FakeTokPortal;
  beforeAll(async () => {
    fake = await startTestFake({ bundles: 5, seed: 'limits', rateLimitPerMin: 3 });
  });
  afterAll(() => fake.close());

  it('sends rate-limit headers, then 429 RATE_LIMIT_EXCEEDED with Retry-After; /_fake is never limited', async () => {
    fake.resetStats();
    const answers = [];
    for (let i = 0; i < 4; i++) answers.push(await call(fake, 'GET', '/bundles'));
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 429]);
    expect(answers.map((a) => a.headers.get('x-ratelimit-remaining'))).toEqual(['2', '1', '0', '0']);
    expect(answers[0]!.headers.get('x-ratelimit-limit')).toBe('3');
    const reset = Number(answers[3]!.headers.get('x-ratelimit-reset'));
    expect(reset).toBeGreaterThan(Date.now() / 1000);
    expect(reset).toBeLessThanOrEqual(Math.ceil(Date.now() / 1000) + 60);
    const limited = answers[3]!;
    expect(limited.headers.get('retry-after')).toBe('20');
    expect(limited.body.error).toEqual({ code: 'RATE_LIMIT_EXCEEDED', message: expect.any(String), details: { retry_after_seconds: 20 } });
    expect(limited.headers.get('x-tokportal-request-id')).toMatch(/^req_/);
    expect((await call(fake, 'GET', '/_fake/stats')).status).toBe(200);
    expect(fake.stats()).toMatchObject({ requests: { 'GET /bundles 200': 3, 'GET /bundles 429': 1 }, requestsTotal: 4, rateLimited: 1 });

    const raised = await call(fake, 'PUT', '/_fake/rate-limit', { body: { per_minute: 0 } });
    expect(raised.body.data).toEqual({ per_minute: 0 });
    const free = await call(fake, 'GET', '/bundles');
    expect(free.status).toBe(200);
    expect(free.headers.get('x-ratelimit-limit')).toBeNull();
  });

  it('answers a burst of 429s while rateLimitBurst is on', async () => {
    fake.setRateLimit(0);
    await call(fake, 'PUT', '/_fake/faults', { body: { rateLimitBurst: true } });
    const [id] = fake.listBundleIds();
    const limited = await call(fake, 'GET', `/bundles/${id}`);
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('1');
    fake.setFaults({ rateLimitBurst: false });
    expect((await call(fake, 'GET', `/bundles/${id}`)).status).toBe(200);
  });

  it('injects 5xx answers with an error envelope, and counts them by route', async () => {
    fake.setRateLimit(0);
    fake.resetStats();
    fake.setFaults({ errorRate: 1 });
    const [id] = fake.listBundleIds();
    const statuses = new Set<number>();
    for (let i = 0; i < 30; i++) {
      const answer = await call(fake, 'GET', `/bundles/${id}`);
      statuses.add(answer.status);
      expect(answer.body.error.code).toMatch(/^(INTERNAL_ERROR|BAD_GATEWAY|SERVICE_UNAVAILABLE)$/);
    }
    expect([...statuses].sort()).toEqual([500, 502, 503]);
    fake.setFaults({ errorRate: 0 });
    const counted = Object.entries(fake.stats().requests).filter(([key]) => key.startsWith('GET /bundles/:id 50'));
    expect(counted.reduce((sum, [, n]) => sum + n, 0)).toBe(30);
  });

  it('drops connections without an HTTP answer', async () => {
    fake.resetStats();
    fake.setFaults({ resetRate: 1 });
    await expect(fetch(`${fake.baseUrl}/bundles`, { headers: { 'X-API-Key': fake.apiKey } })).rejects.toThrow();
    fake.setFaults({ resetRate: 0 });
    expect(fake.stats().requests).toEqual({ 'GET /bundles RESET': 1 });
    expect((await call(fake, 'GET', '/bundles')).status).toBe(200);
  });

  it('adds latency to API calls but not to control routes', async () => {
    await call(fake, 'PUT', '/_fake/faults', { body: { latencyMs: 120 } });
    let started = Date.now();
    await call(fake, 'GET', '/bundles');
    expect(Date.now() - started).toBeGreaterThanOrEqual(115);
    started = Date.now();
    await call(fake, 'GET', '/_fake/stats');
    expect(Date.now() - started).toBeLessThan(100);
    fake.setFaults({ latencyMs: 0 });
  });

  it('validates control bodies', async () => {
    expect((await call(fake, 'PUT', '/_fake/faults', { body: { errorRate: 2 } })).status).toBe(400);
    expect((await call(fake, 'PUT', '/_fake/rate-limit', { body: { per_minute: -1 } })).status).toBe(400);
    expect((await call(fake, 'PUT', '/_fake/delivery', { body: { maxAttempts: 0 } })).status).toBe(400);
    const delivery = await call(fake, 'PUT', '/_fake/delivery', { body: { duplicateRate: 0.5 } });
    expect(delivery.body.data).toMatchObject({ duplicateRate: 0.5, maxAttempts: 5 });
    const endpoint = await call(fake, 'POST', '/_fake/webhook-endpoints', { body: { url: 'http://127.0.0.1:9/x', secret: 'whsec_x' } });
    expect(endpoint.status).toBe(201);
    expect(endpoint.body.data).not.toHaveProperty('signing_secret');
    const reset = await call(fake, 'POST', '/_fake/stats/reset');
    expect(reset.body.data).toMatchObject({ requests: {}, requestsTotal: 0, rateLimited: 0 });
  });
});
