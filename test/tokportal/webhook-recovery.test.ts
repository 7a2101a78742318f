// Recovering the deliveries that failed during an outage: the plan and the pacing on their own,
// then recoverFailedDeliveries against the fake's delivery log over real HTTP, with a real
// receiver socket on loopback.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startFakeTokPortal, type FakeTokPortal } from '../../fake-tokportal/index.js';
import { TokPortalClient } from '../../src/tokportal/client.js';
import { KNOWN_EVENT_TYPES, WEBHOOK_HEADERS } from '../../src/tokportal/schemas.js';
import { Pacer, planRetries, recoverFailedDeliveries } from '../../src/tokportal/webhook-recovery.js';
import type { WebhookDelivery } from '../../src/tokportal/webhook-endpoints.js';
import { startWebhookSink, type SinkDelivery, type WebhookSink } from '../support/webhook-sink.js';

const delivery = (id: string, eventId: string | null, createdAt: string | null): WebhookDelivery => ({
  id,
  event_id: eventId,
  event_type: 'account.remade',
  success: false,
  status_code: 500,
  attempt: 1,
  error: null,
  created_at: createdAt,
});

describe('planRetries', () => {
  it('keeps the newest failed delivery of each event and counts the others as duplicates', () => {
    const plan = planRetries([
      delivery('d1', 'evt_a', '2026-03-01T10:00:00Z'),
      delivery('d2', 'evt_b', '2026-03-01T10:01:00Z'),
      delivery('d3', 'evt_a', '2026-03-01T10:05:00Z'),
      delivery('d4', 'evt_a', '2026-03-01T10:02:00Z'),
    ]);
    expect(plan.toRetry.map((d) => d.id)).toEqual(['d3', 'd2']);
    expect(plan.duplicates.map((d) => d.id).sort()).toEqual(['d1', 'd4']);
  });

  it('retries deliveries without an event id one by one', () => {
    const plan = planRetries([delivery('d1', null, null), delivery('d2', null, null)]);
    expect(plan.toRetry.map((d) => d.id)).toEqual(['d1', 'd2']);
  });

  it('drops deliveries older than `since` even when the server ignored the filter', () => {
    const plan = planRetries(
      [delivery('old', 'evt_a', '2026-03-01T09:59:59Z'), delivery('new', 'evt_b', '2026-03-01T10:00:00Z')],
      new Date('2026-03-01T10:00:00Z'),
    );
    expect(plan.toRetry.map((d) => d.id)).toEqual(['new']);
  });
});

describe('Pacer', () => {
  it('spaces calls at 60000/perMin on a virtual clock, the first one immediate', async () => {
    let now = 0;
    const sleeps: number[] = [];
    const pacer = new Pacer(
      120,
      async (ms) => {
        sleeps.push(ms);
        now += ms;
      },
      () => now,
    );
    const startedAt: number[] = [];
    for (let i = 0; i < 4; i++) {
      await pacer.wait();
      startedAt.push(now);
    }
    expect(startedAt).toEqual([0, 500, 1000, 1500]);
    expect(sleeps).toEqual([500, 500, 500]);
  });

  it('does not sleep when the caller was already slower than the pace', async () => {
    let now = 0;
    const sleeps: number[] = [];
    const pacer = new Pacer(60, async (ms) => void sleeps.push(ms), () => now);
    await pacer.wait();
    now = 5_000;
    await pacer.wait();
    expect(sleeps).toEqual([]);
  });

  it('holds the next call for a pushed-back wait (429 Retry-After)', async () => {
    let now = 0;
    const pacer = new Pacer(
      600,
      async (ms) => {
        now += ms;
      },
      () => now,
    );
    await pacer.wait();
    pacer.pushBack(3_000);
    await pacer.wait();
    expect(now).toBe(3_000);
  });

  it('rejects a rate that is not positive', () => {
    expect(() => new Pacer(0)).toThrow(RangeError);
  });
});

describe('delivery log and re-sends', () => {
  let fake: FakeTokPortal;
  let client: TokPortalClient;
  let receiver: WebhookSink;
  let received: SinkDelivery[];
  let answerStatus = 200;
  let endpointId: string;
  const header = (delivery: SinkDelivery, name: string) => delivery.headers[name] as string | undefined;

  beforeAll(async () => {
    fake = await startFakeTokPortal({ bundles: 12, seed: 'webhooks-contract', rateLimitPerMin: 0, delivery: { maxAttempts: 1 } });
    client = new TokPortalClient({ baseUrl: fake.baseUrl, apiKey: fake.apiKey });
    receiver = await startWebhookSink((delivery) => {
      received.push(delivery);
      return answerStatus;
    });
    endpointId = (await client.webhooks.create({ url: receiver.url, events: [...KNOWN_EVENT_TYPES] })).id;
  });

  afterAll(async () => {
    await fake?.close();
    await receiver?.close();
  });

  beforeEach(() => {
    received = [];
    answerStatus = 200;
  });

  it('recoverFailedDeliveries re-sends every failed event once, paced at the given rate', async () => {
    answerStatus = 503;
    for (const id of fake.listBundleIds().slice(1, 4)) await fake.remake(id);
    await fake.flushWebhooks();
    const failedEvents = new Set(received.map((delivery) => header(delivery, WEBHOOK_HEADERS.eventId)));
    const pending = await client.webhooks.listDeliveries(endpointId, { success: false });
    expect(pending.data.length).toBeGreaterThanOrEqual(failedEvents.size);

    answerStatus = 200;
    received = [];
    const ratePerMin = 600; // one call per 100 ms
    const summary = await recoverFailedDeliveries(client, { endpointId, ratePerMin });
    const resent = received.map((delivery) => header(delivery, WEBHOOK_HEADERS.eventId));
    expect(new Set(resent).size).toBe(resent.length);
    expect(summary).toMatchObject({ events: pending.data.length, retried: pending.data.length, retryCallsFailed: 0, deliveredAgainFailed: 0 });
    expect(summary.apiCalls).toBe(1 + pending.data.length);
    // n calls evenly spaced take at least (n - 1) intervals.
    expect(summary.durationMs).toBeGreaterThanOrEqual((summary.apiCalls - 1) * (60_000 / ratePerMin) - 5);
    expect((await client.webhooks.listDeliveries(endpointId, { success: false })).data).toEqual([]);
  });

  it('recoverFailedDeliveries waits out a 429 burst and carries on', async () => {
    answerStatus = 500;
    await fake.remake(fake.listBundleIds()[5]!);
    await fake.flushWebhooks();
    answerStatus = 200;
    fake.setFaults({ rateLimitBurst: true });
    const lift = setTimeout(() => fake.setFaults({ rateLimitBurst: false }), 300);
    try {
      const summary = await recoverFailedDeliveries(client, { endpointId, ratePerMin: 6_000 });
      expect(summary.rateLimitedWaits).toBeGreaterThanOrEqual(1);
      expect(summary.retried).toBeGreaterThan(0);
      expect(summary.durationMs).toBeGreaterThanOrEqual(900); // Retry-After: 1
    } finally {
      clearTimeout(lift);
      fake.setFaults({ rateLimitBurst: false });
    }
  });
});
