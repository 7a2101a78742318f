// How TokPortal signs a delivery: `TokPortal-Signature: t=<unix seconds>,v1=<hex>` with
// v1 = HMAC-SHA256(secret, "<t>." + raw body bytes). Written here on its own, not shared with the
// receiver's verifier, so a mistake in either side shows up as a rejected delivery in the tests.
import { createHmac } from 'node:crypto';

export function signatureHeader(secret: string, rawBody: string | Uint8Array, timestampSeconds?: number): string {
  const t = timestampSeconds ?? Math.floor(Date.now() / 1000);
  const v1 = createHmac('sha256', secret).update(`${t}.`).update(rawBody).digest('hex');
  return `t=${t},v1=${v1}`;
}
