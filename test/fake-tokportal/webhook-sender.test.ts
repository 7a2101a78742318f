// Signed webhook delivery to a real local receiver: headers, envelope, signature, retries,
// duplicates, drops, delays, reorder, manual flush; and the endpoint management API.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { DEMO_API_KEY } from '../../fake-tokportal/index.js';
import { KNOWN_EVENT_TYPES } from '../../src/tokportal/schemas.js';
import { verifySignature } from '../../src/tokportal/signature.js';
import { startTestFake, type FakeTokPortal, type FakeTokPortalOptions } from '../support/fake.js';
import { call, startReceiver, waitFor } from './helpers.js';

const SECRET = 'whsec_webhook_tests';
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function setup(respond?: Parameters<typeof startReceiver>[0], options: FakeTokPortalOptions = {}) {
  const receiver = await startReceiver(respond);
  cleanups.push(receiver.close);
  const fake = await startTestFake({ ...options, webhookEndpoints: [{ url: receiver.url, secret: SECRET }] });
  cleanups.push(fake.close);
  return { receiver, fake };
}

const createBundle = async (fake: FakeTokPortal, externalRef?: string) =>
  (
    await call(fake, 'POST', '/bundles', {
      body: { bundle_type: 'account_only', platform: 'instagram', country: 'BR', external_ref: externalRef },
    })
  ).body.data;

