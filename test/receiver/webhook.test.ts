// POST /webhooks/tokportal over real HTTP, real Postgres and real Redis: what every kind of
// delivery gets (status code, inbox row, job), as README's "HTTP endpoints (receiver)" table and
// docs/tokportal-api.md ("Webhooks") describe it: from hand-signed deliveries, from the fake
// TokPortal as a real sender, and with Postgres unreachable.
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundles, webhookEvents } from '../../src/db/schema.js';
import { signatureHeader } from '../../src/tokportal/signature.js';
import { syntheticEventId } from '../../src/receiver/parse-delivery.js';
import { startStack, type Stack, type TestReceiver } from '../support/stack.js';
import { metricValue, pendingSyncJobs } from '../support/wait.js';
import { OLD_SECRET, deliver, makeEnvelope } from '../support/webhooks.js';

const CLOSED_POSTGRES = 'postgres://postgres@127.0.0.1:1/nothing_here';

let stack: Stack;
let app: TestReceiver;

beforeAll(async () => {
  stack = await startStack({ label: 'webhook', receiver: true });
  app = stack.receiver;
});
afterAll(async () => {
  await stack?.close();
});

/** Reads a row once the writer's off-request bookkeeping (enqueue marks) has landed. */
const inboxRow = async (eventId: string) => {
  await app.receiver.writer.flush();
  return (await stack.db.select().from(webhookEvents).where(eq(webhookEvents.eventId, eventId)))[0];
};
const inboxCount = async () => (await stack.db.select({ id: webhookEvents.eventId }).from(webhookEvents)).length;
const jobsFor = async (bundleId: string) =>
  (await pendingSyncJobs(app.queue)).filter((job) => (job.data as { bundleId?: string }).bundleId === bundleId);

describe('signature', () => {
  it('refuses missing, malformed, stale and wrong signatures with 401, stores nothing, counts each reason', async () => {
    const before = await inboxCount();
    const envelope = makeEnvelope({ bundleId: 'bun_sig' });
    const raw = JSON.stringify(envelope);
    const cases: [string, Parameters<typeof deliver>[2]][] = [
      ['missing', { signature: null }],
      ['malformed', { signature: 't=abc,v1=zz' }],
      ['stale', { timestamp: Math.floor(Date.now() / 1000) - 301 }],
      ['mismatch', { secret: 'whsec_not_ours_at_all_0000000000' }],
      // Signed for other bytes: the signature covers the exact body.
      ['mismatch', { signature: signatureHeader(OLD_SECRET, `${raw} `) }],
    ];
    for (const [reason, options] of cases) {
      const response = await deliver(app.url, envelope, options);
      expect(response.status, reason).toBe(401);
      const body = (await response.json()) as { error: { code: string; message: string } };
      expect(body.error.code).toBe('INVALID_SIGNATURE');
      expect(body.error.message).toContain(reason);
    }
    expect(await inboxCount()).toBe(before);
    expect(await jobsFor('bun_sig')).toHaveLength(0);
    expect(await metricValue(app.metrics, 'tokportal_sync_webhook_signature_failures_total', { reason: 'mismatch' })).toBe(2);
    expect(await metricValue(app.metrics, 'tokportal_sync_webhook_signature_failures_total', { reason: 'stale' })).toBe(1);
    expect(
      await metricValue(app.metrics, 'tokportal_sync_webhooks_received_total', { type: 'unverified', outcome: 'unauthorized' }),
    ).toBe(5);
  });

  it('accepts a delivery signed with the previous secret during a rotation', async () => {
    const envelope = makeEnvelope({ bundleId: 'bun_rotated' });
    const response = await deliver(app.url, envelope, { secret: OLD_SECRET });
    expect(response.status).toBe(200);
    expect((await inboxRow(envelope.id as string))?.status).toBe('enqueued');
  });
});

