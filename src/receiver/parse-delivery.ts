// Pure decisions about one signed webhook delivery: is the body a usable envelope, and
// what does the inbox do with it. No I/O here, so every bad-input rule is unit-testable.
import { createHash } from 'node:crypto';
import type { NewWebhookEventRow } from '../db/schema.js';
import { hasLoneSurrogate } from '../lib/lone-surrogates.js';
import { isKnownEventType, webhookEnvelopeSchema, type WebhookEnvelope } from '../tokportal/schemas.js';

export type DeliveryHeaders = { eventId?: string | undefined; eventType?: string | undefined };

export type ParsedDelivery =
  /** `payload` is the body exactly as parsed (the envelope has zod's defaults filled in). */
  | { kind: 'envelope'; envelope: WebhookEnvelope; payload: unknown }
  | { kind: 'rejected'; eventId: string; type: string; reason: string; rawBody: string };

/** What the inbox does with a valid envelope; `lookup` needs the database to find the bundle. */
export type EventRouting =
  | { status: 'received'; bundleId: string }
  | { status: 'ignored' | 'not_applicable'; reason: string }
  | { status: 'lookup'; savedAccountId: string | null; accountListingId: string | null };

const utf8 = new TextDecoder('utf-8', { fatal: true });
const lossyUtf8 = new TextDecoder('utf-8');

