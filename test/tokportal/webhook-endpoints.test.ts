// Contract tests of the webhook endpoint management API against the fake over real HTTP,
// with a real receiver socket on loopback: signatures checked on the exact bytes received.
// (Re-sending a whole outage's failures, built on this API: webhook-recovery.test.ts.)
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startFakeTokPortal, type FakeTokPortal } from '../../fake-tokportal/index.js';
import { TokPortalClient } from '../../src/tokportal/client.js';
import { KNOWN_EVENT_TYPES, webhookEnvelopeSchema, WEBHOOK_HEADERS } from '../../src/tokportal/schemas.js';
import { verifySignature } from '../../src/tokportal/signature.js';
import { apiFailure } from '../support/api-failure.js';
import { startWebhookSink, type SinkDelivery, type WebhookSink } from '../support/webhook-sink.js';

type Received = SinkDelivery;

let fake: FakeTokPortal;
let client: TokPortalClient;
let receiver: WebhookSink;
let receiverUrl: string;
let received: Received[];
let answerStatus = 200;

beforeAll(async () => {
  fake = await startFakeTokPortal({ bundles: 12, seed: 'webhooks-contract', rateLimitPerMin: 0, delivery: { maxAttempts: 1 } });
  client = new TokPortalClient({ baseUrl: fake.baseUrl, apiKey: fake.apiKey });
  receiver = await startWebhookSink((delivery) => {
    received.push(delivery);
    return answerStatus;
  });
  receiverUrl = receiver.url;
});

afterAll(async () => {
  await fake?.close();
  await receiver?.close();
});

beforeEach(() => {
  received = [];
  answerStatus = 200;
});

const header = (delivery: Received, name: string) => delivery.headers[name] as string | undefined;

describe('endpoint management', () => {
  it('lists every event type TokPortal emits in its catalog', async () => {
    const catalog = await client.webhooks.listEventTypes();
    expect(catalog.events.map((entry) => entry.type)).toEqual(expect.arrayContaining([...KNOWN_EVENT_TYPES]));
  });

  it('creates (secret shown once), gets, lists, updates and deletes an endpoint', async () => {
    const created = await client.webhooks.create({ url: receiverUrl, events: ['account.remade'], description: 'crud' });
    expect(created.signing_secret.length).toBeGreaterThan(16);
    expect(created).toMatchObject({ url: receiverUrl, events: ['account.remade'], description: 'crud', enabled: true });

    const fetched = await client.webhooks.get(created.id);
    expect(fetched).toMatchObject({ id: created.id, url: receiverUrl });
    expect(fetched).not.toHaveProperty('signing_secret');
    expect((await client.webhooks.list()).map((endpoint) => endpoint.id)).toContain(created.id);

    const updated = await client.webhooks.update(created.id, { enabled: false, description: null, events: ['bundle.created'] });
    expect(updated).toMatchObject({ enabled: false, description: null, events: ['bundle.created'] });

    await client.webhooks.delete(created.id);
    const gone = await apiFailure(client.webhooks.get(created.id));
    expect(gone).toMatchObject({ status: 404, retryable: false });
  });

  it('400 VALIDATION_ERROR for an endpoint without events', async () => {
    expect(await apiFailure(client.webhooks.create({ url: receiverUrl, events: [] }))).toMatchObject({
      status: 400,
      code: 'VALIDATION_ERROR',
    });
  });
});

describe('signature round trip on a real delivery', () => {
  let secret: string;
  let endpointId: string;
  let delivery: Received;

  beforeAll(async () => {
    const created = await client.webhooks.create({ url: receiverUrl, events: ['webhook.test'] });
    secret = created.signing_secret;
    endpointId = created.id;
  });

  it('test() delivers a signed webhook.test that verifies on the raw bytes', async () => {
    const answer = await client.webhooks.test(endpointId);
    expect(received).toHaveLength(1);
    delivery = received[0]!;
    expect(header(delivery, WEBHOOK_HEADERS.eventType)).toBe('webhook.test');
    const envelope = webhookEnvelopeSchema.parse(JSON.parse(delivery.raw.toString('utf8')));
    expect(envelope.id).toBe(header(delivery, WEBHOOK_HEADERS.eventId));
    expect(answer['event_id']).toBe(envelope.id);
    expect(answer['success']).toBe(true);
    const check = verifySignature({ header: header(delivery, WEBHOOK_HEADERS.signature), rawBody: delivery.raw, secrets: [secret] });
    expect(check).toMatchObject({ ok: true, secretIndex: 0 });
  });

  it('rejects a tampered body, a stale timestamp and a wrong secret; accepts a rotated secret list', () => {
    const signature = header(delivery, WEBHOOK_HEADERS.signature);
    const tampered = Buffer.from(delivery.raw.toString('utf8').replace('webhook.test', 'webhook.tesT'));
    expect(verifySignature({ header: signature, rawBody: tampered, secrets: [secret] })).toEqual({ ok: false, reason: 'mismatch' });
    const t = Number(/t=(\d+)/.exec(signature!)![1]);
    expect(verifySignature({ header: signature, rawBody: delivery.raw, secrets: [secret], nowSeconds: t + 301 })).toEqual({
      ok: false,
      reason: 'stale',
    });
    expect(verifySignature({ header: signature, rawBody: delivery.raw, secrets: ['whsec_wrong'] })).toEqual({
      ok: false,
      reason: 'mismatch',
    });
    expect(verifySignature({ header: signature, rawBody: delivery.raw, secrets: ['whsec_new', secret] })).toMatchObject({
      ok: true,
      secretIndex: 1,
    });
  });
});

describe('delivery log and re-sends', () => {
  let secret: string;
  let endpointId: string;

  beforeAll(async () => {
    const created = await client.webhooks.create({ url: receiverUrl, events: [...KNOWN_EVENT_TYPES] });
    secret = created.signing_secret;
    endpointId = created.id;
  });

  it('lists failed deliveries and re-sends one with the same event id and a fresh valid signature', async () => {
    answerStatus = 500;
    await fake.remake(fake.listBundleIds()[0]!);
    await fake.flushWebhooks();
    const failedIds = received.map((delivery) => header(delivery, WEBHOOK_HEADERS.eventId));
    expect(failedIds.length).toBeGreaterThan(0);

    const failed = await client.webhooks.listDeliveries(endpointId, { success: false });
    expect(failed.data.length).toBe(failedIds.length);
    expect(failed.data.every((delivery) => delivery.success === false && delivery.status_code === 500)).toBe(true);
    expect(failed.pagination).toMatchObject({ page: 1, total: failedIds.length });

    answerStatus = 200;
    received = [];
    const target = failed.data[0]!;
    const answer = await client.webhooks.retryDelivery(endpointId, target.id);
    expect(answer['success']).toBe(true);
    expect(received).toHaveLength(1);
    expect(header(received[0]!, WEBHOOK_HEADERS.eventId)).toBe(target.event_id);
    expect(verifySignature({ header: header(received[0]!, WEBHOOK_HEADERS.signature), rawBody: received[0]!.raw, secrets: [secret] }).ok).toBe(
      true,
    );
    const still = await client.webhooks.listDeliveries(endpointId, { success: false });
    expect(still.data.map((delivery) => delivery.id)).not.toContain(target.id);
    const future = await client.webhooks.listDeliveries(endpointId, { success: false, since: '2999-01-01T00:00:00Z' });
    expect(future.data).toEqual([]);
  });

  it('404 for a delivery id that does not exist', async () => {
    expect(await apiFailure(client.webhooks.retryDelivery(endpointId, 'dlv_nope'))).toMatchObject({ status: 404, retryable: false });
  });
});