describe('accepted events', () => {
  it('stores the event, enqueues one sync job for its bundle and answers 200 after the commit', async () => {
    const envelope = makeEnvelope({ type: 'account.remade', bundleId: 'bun_ok', data: { account_id: 'acc_1', extra: { nested: true } } });
    const response = await deliver(app.url, envelope);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ received: true, event_id: envelope.id, outcome: 'accepted' });

    const row = await inboxRow(envelope.id as string);
    expect(row).toMatchObject({ type: 'account.remade', bundleId: 'bun_ok', accountId: 'acc_1', status: 'enqueued', deliveries: 1 });
    expect(row?.enqueuedAt).toBeInstanceOf(Date);
    expect(row?.payload).toEqual(envelope); // the body as sent, unknown fields included
    const jobs = await jobsFor('bun_ok');
    expect(jobs).toHaveLength(1);
    expect(jobs[0]?.name).toBe('sync-bundle');
    expect(jobs[0]?.data).toEqual({ bundleId: 'bun_ok', reason: 'webhook', sourceRef: envelope.id });
  });

  it('acknowledges a duplicate event id once: one row with deliveries 2, no second job', async () => {
    const envelope = makeEnvelope({ bundleId: 'bun_dup' });
    const first = await deliver(app.url, envelope);
    const second = await deliver(app.url, envelope);
    expect(first.status).toBe(200);
    expect(second.status).toBe(200);
    expect(((await second.json()) as { outcome: string }).outcome).toBe('duplicate');
    expect((await inboxRow(envelope.id as string))?.deliveries).toBe(2);
    expect(await jobsFor('bun_dup')).toHaveLength(1);
  });

  it('coalesces different events of one bundle into the one waiting job', async () => {
    for (let i = 0; i < 3; i++) expect((await deliver(app.url, makeEnvelope({ bundleId: 'bun_many' }))).status).toBe(200);
    expect(await jobsFor('bun_many')).toHaveLength(1);
  });
});

describe('bad bodies with a valid signature', () => {
  it('stores malformed JSON as rejected with the raw body and answers 400', async () => {
    const raw = '{"id": "evt_broken", "type": ';
    const response = await deliver(app.url, raw, { eventId: 'evt_broken', eventType: 'account.remade' });
    expect(response.status).toBe(400);
    const row = await inboxRow('evt_broken');
    expect(row).toMatchObject({ status: 'rejected', rawBody: raw, type: 'account.remade', payload: null });
    expect(row?.statusReason).toMatch(/not valid JSON/);
  });

  it('rejects an envelope that fails the schema, naming the field', async () => {
    const response = await deliver(app.url, { id: 'evt_noschema', type: 'bundle.created', data: {} });
    expect(response.status).toBe(400);
    const row = await inboxRow('evt_noschema');
    expect(row?.status).toBe('rejected');
    expect(row?.statusReason).toMatch(/created_at/);
  });

  it('rejects a header event id that differs from the signed body id, stored under the header id', async () => {
    const envelope = makeEnvelope({ id: 'evt_body_id', bundleId: 'bun_mismatch' });
    const response = await deliver(app.url, envelope, { eventId: 'evt_header_id' });
    expect(response.status).toBe(400);
    expect((await inboxRow('evt_header_id'))?.statusReason).toMatch(/does not match body id/);
    expect(await inboxRow('evt_body_id')).toBeUndefined();
    expect(await jobsFor('bun_mismatch')).toHaveLength(0);
  });

  it('rejects a header event type that differs from the signed body type, like an id mismatch', async () => {
    const envelope = makeEnvelope({ type: 'account.remade', bundleId: 'bun_type_mismatch' });
    const response = await deliver(app.url, envelope, { eventType: 'bundle.created' });
    expect(response.status).toBe(400);
    const row = await inboxRow(envelope.id as string);
    expect(row).toMatchObject({ status: 'rejected', type: 'bundle.created' });
    expect(row?.statusReason).toMatch(/TokPortal-Event-Type header "bundle.created" does not match body type "account.remade"/);
    expect(await jobsFor('bun_type_mismatch')).toHaveLength(0);
  });

  it('replaces a rejected row when the same event id then arrives valid, and processes it', async () => {
    const envelope = makeEnvelope({ bundleId: 'bun_second_chance' });
    const id = envelope.id as string;
    const cut = JSON.stringify(envelope).slice(0, 30);
    expect((await deliver(app.url, cut, { eventId: id, eventType: envelope.type as string })).status).toBe(400);
    expect((await inboxRow(id))?.status).toBe('rejected');
    expect(await jobsFor('bun_second_chance')).toHaveLength(0);

    const valid = await deliver(app.url, envelope);
    expect(valid.status).toBe(200);
    expect(((await valid.json()) as { outcome: string }).outcome).toBe('accepted');
    const row = await inboxRow(id);
    expect(row).toMatchObject({ status: 'enqueued', bundleId: 'bun_second_chance', rawBody: null, deliveries: 2 });
    expect(row?.payload).toEqual(envelope);
    expect(await jobsFor('bun_second_chance')).toHaveLength(1);

    // Once usable, a later bad delivery of the id is only a duplicate: the good row stays.
    expect((await deliver(app.url, cut, { eventId: id, eventType: envelope.type as string })).status).toBe(400);
    expect((await inboxRow(id))).toMatchObject({ status: 'enqueued', deliveries: 3, rawBody: null });
  });

  it('replaces a row rejected for a header mismatch when the delivery comes again with matching headers', async () => {
    const envelope = makeEnvelope({ type: 'video.finalized', bundleId: 'bun_header_retry' });
    expect((await deliver(app.url, envelope, { eventType: 'video.in_review' })).status).toBe(400);
    expect((await inboxRow(envelope.id as string))?.status).toBe('rejected');
    const retry = await deliver(app.url, envelope);
    expect(((await retry.json()) as { outcome: string }).outcome).toBe('accepted');
    expect(await inboxRow(envelope.id as string)).toMatchObject({ status: 'enqueued', type: 'video.finalized' });
    expect(await jobsFor('bun_header_retry')).toHaveLength(1);
  });

  it('gives an unusable body without any id a synthetic id, the same for every retry', async () => {
    const raw = 'not json at all';
    expect((await deliver(app.url, raw)).status).toBe(400);
    expect((await deliver(app.url, raw)).status).toBe(400);
    const row = await inboxRow(syntheticEventId(new TextEncoder().encode(raw)));
    expect(row).toMatchObject({ status: 'rejected', type: 'unknown', deliveries: 2, rawBody: raw });
  });

  it('rejects a payload Postgres jsonb cannot hold (NUL) without failing the batch', async () => {
    const envelope = makeEnvelope({ bundleId: 'bun_nul', data: { note: 'a\u0000b' } });
    const response = await deliver(app.url, envelope);
    expect(response.status).toBe(400);
    expect((await inboxRow(envelope.id as string))?.statusReason).toMatch(/NUL/);
  });
});