/** Header values are unsigned: they must agree with the signed body or the delivery is refused. */
export function parseDelivery(raw: Uint8Array, headers: DeliveryHeaders): ParsedDelivery {
  const headerId = headers.eventId?.trim() || undefined;
  const headerType = headers.eventType?.trim() || undefined;
  const reject = (reason: string, bodyId?: unknown, bodyType?: unknown): ParsedDelivery => ({
    kind: 'rejected',
    eventId: headerId ?? (typeof bodyId === 'string' && bodyId !== '' ? bodyId : syntheticEventId(raw)),
    type: headerType ?? (typeof bodyType === 'string' && bodyType !== '' ? bodyType : 'unknown'),
    reason,
    // Postgres text cannot hold NUL; the stored copy is for humans, the signature was checked on the bytes.
    rawBody: lossyUtf8.decode(raw).replaceAll('\u0000', '\uFFFD'),
  });

  let text: string;
  try {
    text = utf8.decode(raw);
  } catch {
    return reject('body is not valid UTF-8');
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    return reject(`body is not valid JSON: ${(error as Error).message}`);
  }
  const body = isRecord(json) ? json : {};
  const parsed = webhookEnvelopeSchema.safeParse(json);
  if (!parsed.success) {
    const issues = parsed.error.issues
      .slice(0, 3)
      .map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`)
      .join('; ');
    return reject(`envelope does not match the webhook schema: ${issues}`, body.id, body.type);
  }
  const envelope = parsed.data;
  // Both headers get the same rule: when present, they must name what the signed body says.
  if (headerId !== undefined && headerId !== envelope.id) {
    return reject(`TokPortal-Event-Id header "${headerId}" does not match body id "${envelope.id}"`, envelope.id, envelope.type);
  }
  if (headerType !== undefined && headerType !== envelope.type) {
    return reject(`TokPortal-Event-Type header "${headerType}" does not match body type "${envelope.type}"`, envelope.id, envelope.type);
  }
  const unstorable = unstorableInJsonb(json);
  if (unstorable) {
    // Postgres would refuse the row, and a 5xx would make TokPortal retry a poison event
    // forever: it is stored as rejected (raw text) instead, like any other unusable body.
    return reject(unstorable, envelope.id, envelope.type);
  }
  return { kind: 'envelope', envelope, payload: json };
}

export function routeEvent(envelope: WebhookEnvelope): EventRouting {
  if (!isKnownEventType(envelope.type)) {
    return { status: 'ignored', reason: `unknown event type "${envelope.type}": stored, not processed` };
  }
  const { bundle_id: bundleId, saved_account_id: savedAccountId, account_id: accountListingId } = envelope.data;
  if (bundleId) return { status: 'received', bundleId };
  if (savedAccountId || accountListingId) {
    return { status: 'lookup', savedAccountId: savedAccountId ?? null, accountListingId: accountListingId ?? null };
  }
  return { status: 'not_applicable', reason: `${envelope.type} carries no bundle or account id: nothing to sync` };
}

/** Result of the account lookup for a `lookup` routing. */
export function routeAfterLookup(
  routing: Extract<EventRouting, { status: 'lookup' }>,
  bundleId: string | null,
): Exclude<EventRouting, { status: 'lookup' }> {
  if (bundleId) return { status: 'received', bundleId };
  const ids = [
    routing.savedAccountId ? `saved_account_id ${routing.savedAccountId}` : null,
    routing.accountListingId ? `account_id ${routing.accountListingId}` : null,
  ].filter((id) => id !== null);
  return { status: 'not_applicable', reason: `no bundle known for ${ids.join(' / ')}` };
}

export function inboxRowForEnvelope(
  delivery: Extract<ParsedDelivery, { kind: 'envelope' }>,
  routing: Exclude<EventRouting, { status: 'lookup' }>,
): NewWebhookEventRow {
  const { envelope } = delivery;
  return {
    eventId: envelope.id,
    type: envelope.type,
    apiVersion: envelope.api_version ?? null,
    bundleId: routing.status === 'received' ? routing.bundleId : (envelope.data.bundle_id ?? null),
    accountId: envelope.data.account_id ?? null,
    savedAccountId: envelope.data.saved_account_id ?? null,
    payload: delivery.payload,
    status: routing.status,
    statusReason: routing.status === 'received' ? null : routing.reason,
    eventCreatedAt: parseTimestamp(envelope.created_at),
  };
}

export function inboxRowForRejected(rejected: Extract<ParsedDelivery, { kind: 'rejected' }>): NewWebhookEventRow {
  return {
    eventId: rejected.eventId,
    type: rejected.type,
    rawBody: rejected.rawBody,
    status: 'rejected',
    statusReason: rejected.reason,
  };
}

/** Same bytes, same id: retries of one unusable delivery collapse into one inbox row. */
export function syntheticEventId(raw: Uint8Array): string {
  return `rejected_${createHash('sha256').update(raw).digest('hex').slice(0, 32)}`;
}

function parseTimestamp(text: string): Date | null {
  const date = new Date(text);
  return Number.isNaN(date.getTime()) ? null : date;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Deeper than any real event; deep enough input overflows the JS stack and Postgres' jsonb parser. */
export const MAX_PAYLOAD_DEPTH = 64;

function unstorableText(text: string): string | null {
  if (text.includes('\u0000')) return 'payload contains a NUL character (\\u0000), which Postgres jsonb cannot store';
  if (hasLoneSurrogate(text)) return 'payload contains a lone UTF-16 surrogate (\\ud800-\\udfff), which Postgres jsonb cannot store';
  return null;
}

/** Why Postgres jsonb would refuse the value, or null. Iterative: the depth limit is the point. */
function unstorableInJsonb(root: unknown): string | null {
  const pending: { value: unknown; depth: number }[] = [{ value: root, depth: 0 }];
  for (let item = pending.pop(); item; item = pending.pop()) {
    const { value, depth } = item;
    if (typeof value === 'string') {
      const reason = unstorableText(value);
      if (reason) return reason;
      continue;
    }
    if (typeof value !== 'object' || value === null) continue;
    if (depth >= MAX_PAYLOAD_DEPTH) return `payload is nested deeper than ${MAX_PAYLOAD_DEPTH} levels`;
    const entries = Array.isArray(value) ? value.map((inner) => ['', inner] as const) : Object.entries(value);
    for (const [key, inner] of entries) {
      const reason = unstorableText(key);
      if (reason) return reason;
      pending.push({ value: inner, depth: depth + 1 });
    }
  }
  return null;
}
