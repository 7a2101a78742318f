// The pure decisions about a signed delivery: envelope or rejection, and what the inbox does.
import { describe, expect, it } from 'vitest';
import {
  inboxRowForEnvelope,
  inboxRowForRejected,
  parseDelivery,
  routeAfterLookup,
  routeEvent,
  syntheticEventId,
} from '../../src/receiver/parse-delivery.js';
import { webhookEnvelopeSchema } from '../../src/tokportal/schemas.js';

const bytes = (value: unknown) => new TextEncoder().encode(typeof value === 'string' ? value : JSON.stringify(value));
const envelope = (fields: Record<string, unknown> = {}) => ({
  id: 'evt_1',
  type: 'account.finalized',
  api_version: '2026-05-25',
  created_at: '2026-05-30T10:00:00Z',
  data: { bundle_id: 'bun_1', account_id: 'acc_1', saved_account_id: 'sa_1' },
  ...fields,
});

describe('parseDelivery', () => {
  it('accepts a valid envelope and keeps the body exactly as sent', () => {
    const body = envelope({ data: { bundle_id: 'bun_1', future_field: [1, 2] } });
    const parsed = parseDelivery(bytes(body), { eventId: 'evt_1', eventType: 'account.finalized' });
    expect(parsed.kind).toBe('envelope');
    if (parsed.kind !== 'envelope') return;
    expect(parsed.payload).toEqual(body);
    expect(parsed.envelope.data.saved_account_id).toBeNull(); // zod default, not written back to the payload
  });

  it('rejects invalid UTF-8, invalid JSON and schema failures, preferring the header id and type', () => {
    const invalidUtf8 = parseDelivery(new Uint8Array([0x7b, 0xff, 0x7d]), {});
    expect(invalidUtf8).toMatchObject({ kind: 'rejected', reason: 'body is not valid UTF-8', type: 'unknown' });
    expect(invalidUtf8.kind === 'rejected' && invalidUtf8.eventId).toBe(syntheticEventId(new Uint8Array([0x7b, 0xff, 0x7d])));

    expect(parseDelivery(bytes('{'), { eventId: 'evt_h', eventType: 'video.published' })).toMatchObject({
      kind: 'rejected',
      eventId: 'evt_h',
      type: 'video.published',
    });

    const schema = parseDelivery(bytes({ id: 'evt_b', type: 'bundle.created', data: [] }), {});
    expect(schema).toMatchObject({ kind: 'rejected', eventId: 'evt_b', type: 'bundle.created' });
    expect(schema.kind === 'rejected' && schema.reason).toMatch(/created_at/);
  });

  it('rejects a header id that disagrees with the body and a NUL anywhere in the payload', () => {
    expect(parseDelivery(bytes(envelope()), { eventId: 'evt_other' })).toMatchObject({ kind: 'rejected', eventId: 'evt_other' });
    const nulKey = parseDelivery(bytes(envelope({ data: { bundle_id: 'b', ['k\u0000']: 1 } })), {});
    expect(nulKey).toMatchObject({ kind: 'rejected', eventId: 'evt_1' });
    const nulValue = parseDelivery(bytes(envelope({ data: { bundle_id: 'b', list: ['ok', 'x\u0000'] } })), {});
    expect(nulValue.kind === 'rejected' && nulValue.rawBody).not.toContain('\u0000');
  });

  it('gives the same synthetic id to the same bytes and different ids to different bytes', () => {
    expect(syntheticEventId(bytes('a'))).toBe(syntheticEventId(bytes('a')));
    expect(syntheticEventId(bytes('a'))).not.toBe(syntheticEventId(bytes('b')));
    expect(syntheticEventId(bytes('a'))).toMatch(/^rejected_[0-9a-f]{32}$/);
  });
});

describe('routeEvent', () => {
  const parse = (fields: Record<string, unknown>) => webhookEnvelopeSchema.parse(envelope(fields));

  it('routes by type and ids', () => {
    expect(routeEvent(parse({}))).toEqual({ status: 'received', bundleId: 'bun_1' });
    expect(routeEvent(parse({ type: 'brand.new_event' }))).toMatchObject({ status: 'ignored' });
    expect(routeEvent(parse({ type: 'account.banned', data: { account_id: 'acc_9', saved_account_id: null } }))).toEqual({
      status: 'lookup',
      savedAccountId: null,
      accountListingId: 'acc_9',
    });
    expect(routeEvent(parse({ type: 'credits.restored', data: { credits: 5 } }))).toMatchObject({ status: 'not_applicable' });
  });

  it('turns a lookup into received or not_applicable with the ids in the reason', () => {
    const lookup = { status: 'lookup' as const, savedAccountId: 'sa_2', accountListingId: 'acc_2' };
    expect(routeAfterLookup(lookup, 'bun_2')).toEqual({ status: 'received', bundleId: 'bun_2' });
    expect(routeAfterLookup(lookup, null)).toEqual({
      status: 'not_applicable',
      reason: 'no bundle known for saved_account_id sa_2 / account_id acc_2',
    });
  });
});

describe('inbox rows', () => {
  it('maps an envelope to its row, with the resolved bundle and the event time', () => {
    const delivery = parseDelivery(bytes(envelope({ data: { saved_account_id: 'sa_1' } })), {});
    if (delivery.kind !== 'envelope') throw new Error('expected an envelope');
    const row = inboxRowForEnvelope(delivery, { status: 'received', bundleId: 'bun_resolved' });
    expect(row).toMatchObject({
      eventId: 'evt_1',
      type: 'account.finalized',
      apiVersion: '2026-05-25',
      bundleId: 'bun_resolved',
      savedAccountId: 'sa_1',
      status: 'received',
      statusReason: null,
    });
    expect(row.eventCreatedAt).toEqual(new Date('2026-05-30T10:00:00Z'));
  });

  it('maps a rejection to a rejected row with raw body and reason', () => {
    const rejected = parseDelivery(bytes('nope'), { eventId: 'evt_r' });
    if (rejected.kind !== 'rejected') throw new Error('expected a rejection');
    expect(inboxRowForRejected(rejected)).toMatchObject({ eventId: 'evt_r', status: 'rejected', rawBody: 'nope' });
  });
});
