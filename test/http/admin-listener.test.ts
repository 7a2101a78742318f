// The admin listener over HTTP: /metrics open on it, the queue dashboard behind ADMIN_TOKEN (its
// page loading nothing from the internet, with or without a trailing slash), health and
// readiness; and the public receiver port answering none of the operator routes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAdminListener, type AdminListener } from '../../src/http/admin-listener.js';
import { stripRemoteAssets } from '../../src/http/admin.js';
import { ADMIN_TOKEN, startStack, type Stack, type TestReceiver } from '../support/stack.js';
import { deliver, makeEnvelope } from '../support/webhooks.js';

let stack: Stack;
let receiver: TestReceiver;
let guarded: AdminListener;
let open: AdminListener;

beforeAll(async () => {
  // A receiver without relay: the inbox keeps what this file delivers, for the gauges.
  stack = await startStack({ label: 'admin', env: { ADMIN_TOKEN } });
  receiver = await stack.startReceiver({ relay: false });
  const parts = { metrics: receiver.metrics, queues: [receiver.queue], db: stack.db, redis: receiver.redis, port: 0, host: '127.0.0.1' };
  guarded = await startAdminListener({ ...parts, adminToken: ADMIN_TOKEN });
  open = await startAdminListener({ ...parts, adminToken: undefined });
});
afterAll(async () => {
  await guarded?.stop();
  await open?.stop();
  await stack?.close();
});

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

describe('the public receiver port', () => {
  it('answers only the webhook route, /healthz and /readyz: every operator route is a 404, token or not', async () => {
    expect((await fetch(`${receiver.url}/healthz`)).status).toBe(200);
    expect((await fetch(`${receiver.url}/readyz`)).status).toBe(200);
    expect((await deliver(receiver.url, makeEnvelope({ bundleId: 'bun_public' }))).status).toBe(200);
    for (const path of ['/metrics', '/admin/queues', '/admin/queues/', '/admin/queues/api/queues']) {
      expect((await fetch(`${receiver.url}${path}`)).status, path).toBe(404);
      expect((await fetch(`${receiver.url}${path}`, { headers: bearer(ADMIN_TOKEN) })).status, path).toBe(404);
    }
  });
});

describe('health and readiness on the admin listener', () => {
  it('answers /healthz and a /readyz that checks Postgres and Redis', async () => {
    const health = await fetch(`${guarded.url}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok' });

    const ready = await fetch(`${guarded.url}/readyz`);
    expect(ready.status).toBe(200);
    const body = (await ready.json()) as { status: string; checks: Record<string, { ok: boolean; latencyMs: number }> };
    expect(body.status).toBe('ready');
    expect(body.checks.postgres?.ok).toBe(true);
    expect(body.checks.redis?.ok).toBe(true);
    expect(typeof body.checks.redis?.latencyMs).toBe('number');
  });
});

describe('the queue dashboard', () => {
  it('does not exist without ADMIN_TOKEN (404, even with a token)', async () => {
    for (const path of ['/admin/queues', '/admin/queues/', '/admin/queues/api/queues']) {
      expect((await fetch(`${open.url}${path}`)).status, path).toBe(404);
      expect((await fetch(`${open.url}${path}`, { headers: bearer(ADMIN_TOKEN) })).status, path).toBe(404);
    }
  });

  it('refuses a missing or wrong token with 401 and a Basic challenge', async () => {
    for (const path of ['/admin/queues', '/admin/queues/', '/admin/queues/api/queues']) {
      const missing = await fetch(`${guarded.url}${path}`);
      expect(missing.status, path).toBe(401);
      expect(missing.headers.get('www-authenticate')).toMatch(/^Basic /);
      expect((await fetch(`${guarded.url}${path}`, { headers: bearer(`${ADMIN_TOKEN}x`) })).status, path).toBe(401);
      expect((await fetch(`${guarded.url}${path}`, { headers: bearer('short') })).status, path).toBe(401);
    }
  });

  it('serves the page with or without a trailing slash, and its API, as Bearer or as Basic password', async () => {
    for (const path of ['/admin/queues', '/admin/queues/']) {
      const page = await fetch(`${guarded.url}${path}`, { headers: bearer(ADMIN_TOKEN), redirect: 'manual' });
      expect(page.status, path).toBe(200);
      expect(page.headers.get('content-type')).toMatch(/text\/html/);
      const html = await page.text();
      expect(html).toContain('<base href="/admin/queues/"');
    }

    const basic = `Basic ${Buffer.from(`operator:${ADMIN_TOKEN}`).toString('base64')}`;
    const api = await fetch(`${guarded.url}/admin/queues/api/queues`, { headers: { authorization: basic } });
    expect(api.status).toBe(200);
    const queues = (await api.json()) as { queues: { name: string }[] };
    expect(queues.queues.map((queue) => queue.name)).toContain('tokportal-api');
  });

  it('loads nothing from the internet: every stylesheet and script of the page is served by the listener', async () => {
    const html = await (await fetch(`${guarded.url}/admin/queues`, { headers: bearer(ADMIN_TOKEN) })).text();
    expect(html).not.toMatch(/googleapis|gstatic/);
    const assets = [...html.matchAll(/<(?:link|script)\b[^>]*\b(?:href|src)="([^"]+)"/g)].map((match) => match[1]!);
    expect(assets.filter((url) => url.endsWith('.css'))).toHaveLength(1);
    expect(assets.filter((url) => url.endsWith('.js')).length).toBeGreaterThan(0);
    for (const asset of assets) {
      expect(asset, asset).not.toMatch(/^(https?:)?\/\//);
      const url = new URL(asset, `${guarded.url}/admin/queues/`);
      const response = await fetch(url, { headers: bearer(ADMIN_TOKEN) });
      expect(response.status, url.pathname).toBe(200);
      await response.arrayBuffer();
    }
  });

  it('strips remote stylesheets and scripts but keeps local ones', () => {
    const page = [
      '<link href="https://fonts.googleapis.com/css2?family=X" rel="stylesheet">',
      '<link href="static/css/main.css" rel="stylesheet">',
      "<script src='//cdn.example.com/x.js'></script>",
      '<script defer src="static/js/main.js"></script>',
    ].join('\n');
    expect(stripRemoteAssets(page)).toBe('<link href="static/css/main.css" rel="stylesheet">\n<script defer src="static/js/main.js"></script>');
  });
});

describe('metrics on the admin listener', () => {
  it('are served without a token, in Prometheus text, with the series this registry exposes', async () => {
    expect((await deliver(receiver.url, makeEnvelope({ bundleId: 'bun_metrics' }))).status).toBe(200);
    const response = await fetch(`${open.url}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
    const text = await response.text();
    for (const name of [
      'tokportal_sync_webhooks_received_total',
      'tokportal_sync_webhook_signature_failures_total',
      'tokportal_sync_api_requests_total',
      'tokportal_sync_api_rate_limited_total',
      'tokportal_sync_api_rate_limit_remaining',
      'tokportal_sync_api_rate_limit_per_minute',
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
    expect(text).toContain('tokportal_sync_webhooks_received_total{type="account.in_review",outcome="accepted"} 2');
    expect(text).toMatch(/tokportal_sync_queue_jobs\{queue="tokportal-api",state="prioritized"\} 2/);
    expect(text).toMatch(/tokportal_sync_inbox_unprocessed_events 2/);
  });
});
