// /metrics and the queue dashboard over HTTP, with and without ADMIN_TOKEN.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, startStack, type Stack, type TestReceiver } from '../support/stack.js';
import { deliver, makeEnvelope } from '../support/webhooks.js';

let stack: Stack;
let guarded: TestReceiver;
let open: TestReceiver;

beforeAll(async () => {
  stack = await startStack({ label: 'admin' });
  guarded = await stack.startReceiver({ env: { ADMIN_TOKEN } });
  open = await stack.startReceiver();
});
afterAll(async () => {
  await stack?.close();
});

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

describe('admin guarding', () => {
  it('has no admin routes at all without ADMIN_TOKEN (404, even with a token)', async () => {
    for (const path of ['/metrics', '/admin/queues', '/admin/queues/api/queues']) {
      expect((await fetch(`${open.url}${path}`)).status, path).toBe(404);
      expect((await fetch(`${open.url}${path}`, { headers: bearer(ADMIN_TOKEN) })).status, path).toBe(404);
    }
  });

  it('refuses a missing or wrong token with 401 and a Basic challenge', async () => {
    for (const path of ['/metrics', '/admin/queues', '/admin/queues/api/queues']) {
      const missing = await fetch(`${guarded.url}${path}`);
      expect(missing.status, path).toBe(401);
      expect(missing.headers.get('www-authenticate')).toMatch(/^Basic /);
      expect((await fetch(`${guarded.url}${path}`, { headers: bearer(`${ADMIN_TOKEN}x`) })).status, path).toBe(401);
      expect((await fetch(`${guarded.url}${path}`, { headers: bearer('short') })).status, path).toBe(401);
    }
  });

  it('serves the dashboard and its API with the right token, as Bearer or as Basic password', async () => {
    const page = await fetch(`${guarded.url}/admin/queues`, { headers: bearer(ADMIN_TOKEN) });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    expect(await page.text()).toMatch(/bull/i);

    const basic = `Basic ${Buffer.from(`operator:${ADMIN_TOKEN}`).toString('base64')}`;
    const api = await fetch(`${guarded.url}/admin/queues/api/queues`, { headers: { authorization: basic } });
    expect(api.status).toBe(200);
    const queues = (await api.json()) as { queues: { name: string }[] };
    expect(queues.queues.map((queue) => queue.name)).toContain('tokportal-api');
  });
});

describe('metrics', () => {
  it('exposes the receiver-side metric names in Prometheus text with the right token', async () => {
    expect((await deliver(guarded.url, makeEnvelope({ bundleId: 'bun_metrics' }))).status).toBe(200);
    const response = await fetch(`${guarded.url}/metrics`, { headers: bearer(ADMIN_TOKEN) });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
    const text = await response.text();
    for (const name of [
      'tokportal_sync_webhooks_received_total',
      'tokportal_sync_webhook_signature_failures_total',
      'tokportal_sync_api_requests_total',
      'tokportal_sync_api_rate_limited_total',
      'tokportal_sync_api_rate_limit_remaining',
      'tokportal_sync_jobs_total',
      'tokportal_sync_sync_lag_seconds',
      'tokportal_sync_stale_observations_total',
      'tokportal_sync_remakes_seen_total',
      'tokportal_sync_inbox_unprocessed_events',
      'tokportal_sync_inbox_oldest_unprocessed_age_seconds',
      'tokportal_sync_queue_jobs',
    ]) {
      expect(text, name).toContain(`# TYPE ${name} `);
    }
    expect(text).toContain('tokportal_sync_webhooks_received_total{type="account.in_review",outcome="accepted"} 1');
    expect(text).toMatch(/tokportal_sync_queue_jobs\{queue="tokportal-api",state="prioritized"\} 1/);
    expect(text).toMatch(/tokportal_sync_inbox_unprocessed_events 1/);
  });
});