describe('size limit', () => {
  it('answers 413 to a body over 1 MiB and stores nothing', async () => {
    const before = await inboxCount();
    const envelope = makeEnvelope({ bundleId: 'bun_big', data: { blob: 'x'.repeat(1024 * 1024) } });
    const response = await deliver(app.url, envelope);
    expect(response.status).toBe(413);
    expect(await inboxCount()).toBe(before);
    expect(await metricValue(app.metrics, 'tokportal_sync_webhooks_received_total', { outcome: 'too_large' })).toBe(1);
  });

  // No Content-Length: the limit is enforced while the body streams in, not from a header.
  const chunked = (text: string) =>
    new ReadableStream<Uint8Array>({
      start(controller) {
        const bytes = new TextEncoder().encode(text);
        for (let at = 0; at < bytes.length; at += 64 * 1024) controller.enqueue(bytes.subarray(at, at + 64 * 1024));
        controller.close();
      },
    });
  const postChunked = (text: string, headers: Record<string, string> = {}) =>
    fetch(`${app.url}/webhooks/tokportal`, { method: 'POST', headers, body: chunked(text), duplex: 'half' } as RequestInit);

  it('answers 413 to a chunked body over 1 MiB and stores nothing', async () => {
    const before = await inboxCount();
    const response = await postChunked(JSON.stringify(makeEnvelope({ bundleId: 'bun_big_chunked', data: { blob: 'x'.repeat(1024 * 1024) } })));
    expect(response.status).toBe(413);
    expect(await inboxCount()).toBe(before);
  });

  it('accepts a signed chunked body within the limit', async () => {
    const envelope = makeEnvelope({ bundleId: 'bun_small_chunked' });
    const raw = JSON.stringify(envelope);
    const response = await postChunked(raw, { 'tokportal-signature': signatureHeader(OLD_SECRET, raw) });
    expect(response.status).toBe(200);
    expect((await inboxRow(envelope.id as string))?.bundleId).toBe('bun_small_chunked');
  });
});

