// The inbox functions against a real Postgres: the relay's view, the worker's "processed up to"
// marking, and bundle resolution for account events. (The insert itself: inbox-insert.test.ts.)
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import {
  closeBundleEvents,
  findUnenqueuedEvents,
  markEventsEnqueued,
  markEventsStatus,
  recordBundleEventsError,
  resolveBundleIdForAccount,
} from '../../src/db/inbox.js';
import { insertInboxEvents } from '../../src/db/inbox-insert.js';
import { bundleAccounts, bundles, webhookEvents, type NewWebhookEventRow } from '../../src/db/schema.js';
import { createTestDatabase, type TestDatabase } from '../support/postgres.js';

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase('inbox');
});
afterAll(async () => {
  await database.drop();
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

describe('relay and worker bookkeeping', () => {
  it('lists committed events without a job, oldest first, then forgets them once enqueued', async () => {
    const old = new Date(Date.now() - 60_000);
    await insertInboxEvents(database.db, [
      event('evt_r1', { bundleId: 'bun_r', receivedAt: old }),
      event('evt_r2', { bundleId: 'bun_r', receivedAt: new Date(old.getTime() + 1_000) }),
      event('evt_r3', { bundleId: null, status: 'not_applicable' }),
    ]);
    const pending = await findUnenqueuedEvents(database.db, 100, { receivedBefore: new Date(old.getTime() + 500) });
    expect(pending.map((row) => row.eventId)).toEqual(['evt_r1']);

    await markEventsEnqueued(database.db, ['evt_r1', 'evt_r2']);
    const after = await findUnenqueuedEvents(database.db, 100);
    expect(after.map((row) => row.eventId)).not.toContain('evt_r1');
    expect(after.map((row) => row.eventId)).not.toContain('evt_r2');
    expect((await rowOf('evt_r1'))?.status).toBe('enqueued');
    expect((await rowOf('evt_r1'))?.enqueuedAt).toBeInstanceOf(Date);
  });

  it('marks only events received up to the fetch start as processed, and records errors on pending ones', async () => {
    const t0 = new Date(Date.now() - 10_000);
    await insertInboxEvents(database.db, [
      event('evt_p1', { bundleId: 'bun_p', receivedAt: t0 }),
      event('evt_p2', { bundleId: 'bun_p', receivedAt: new Date(t0.getTime() + 5_000) }),
    ]);
    await recordBundleEventsError(database.db, 'bun_p', 'TokPortal 503');
    expect((await rowOf('evt_p1'))?.attempts).toBe(1);
    expect((await rowOf('evt_p1'))?.lastError).toBe('TokPortal 503');

    const marked = (await closeBundleEvents(database.db, 'bun_p', new Date(t0.getTime() + 1_000))).length;
    expect(marked).toBe(1);
    const p1 = await rowOf('evt_p1');
    expect(p1?.status).toBe('processed');
    expect(p1?.processedAt).toBeInstanceOf(Date);
    expect(p1?.lastError).toBeNull();
    expect((await rowOf('evt_p2'))?.status).toBe('received');
  });

  it('sets a side status with its reason', async () => {
    await insertInboxEvents(database.db, [event('evt_s1', { bundleId: null })]);
    await markEventsStatus(database.db, ['evt_s1'], 'not_applicable', 'no bundle for this account');
    const row = await rowOf('evt_s1');
    expect(row?.status).toBe('not_applicable');
    expect(row?.statusReason).toBe('no bundle for this account');
  });
});

describe('resolveBundleIdForAccount', () => {
  beforeAll(async () => {
    const now = new Date();
    await database.db.insert(bundles).values({
      bundleId: 'bun_live',
      status: 'published',
      savedAccountId: 'sa_current',
      accountListingId: 'acc_listing',
      raw: {},
      contentHash: 'h',
      apiUpdatedAt: now,
    });
    await database.db.insert(bundleAccounts).values({
      bundleId: 'bun_live',
      incarnation: 1,
      savedAccountId: 'sa_before_remake',
      firstSeenAt: now,
      lastSeenAt: now,
      replacedAt: now,
    });
    await insertInboxEvents(database.db, [
      event('evt_known', { bundleId: 'bun_from_inbox', savedAccountId: 'sa_only_in_inbox', accountId: 'acc_only_in_inbox' }),
    ]);
  });

  it('finds the bundle by current saved account, listing id, past incarnation, then the inbox', async () => {
    expect(await resolveBundleIdForAccount(database.db, { savedAccountId: 'sa_current' })).toBe('bun_live');
    expect(await resolveBundleIdForAccount(database.db, { accountListingId: 'acc_listing' })).toBe('bun_live');
    expect(await resolveBundleIdForAccount(database.db, { savedAccountId: 'sa_before_remake' })).toBe('bun_live');
    expect(await resolveBundleIdForAccount(database.db, { accountListingId: 'acc_only_in_inbox' })).toBe('bun_from_inbox');
  });

  it('returns null when nothing is known or no id is given', async () => {
    expect(await resolveBundleIdForAccount(database.db, { savedAccountId: 'sa_unknown', accountListingId: 'acc_unknown' })).toBeNull();
    expect(await resolveBundleIdForAccount(database.db, {})).toBeNull();
  });
});
