// Validly signed webhook deliveries, built the way TokPortal sends them: a JSON envelope,
// an event id that is unique per event, and `TokPortal-Signature` over the exact bytes.
import { randomBytes } from 'node:crypto';
import { signatureHeader } from '../../src/tokportal/signature.js';

export const BENCH_WEBHOOK_SECRET = 'whsec_bench_0123456789abcdef0123456789abcdef';
export const WEBHOOK_PATH = '/webhooks/tokportal';

export type Delivery = { eventId: string; body: string; headers: Record<string, string> };

/** Unique event ids for one run: a random run tag plus a counter. */
export function eventIdFactory(): () => string {
  const tag = randomBytes(4).toString('hex');
  let counter = 0;
  return () => `evt_bench_${tag}_${(counter++).toString(36)}`;
}

/** A bundle event; the receiver only needs `data.bundle_id` to know which bundle to refetch. */
export function signedBundleEvent(
  eventId: string,
  bundleId: string,
  secret = BENCH_WEBHOOK_SECRET,
  type = 'bundle.published',
): Delivery {
  const body = JSON.stringify({
    id: eventId,
    type,
    api_version: '2026-05-25',
    created_at: new Date().toISOString(),
    data: { bundle_id: bundleId, status: 'published' },
  });
  return {
    eventId,
    body,
    headers: {
      'content-type': 'application/json',
      'tokportal-event-id': eventId,
      'tokportal-event-type': type,
      'tokportal-signature': signatureHeader(secret, body),
    },
  };
}

/** POSTs one delivery and returns the HTTP status (0 on a network error). */
export async function postDelivery(origin: string, delivery: Delivery): Promise<number> {
  try {
    const response = await fetch(`${origin}${WEBHOOK_PATH}`, {
      method: 'POST',
      headers: delivery.headers,
      body: delivery.body,
    });
    await response.arrayBuffer();
    return response.status;
  } catch {
    return 0;
  }
}
