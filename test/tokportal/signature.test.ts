import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { signatureHeader, verifySignature } from '../../src/tokportal/signature.js';

const secret = 'whsec_current_0123456789';
const oldSecret = 'whsec_previous_9876543210';
const body = JSON.stringify({ id: 'evt_1', type: 'account.remade', data: { bundle_id: 'bnd_1', note: 'héllo' } });
const now = 1_780_000_000;

describe('signatureHeader', () => {
  it('is t=<seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">', () => {
    const header = signatureHeader(secret, body, now);
    const expected = createHmac('sha256', secret).update(`${now}.${body}`).digest('hex');
    expect(header).toBe(`t=${now},v1=${expected}`);
  });

  it('defaults the timestamp to the current time', () => {
    const header = signatureHeader(secret, body);
    const t = Number(/^t=(\d+),/.exec(header)?.[1]);
    expect(Math.abs(t - Date.now() / 1000)).toBeLessThan(5);
  });

  it('signs string and byte bodies identically', () => {
    expect(signatureHeader(secret, Buffer.from(body, 'utf8'), now)).toBe(signatureHeader(secret, body, now));
    expect(signatureHeader(secret, new TextEncoder().encode(body), now)).toBe(signatureHeader(secret, body, now));
  });
});

describe('verifySignature', () => {
  const check = (header: string | null | undefined, overrides: Partial<Parameters<typeof verifySignature>[0]> = {}) =>
    verifySignature({ header, rawBody: body, secrets: [secret], nowSeconds: now, ...overrides });

  it('accepts its own signature (round trip) with string and Uint8Array bodies', () => {
    const header = signatureHeader(secret, body, now);
    expect(check(header)).toEqual({ ok: true, timestamp: now, secretIndex: 0 });
    expect(check(header, { rawBody: new TextEncoder().encode(body) })).toEqual({ ok: true, timestamp: now, secretIndex: 0 });
  });

  it('rejects a tampered body', () => {
    const header = signatureHeader(secret, body, now);
    expect(check(header, { rawBody: body.replace('bnd_1', 'bnd_2') })).toEqual({ ok: false, reason: 'mismatch' });
    // Re-serialising the same JSON with different whitespace is a different byte string.
    expect(check(header, { rawBody: JSON.stringify(JSON.parse(body), null, 1) })).toEqual({ ok: false, reason: 'mismatch' });
  });

  it('rejects a stale timestamp in both directions, and accepts one at the tolerance edge', () => {
    const old = signatureHeader(secret, body, now - 301);
    const future = signatureHeader(secret, body, now + 301);
    expect(check(old)).toEqual({ ok: false, reason: 'stale' });
    expect(check(future)).toEqual({ ok: false, reason: 'stale' });
    expect(check(signatureHeader(secret, body, now - 300)).ok).toBe(true);
    expect(check(signatureHeader(secret, body, now + 300)).ok).toBe(true);
    expect(check(old, { toleranceSeconds: 600 }).ok).toBe(true);
  });

  it('rejects a signature made with another secret', () => {
    expect(check(signatureHeader('whsec_attacker', body, now))).toEqual({ ok: false, reason: 'mismatch' });
  });

  it('accepts both the old and the new secret during rotation and says which matched', () => {
    const secrets = [secret, oldSecret];
    expect(check(signatureHeader(secret, body, now), { secrets })).toEqual({ ok: true, timestamp: now, secretIndex: 0 });
    expect(check(signatureHeader(oldSecret, body, now), { secrets })).toEqual({ ok: true, timestamp: now, secretIndex: 1 });
    expect(check(signatureHeader(oldSecret, body, now), { secrets: [secret] })).toEqual({ ok: false, reason: 'mismatch' });
    expect(check(signatureHeader(secret, body, now), { secrets: [] })).toEqual({ ok: false, reason: 'mismatch' });
  });

  it('accepts a header carrying several v1 values when any one matches', () => {
    const good = signatureHeader(secret, body, now).split(',v1=')[1]!;
    const other = signatureHeader(oldSecret, body, now).split(',v1=')[1]!;
    expect(check(`t=${now},v1=${other},v1=${good}`)).toEqual({ ok: true, timestamp: now, secretIndex: 0 });
    expect(check(`t=${now},v1=${good},v1=${other}`).ok).toBe(true);
    expect(check(`t=${now},v1=${other},v1=${other}`)).toEqual({ ok: false, reason: 'mismatch' });
  });

  it('ignores unknown schemes next to v1 and tolerates spaces', () => {
    const good = signatureHeader(secret, body, now).split(',v1=')[1]!;
    expect(check(`t=${now}, v0=abc, v1=${good}`).ok).toBe(true);
  });

  it('reports a missing header', () => {
    expect(check(undefined)).toEqual({ ok: false, reason: 'missing' });
    expect(check(null)).toEqual({ ok: false, reason: 'missing' });
    expect(check('  ')).toEqual({ ok: false, reason: 'missing' });
  });

  it('reports malformed headers', () => {
    const good = signatureHeader(secret, body, now).split(',v1=')[1]!;
    for (const header of [
      'garbage',
      `v1=${good}`,
      `t=${now}`,
      `t=abc,v1=${good}`,
      `t=-5,v1=${good}`,
      `t=${now},v1=nothex`,
      `t=${now},v1=${good.slice(0, 40)}`,
      `t=${now},t=${now},v1=${good}`,
      `t=${now},,v1=${good}`,
      `sha256=${good}`,
    ]) {
      expect(check(header), header).toEqual({ ok: false, reason: 'malformed' });
    }
  });
});
