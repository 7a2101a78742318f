// Webhook signatures: `TokPortal-Signature: t=<unix seconds>,v1=<hex>` where
// v1 = HMAC-SHA256(secret, "<t>." + raw body bytes). The receiver verifies with it; tests and
// benchmarks sign with signatureHeader. The fake TokPortal signs with its own implementation.
import { createHmac, timingSafeEqual } from 'node:crypto';

export const DEFAULT_SIGNATURE_TOLERANCE_SECONDS = 300;

export type SignatureCheck =
  | { ok: true; timestamp: number; secretIndex: number }
  | { ok: false; reason: 'missing' | 'malformed' | 'stale' | 'mismatch' };

const toBytes = (body: string | Uint8Array): Uint8Array =>
  typeof body === 'string' ? Buffer.from(body, 'utf8') : body;

function computeSignature(secret: string, timestamp: number, rawBody: Uint8Array): Buffer {
  return createHmac('sha256', secret).update(`${timestamp}.`).update(rawBody).digest();
}

export function signatureHeader(secret: string, rawBody: string | Uint8Array, timestampSeconds?: number): string {
  const t = timestampSeconds ?? Math.floor(Date.now() / 1000);
  return `t=${t},v1=${computeSignature(secret, t, toBytes(rawBody)).toString('hex')}`;
}

type ParsedHeader = { timestamp: number; signatures: Buffer[] };

const hexSha256 = /^[0-9a-f]{64}$/i;

/** Parses "t=..,v1=..[,v1=..]". Unknown schemes (v0=, v2=) are ignored, as senders add them over time. */
function parseHeader(header: string): ParsedHeader | null {
  let timestamp: number | null = null;
  const signatures: Buffer[] = [];
  for (const part of header.split(',')) {
    const eq = part.indexOf('=');
    if (eq <= 0) return null;
    const key = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (key === 't') {
      if (!/^\d{1,12}$/.test(value) || timestamp !== null) return null;
      timestamp = Number(value);
    } else if (key === 'v1') {
      // A v1 value that is not 32 bytes of hex can never match: reject the header as malformed.
      if (!hexSha256.test(value)) return null;
      signatures.push(Buffer.from(value, 'hex'));
    }
  }
  if (timestamp === null || signatures.length === 0) return null;
  return { timestamp, signatures };
}

export function verifySignature(input: {
  header: string | undefined | null;
  rawBody: Uint8Array | string;
  secrets: readonly string[];
  toleranceSeconds?: number;
  nowSeconds?: number;
}): SignatureCheck {
  const header = input.header?.trim();
  if (!header) return { ok: false, reason: 'missing' };
  const parsed = parseHeader(header);
  if (!parsed) return { ok: false, reason: 'malformed' };

  const tolerance = input.toleranceSeconds ?? DEFAULT_SIGNATURE_TOLERANCE_SECONDS;
  const now = input.nowSeconds ?? Math.floor(Date.now() / 1000);
  // Both directions: an old timestamp is a replay, a future one is a forged or badly clocked sender.
  if (Math.abs(now - parsed.timestamp) > tolerance) return { ok: false, reason: 'stale' };

  const body = toBytes(input.rawBody);
  for (let secretIndex = 0; secretIndex < input.secrets.length; secretIndex++) {
    const expected = computeSignature(input.secrets[secretIndex]!, parsed.timestamp, body);
    // Every candidate is compared (no early exit inside the loop over v1 values) in constant time.
    let matched = false;
    for (const candidate of parsed.signatures) {
      if (candidate.length === expected.length && timingSafeEqual(candidate, expected)) matched = true;
    }
    if (matched) return { ok: true, timestamp: parsed.timestamp, secretIndex };
  }
  return { ok: false, reason: 'mismatch' };
}