describe('events that sync nothing', () => {
  it('stores an unknown event type as ignored and acknowledges it without a job', async () => {
    const envelope = makeEnvelope({ type: 'bundle.teleported', bundleId: 'bun_unknown_type' });
    const response = await deliver(app.url, envelope);
    expect(response.status).toBe(200);
    expect(((await response.json()) as { outcome: string }).outcome).toBe('ignored');
    const row = await inboxRow(envelope.id as string);
    expect(row?.status).toBe('ignored');
    expect(row?.statusReason).toMatch(/unknown event type "bundle.teleported"/);
    expect(await jobsFor('bun_unknown_type')).toHaveLength(0);
    expect(await metricValue(app.metrics, 'tokportal_sync_webhooks_received_total', { type: 'unknown', outcome: 'ignored' })).toBe(1);
  });

  it('marks events without bundle or account as not applicable (webhook.test, subscription, credits)', async () => {
    for (const type of ['webhook.test', 'subscription.renewed', 'credits.restored']) {
      const envelope = makeEnvelope({ type, bundleId: null, data: { plan: 'pro' } });
      const response = await deliver(app.url, envelope);
      expect(response.status).toBe(200);
      const row = await inboxRow(envelope.id as string);
      expect(row?.status, type).toBe('not_applicable');
      expect(row?.statusReason).toMatch(/carries no bundle or account id/);
    }
  });

  it('resolves an account event without bundle id through the mirror, else marks it not applicable', async () => {
    await stack.db.insert(bundles).values({
      bundleId: 'bun_by_account',
      status: 'published',
      savedAccountId: 'sa_known',
      raw: {},
      contentHash: 'h',
      apiUpdatedAt: new Date(),
    });
    const known = makeEnvelope({ type: 'account.banned', bundleId: null, data: { saved_account_id: 'sa_known' } });
    expect((await deliver(app.url, known)).status).toBe(200);
    expect(await inboxRow(known.id as string)).toMatchObject({ bundleId: 'bun_by_account', status: 'enqueued' });
    expect(await jobsFor('bun_by_account')).toHaveLength(1);

    const unknown = makeEnvelope({ type: 'account.banned', bundleId: null, data: { saved_account_id: 'sa_nobody' } });
    expect((await deliver(app.url, unknown)).status).toBe(200);
    const row = await inboxRow(unknown.id as string);
    expect(row?.status).toBe('not_applicable');
    expect(row?.statusReason).toBe('no bundle known for saved_account_id sa_nobody');
  });
});

describe('deliveries from the fake TokPortal', () => {
  let sent: Stack;
  let fake: Stack['fake'];
  let app: TestReceiver;

  beforeAll(async () => {
    sent = await startStack({
      label: 'fakedelivery',
      fake: { bundles: 4, seed: 'receiver-fake-delivery', delivery: { duplicateRate: 1, reorder: true, manual: true } },
      receiver: true,
    });
    ({ fake, receiver: app } = sent);
  });
  afterAll(async () => {
    await sent?.close();
  });

  it('stores each duplicated, reordered event once and queues one job per bundle', async () => {
    const bundleIds = fake.listBundleIds();
    for (let step = 0; step < 3; step++) for (const id of bundleIds) await fake.advance(id);
    await fake.flushWebhooks();

    const stats = fake.stats();
    expect(stats.webhooksFailed).toBe(0);
    expect(stats.webhooksSent).toBeGreaterThan(0);

    await app.receiver.writer.flush(); // enqueue marks are written off the request path
    const rows = await sent.db.select().from(webhookEvents);
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

describe('Postgres unreachable', () => {
  let deadDb: Stack;
  beforeAll(async () => {
    deadDb = await startStack({ label: 'pgdown', database: false, env: { DATABASE_URL: CLOSED_POSTGRES } });
  });
  afterAll(async () => {
    await deadDb?.close();
  });

  it('answers 503 with Retry-After, and nothing reaches the queue', async () => {
    const app = await deadDb.startReceiver();
    try {
      const withBundle = await deliver(app.url, makeEnvelope({ bundleId: 'bun_pg_down' }));
      expect(withBundle.status).toBe(503);
      expect(withBundle.headers.get('retry-after')).toBe('5');
      expect(((await withBundle.json()) as { error: { code: string } }).error.code).toBe('INBOX_UNAVAILABLE');
      // An account event needs a lookup first: that failing is a 503 as well.
      const lookup = await deliver(app.url, makeEnvelope({ type: 'account.banned', bundleId: null, data: { saved_account_id: 'sa_x' } }));
      expect(lookup.status).toBe(503);

      expect(await app.queue.count()).toBe(0);
      expect(await metricValue(app.metrics, 'tokportal_sync_webhooks_received_total', { outcome: 'unavailable' })).toBe(2);

      const ready = await fetch(`${app.url}/readyz`);
      expect(ready.status).toBe(503);
      const body = (await ready.json()) as { checks: { postgres: { ok: boolean; error?: string }; redis: { ok: boolean } } };
      expect(body.checks.postgres.ok).toBe(false);
      expect(body.checks.redis.ok).toBe(true);
    } finally {
      await app.close();
    }
  });
});
