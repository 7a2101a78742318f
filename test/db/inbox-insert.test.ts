// The inbox insert against a real Postgres: dedupe on event id, every column stored, odd text.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { insertInboxEvents } from '../../src/db/inbox-insert.js';
import { webhookEvents, type NewWebhookEventRow } from '../../src/db/schema.js';
import { createTestDatabase, type TestDatabase } from '../support/postgres.js';

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase('inboxinsert');
});
afterAll(async () => {
  await database?.drop();
});

const event = (eventId: string, fields: Partial<NewWebhookEventRow> = {}): NewWebhookEventRow => ({
  eventId,
  type: 'account.in_review',
  bundleId: 'bun_1',
  payload: { id: eventId },
  ...fields,
});

const rowOf = async (eventId: string) =>
  (await database.db.select().from(webhookEvents).where(eq(webhookEvents.eventId, eventId)))[0];

describe('insertInboxEvents', () => {
  it('inserts new ids and counts repeats (in the batch and across batches) as deliveries', async () => {
    const first = await insertInboxEvents(database.db, [event('evt_a'), event('evt_b'), event('evt_a')]);
    expect(first.inserted.sort()).toEqual(['evt_a', 'evt_b']);
    expect(first.duplicates).toEqual(['evt_a']);

    const second = await insertInboxEvents(database.db, [event('evt_b'), event('evt_c')]);
    expect(second.inserted).toEqual(['evt_c']);
    expect(second.duplicates).toEqual(['evt_b']);

    expect((await rowOf('evt_a'))?.deliveries).toBe(2);
    expect((await rowOf('evt_b'))?.deliveries).toBe(2);
    expect((await rowOf('evt_c'))?.deliveries).toBe(1);
  });

  it('stores every column as given, fills defaults for the ones left out, and keeps odd text storable', async () => {
    const createdAt = new Date('2026-03-04T05:06:07.089Z');
    const payload = { id: 'evt_cols', data: { nested: [1, 'two', { three: null }] }, emoji: '\u{1F600}' };
    await insertInboxEvents(database.db, [
      event('evt_cols', { apiVersion: '2026-01', accountId: 'acc_1', payload, statusReason: 'why', eventCreatedAt: createdAt }),
      { eventId: 'evt_lone_\uD800', type: 'unknown', rawBody: 'raw "quoted" \\ text', status: 'rejected', statusReason: 'id "\uDC00"' },
    ]);
    const full = await rowOf('evt_cols');
    expect(full).toMatchObject({ apiVersion: '2026-01', accountId: 'acc_1', bundleId: 'bun_1', payload, status: 'received', statusReason: 'why' });
    expect(full?.eventCreatedAt?.toISOString()).toBe(createdAt.toISOString());
    expect(full).toMatchObject({ deliveries: 1, attempts: 0, rawBody: null, enqueuedAt: null });
    expect(full?.receivedAt).toBeInstanceOf(Date);
    // A lone surrogate becomes U+FFFD, as it did when text went out as a text parameter.
    const lone = await rowOf('evt_lone_\uFFFD');
    expect(lone).toMatchObject({ rawBody: 'raw "quoted" \\ text', statusReason: 'id "\uFFFD"', payload: null, status: 'rejected' });
  });

  it('does nothing for an empty batch', async () => {
    expect(await insertInboxEvents(database.db, [])).toEqual({ inserted: [], duplicates: [] });
  });
});
