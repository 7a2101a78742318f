// Signed webhook delivery to a real local receiver: headers, envelope, signature, retries,
// duplicates, drops, delays, reorder, manual flush. (The endpoint management API: webhook-routes.test.ts.)
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { verifySignature } from '../../src/tokportal/signature.js';
import { startTestFake, type FakeTokPortal } from '../support/fake.js';
import { WEBHOOK_SECRET, call, openedPerTest, startReceiver, waitFor } from './helpers.js';

const SECRET = WEBHOOK_SECRET;
const { cleanups, closeAll, setup } = openedPerTest();
afterEach(closeAll);

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