describe('delivery', () => {
  it('posts the envelope with TokPortal headers and a signature the receiver verifies', async () => {
    const { receiver, fake } = await setup();
    const bundle = await createBundle(fake, 'hook-1');
    await fake.flushWebhooks();
    expect(receiver.received).toHaveLength(1);
    const [hook] = receiver.received;
    expect(hook!.headers['content-type']).toBe('application/json');
    expect(hook!.headers['tokportal-event-id']).toBe(hook!.body.id);
    expect(hook!.headers['tokportal-event-type']).toBe('bundle.created');
    expect(hook!.body).toEqual({
      id: expect.stringMatching(/^evt_/),
      type: 'bundle.created',
      api_version: '2026-05-25',
      created_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      data: expect.objectContaining({ bundle_id: bundle.id, external_ref: 'hook-1' }),
    });
    const check = verifySignature({ header: hook!.headers['tokportal-signature'] as string, rawBody: hook!.raw, secrets: [SECRET] });
    expect(check).toMatchObject({ ok: true });
    expect(verifySignature({ header: hook!.headers['tokportal-signature'] as string, rawBody: hook!.raw, secrets: ['whsec_other'] }).ok).toBe(false);
    expect(fake.stats()).toMatchObject({ webhooksSent: 1, webhooksFailed: 0, webhooksPending: 0 });
  });

  it('retries a failing receiver with backoff, same event id, fresh signature each time', async () => {
    const { receiver, fake } = await setup((_hook, index) => (index < 2 ? 503 : 200), { delivery: { retryBaseMs: 30 } });
    await fake.advance((await createBundle(fake)).id);
    await waitFor(() => receiver.received.length >= 4, 'retries of both events');
    await fake.flushWebhooks();
    const created = receiver.received.filter((hook) => hook.body.type === 'bundle.created');
    expect(created.length).toBeGreaterThanOrEqual(2);
    expect(new Set(created.map((hook) => hook.body.id)).size).toBe(1);
    for (const hook of receiver.received) {
      expect(verifySignature({ header: hook.headers['tokportal-signature'] as string, rawBody: hook.raw, secrets: [SECRET] }).ok).toBe(true);
    }
    expect(fake.stats()).toMatchObject({ webhooksSent: 2, webhooksFailed: 2, webhooksPending: 0 });
  });

  it('gives up after maxAttempts and lists the failure for a retry with the same event id', async () => {
    let healthy = false;
    const { receiver, fake } = await setup(() => (healthy ? 200 : 500), { delivery: { maxAttempts: 3, retryBaseMs: 5 } });
    await createBundle(fake);
    await waitFor(() => receiver.received.length === 3 && fake.stats().webhooksPending === 0, 'three attempts');
    const [endpoint] = (await call(fake, 'GET', '/webhooks')).body.data;
    const failures = await call(fake, 'GET', `/webhooks/${endpoint.id}/deliveries?success=false`);
    expect(failures.body.data).toEqual([
      expect.objectContaining({ event_type: 'bundle.created', success: false, status: 'failed', status_code: 500, attempts: 3 }),
    ]);
    healthy = true;
    const retried = await call(fake, 'POST', `/webhooks/${endpoint.id}/deliveries/${failures.body.data[0].id}/retry`);
    expect(retried.body.data).toMatchObject({ success: true, status_code: 200, attempts: 4 });
    expect(receiver.received.at(-1)!.body.id).toBe(failures.body.data[0].event_id);
    expect(receiver.received.at(-1)!.headers['tokportal-signature']).toBeDefined();
    expect((await call(fake, 'GET', `/webhooks/${endpoint.id}/deliveries?success=false`)).body.data).toEqual([]);
    expect((await call(fake, 'GET', `/webhooks/${endpoint.id}/deliveries?success=true`)).body.data).toHaveLength(1);
  });

  it('counts a refused connection and a receiver slower than the timeout as failed attempts', async () => {
    const silent = createServer(() => {
      // Never answers: the fake must give up after its timeout.
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    cleanups.push(
      () =>
        new Promise<void>((resolve) => {
          silent.close(() => resolve());
          silent.closeAllConnections();
        }),
    );
    const fake = await startTestFake({
      webhookEndpoints: [
        { url: 'http://127.0.0.1:9/refused', secret: SECRET },
        { url: `http://127.0.0.1:${(silent.address() as AddressInfo).port}/slow`, secret: SECRET },
      ],
      delivery: { maxAttempts: 1, timeoutMs: 150 },
    });
    cleanups.push(fake.close);
    await createBundle(fake);
    await fake.flushWebhooks();
    expect(fake.stats()).toMatchObject({ webhooksSent: 0, webhooksFailed: 2, webhooksPending: 0 });
    const endpoints = (await call(fake, 'GET', '/webhooks')).body.data;
    const errors = [];
    for (const endpoint of endpoints) {
      errors.push(...(await call(fake, 'GET', `/webhooks/${endpoint.id}/deliveries?success=false`)).body.data.map((d: any) => d.error));
    }
    expect(errors.sort()).toEqual(['connection failed', 'timeout']);
  });

  it('duplicates, drops (logged as failed), delays and holds deliveries as configured', async () => {
    const { receiver, fake } = await setup(undefined, { delivery: { duplicateRate: 1 } });
    await createBundle(fake);
    await fake.flushWebhooks();
    expect(receiver.received).toHaveLength(2);
    expect(receiver.received[0]!.body.id).toBe(receiver.received[1]!.body.id);

    fake.setDelivery({ duplicateRate: 0, dropRate: 1 });
    await createBundle(fake);
    await fake.flushWebhooks();
    expect(receiver.received).toHaveLength(2);
    const [endpoint] = (await call(fake, 'GET', '/webhooks')).body.data;
    const dropped = (await call(fake, 'GET', `/webhooks/${endpoint.id}/deliveries?success=false`)).body.data;
    expect(dropped).toEqual([expect.objectContaining({ success: false, status: 'failed', status_code: null })]);

    fake.setDelivery({ dropRate: 0, minDelayMs: 150, maxDelayMs: 200 });
    const started = Date.now();
    await createBundle(fake);
    expect(fake.stats().webhooksPending).toBe(1);
    await waitFor(() => receiver.received.length === 3, 'the delayed delivery');
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);

    fake.setDelivery({ minDelayMs: 0, maxDelayMs: 0, manual: true });
    await createBundle(fake);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(receiver.received).toHaveLength(3);
    expect(fake.stats().webhooksPending).toBe(1);
    await fake.flushWebhooks();
    expect(receiver.received).toHaveLength(4);
    expect(fake.stats().webhooksPending).toBe(0);
  });

  it('flush over HTTP sends delayed deliveries at once; reorder changes the arrival order', async () => {
    const { receiver, fake } = await setup(undefined, { delivery: { manual: true, reorder: true } });
    for (let i = 0; i < 30; i++) await createBundle(fake, `order-${String(i).padStart(2, '0')}`);
    fake.setDelivery({ concurrency: 1 });
    const flushed = await call(fake, 'POST', '/_fake/webhooks/flush');
    expect(flushed.body.data.webhooksPending).toBe(0);
    const refs = receiver.received.map((hook) => hook.body.data.external_ref);
    expect([...refs].sort()).toEqual(Array.from({ length: 30 }, (_, i) => `order-${String(i).padStart(2, '0')}`));
    expect(refs).not.toEqual([...refs].sort());
  });

  it('sends only subscribed event types to each endpoint, nothing to disabled ones', async () => {
    const { receiver, fake } = await setup();
    const other = await startReceiver();
    cleanups.push(other.close);
    fake.addWebhookEndpoint({ url: other.url, secret: 'whsec_other', events: ['account.configured'] });
    const created = await call(fake, 'POST', '/webhooks', { body: { url: other.url, events: ['bundle.created'], enabled: false } });
    expect(created.status).toBe(201);
    const bundle = await createBundle(fake);
    await fake.advance(bundle.id);
    await fake.flushWebhooks();
    expect(receiver.received.map((hook) => hook.body.type)).toEqual(['bundle.created', 'account.configured']);
    expect(other.received.map((hook) => hook.body.type)).toEqual(['account.configured']);
  });
});

describe('endpoint management API', () => {
  it('serves the event catalog', async () => {
    const { fake } = await setup();
    const catalog = await call(fake, 'GET', '/webhooks/events');
    expect(catalog.status).toBe(200);
    expect(catalog.body.data.events.map((event: any) => event.type)).toEqual([...KNOWN_EVENT_TYPES]);
  });

  it('creates (secret shown once), lists, reads, updates, tests and deletes endpoints', async () => {
    const { fake } = await setup();
    const target = await startReceiver();
    cleanups.push(target.close);
    const created = await call(fake, 'POST', '/webhooks', {
      body: { url: target.url, events: ['account.remade', 'bundle.created'], description: 'mirror' },
    });
    expect(created.status).toBe(201);
    const secret: string = created.body.data.signing_secret;
    expect(created.body.data).toMatchObject({ id: expect.stringMatching(/^wh_/), url: target.url, enabled: true, description: 'mirror' });
    expect(secret).toMatch(/^whsec_/);

    const read = await call(fake, 'GET', `/webhooks/${created.body.data.id}`);
    expect(read.body.data).not.toHaveProperty('signing_secret');
    const list = await call(fake, 'GET', '/webhooks');
    expect(list.body.data).toHaveLength(2);
    expect(JSON.stringify(list.body)).not.toContain(secret);

    const updated = await call(fake, 'PATCH', `/webhooks/${created.body.data.id}`, { body: { events: ['webhook.test'], description: null } });
    expect(updated.body.data).toMatchObject({ events: ['webhook.test'], description: null });

    const tested = await call(fake, 'POST', `/webhooks/${created.body.data.id}/test`);
    expect(tested.body.data).toMatchObject({ event_type: 'webhook.test', success: true, status_code: 200 });
    expect(target.received).toHaveLength(1);
    expect(target.received[0]!.body).toMatchObject({ type: 'webhook.test', data: { webhook_id: created.body.data.id } });
    expect(verifySignature({ header: target.received[0]!.headers['tokportal-signature'] as string, rawBody: target.received[0]!.raw, secrets: [secret] }).ok).toBe(true);

    const deliveries = await call(fake, 'GET', `/webhooks/${created.body.data.id}/deliveries?per_page=10`);
    expect(deliveries.body.pagination).toEqual({ page: 1, per_page: 10, total: 1, total_pages: 1 });
    expect(deliveries.body.data[0]).toMatchObject({ event_id: target.received[0]!.body.id, success: true, attempts: 1 });

    expect((await call(fake, 'DELETE', `/webhooks/${created.body.data.id}`)).status).toBe(200);
    expect((await call(fake, 'GET', `/webhooks/${created.body.data.id}`)).status).toBe(404);
  });

  it('validates input and hides other workspaces', async () => {
    const other = `sk_${'e'.repeat(64)}`;
    const receiver = await startReceiver();
    cleanups.push(receiver.close);
    const fake = await startTestFake({ apiKeys: [DEMO_API_KEY, other] });
    cleanups.push(fake.close);
    for (const body of [{ url: 'ftp://x', events: ['bundle.created'] }, { url: receiver.url, events: [] }, { url: receiver.url, events: ['nope.nope'] }]) {
      const answer = await call(fake, 'POST', '/webhooks', { body, apiKey: other });
      expect(answer.status, JSON.stringify(body)).toBe(400);
      expect(answer.body.error.code).toBe('VALIDATION_ERROR');
    }
    const mine = await call(fake, 'POST', '/webhooks', { body: { url: receiver.url, events: ['bundle.created'] }, apiKey: other });
    expect((await call(fake, 'GET', `/webhooks/${mine.body.data.id}`, { apiKey: other })).status).toBe(200);
    expect((await call(fake, 'GET', '/webhooks')).body.data).toEqual([]);
    expect((await call(fake, 'GET', `/webhooks/${mine.body.data.id}/deliveries?success=maybe`, { apiKey: other })).status).toBe(400);
    expect((await call(fake, 'POST', `/webhooks/${mine.body.data.id}/deliveries/dlv_nope/retry`, { apiKey: other })).status).toBe(404);
  });
});
