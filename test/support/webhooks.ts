// Webhook deliveries as TokPortal sends them: the signing secrets the test stacks accept,
// envelopes, and a POST signed over the exact bytes sent (headers default to the body's id and type).
import { randomUUID } from 'node:crypto';
import { signatureHeader } from '../../src/tokportal/signature.js';

/** The current secret of the test stacks (TOKPORTAL_WEBHOOK_SECRETS = SECRET,OLD_SECRET). */
export const SECRET = 'whsec_test_current_0123456789abcdef';
/** The previous secret, still accepted: a rotation in progress. */
export const OLD_SECRET = 'whsec_test_previous_fedcba9876543210';

export type EventFields = { id?: string; type?: string; bundleId?: string | null; data?: Record<string, unknown> };

export function makeEnvelope(fields: EventFields = {}): Record<string, unknown> {
  const { bundleId = 'bun_default', data = {} } = fields;
  return {
    id: fields.id ?? `evt_${randomUUID()}`,
    type: fields.type ?? 'account.in_review',
    api_version: '2026-05-25',
    created_at: new Date().toISOString(),
    data: bundleId === null ? data : { bundle_id: bundleId, ...data },
  };
}

export type DeliveryOptions = {
  secret?: string;
  timestamp?: number;
  /** Replaces the computed signature header; null sends none. */
  signature?: string | null;
  eventId?: string | null;
  eventType?: string | null;
};

/** POSTs a delivery signed like TokPortal does; headers default to the body's id and type. */
export async function deliver(
  baseUrl: string,
  body: Record<string, unknown> | string,
  options: DeliveryOptions = {},
): Promise<Response> {
  const raw = typeof body === 'string' ? body : JSON.stringify(body);
  const parsed = typeof body === 'string' ? {} : body;
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  const signature =
    options.signature === undefined ? signatureHeader(options.secret ?? SECRET, raw, options.timestamp) : options.signature;
  if (signature !== null) headers['tokportal-signature'] = signature;
  const eventId = options.eventId === undefined ? (parsed.id as string | undefined) : options.eventId;
  if (eventId) headers['tokportal-event-id'] = eventId;
  const eventType = options.eventType === undefined ? (parsed.type as string | undefined) : options.eventType;
  if (eventType) headers['tokportal-event-type'] = eventType;
  return fetch(`${baseUrl}/webhooks/tokportal`, { method: 'POST', headers, body: raw });
}
