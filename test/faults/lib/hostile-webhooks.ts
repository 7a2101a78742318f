// Seeded hostile deliveries for POST /webhooks/tokportal: what a confused proxy, a scanner, a
// replaying attacker or a buggy sender would send. Each case says whether it carries a valid
// signature over its exact bytes: only those may ever reach the inbox.
import { randomUUID } from 'node:crypto';
import { request } from 'node:http';
import { connect } from 'node:net';
import { pick, randomInt, type Rng } from '../../../fake-tokportal/index.js';
import { signatureHeader } from '../../../src/tokportal/signature.js';

export type Headers = Record<string, string | string[]>;

export type HostileCase = {
  kind: string;
  body: Buffer;
  headers: Headers;
  /** True only when the signature header is one valid signature over exactly these bytes. */
  validlySigned: boolean;
  /** Cut the connection after this many body bytes (a sender that dies mid-request). */
  abortAfterBytes?: number;
};

const MIB = 1024 * 1024;

export function envelope(fields: { id?: string; type?: string; data?: Record<string, unknown> } = {}): Record<string, unknown> {
  return {
    id: fields.id ?? `evt_fuzz_${randomUUID()}`,
    type: fields.type ?? 'account.in_review',
    api_version: '2026-05-25',
    created_at: new Date().toISOString(),
    data: fields.data ?? { bundle_id: `bnd_fuzz_${randomUUID().slice(0, 8)}` },
  };
}

const json = (value: unknown) => Buffer.from(JSON.stringify(value), 'utf8');

function signedHeaders(secret: string, body: Buffer, extra: Headers = {}, timestamp?: number): Headers {
  return { 'content-type': 'application/json', 'tokportal-signature': signatureHeader(secret, body, timestamp), ...extra };
}

const randomBytesFrom = (rng: Rng, length: number) => Buffer.from(Array.from({ length }, () => Math.floor(rng() * 256)));
const hex64 = (rng: Rng) => Array.from({ length: 64 }, () => Math.floor(rng() * 16).toString(16)).join('');

// Strings that break naive code: quotes, SQL, control characters, bidi overrides, emoji, surrogates.
const NASTY_STRINGS = [
  "'; drop table tokportal.webhook_events; --",
  'Robert\'); DELETE FROM tokportal.bundles; --',
  '\\" \\\\ \\u0041 backslashes',
  '\u0001\u0002\u001f\u007f control characters',
  '\u202e\u200f bidi override \u2066',
  '🚀💥 emoji 👩‍👩‍👧 and 中文 and ελληνικά',
  '\ud83d lone high surrogate',
  '\udc00 lone low surrogate',
  'a'.repeat(10_000),
  '${jndi:ldap://x} {{7*7}} <script>alert(1)</script>',
];

type Generator = (rng: Rng, secret: string) => HostileCase;

/** Cases with no valid signature: every one must get a 4xx and leave no trace in the inbox. */
const UNSIGNED: Record<string, Generator> = {
  'no signature': () => {
    const body = json(envelope());
    return { kind: 'no signature', body, headers: { 'content-type': 'application/json' }, validlySigned: false };
  },
  'empty signature': () => ({ kind: 'empty signature', body: json(envelope()), headers: { 'tokportal-signature': '' }, validlySigned: false }),
  'garbled signature': (rng) => {
    const forms = ['t=abc,v1=zz', 'v1=' + hex64(rng), `t=${Math.floor(Date.now() / 1000)}`, ',,,', '=', 't=,v1=', 'sha256=' + hex64(rng), '\t \t'];
    return { kind: 'garbled signature', body: json(envelope()), headers: { 'tokportal-signature': pick(rng, forms) }, validlySigned: false };
  },
  'random hex signature': (rng) => ({
    kind: 'random hex signature',
    body: json(envelope()),
    headers: { 'tokportal-signature': `t=${Math.floor(Date.now() / 1000)},v1=${hex64(rng)}` },
    validlySigned: false,
  }),
  'very long signature header': (rng) => ({
    kind: 'very long signature header',
    body: json(envelope()),
    headers: { 'tokportal-signature': `t=${Math.floor(Date.now() / 1000)}` + `,v1=${hex64(rng)}`.repeat(120) },
    validlySigned: false,
  }),
  'wrong secret': () => {
    const body = json(envelope());
    return { kind: 'wrong secret', body, headers: signedHeaders('whsec_not_ours_at_all', body), validlySigned: false };
  },
  'replayed old signature': (rng, secret) => {
    const body = json(envelope());
    const old = Math.floor(Date.now() / 1000) - randomInt(rng, 301, 30 * 24 * 3600);
    return { kind: 'replayed old signature', body, headers: signedHeaders(secret, body, {}, old), validlySigned: false };
  },
  'future timestamp': (rng, secret) => {
    const body = json(envelope());
    const future = Math.floor(Date.now() / 1000) + randomInt(rng, 301, 24 * 3600);
    return { kind: 'future timestamp', body, headers: signedHeaders(secret, body, {}, future), validlySigned: false };
  },
  'tampered body': (rng, secret) => {
    const body = json(envelope());
    const headers = signedHeaders(secret, body);
    const tampered = Buffer.from(body);
    const at = randomInt(rng, 0, tampered.length - 1);
    tampered[at] = tampered[at]! ^ (1 + Math.floor(rng() * 255));
    return { kind: 'tampered body', body: tampered, headers, validlySigned: false };
  },
  'signature of another event': (_rng, secret) => {
    const body = json(envelope());
    return { kind: 'signature of another event', body, headers: signedHeaders(secret, json(envelope())), validlySigned: false };
  },
  'duplicated signature headers': (_rng, secret) => {
    // Two valid-looking headers: Node joins them into one value with two timestamps, which is no valid signature.
    const body = json(envelope());
    const one = signatureHeader(secret, body);
    return { kind: 'duplicated signature headers', body, headers: { 'content-type': 'application/json', 'tokportal-signature': [one, one] }, validlySigned: false };
  },
  'unsigned garbage': (rng) => ({
    kind: 'unsigned garbage',
    body: randomBytesFrom(rng, randomInt(rng, 0, 4_000)),
    headers: { 'content-type': pick(rng, ['application/json', 'text/plain', 'application/octet-stream']) },
    validlySigned: false,
  }),
  'unsigned empty body': () => ({ kind: 'unsigned empty body', body: Buffer.alloc(0), headers: {}, validlySigned: false }),
  'huge unsigned body': () => ({
    kind: 'huge unsigned body',
    body: Buffer.alloc(MIB + 1 + 1_000, 'a'),
    headers: { 'content-type': 'application/json' },
    validlySigned: false,
  }),
  'connection cut mid-body': (rng, secret) => {
    const body = json(envelope());
    // Signed, but the receiver never gets the whole body: it must store nothing.
    return { kind: 'connection cut mid-body', body, headers: signedHeaders(secret, body), validlySigned: false, abortAfterBytes: randomInt(rng, 0, body.length - 1) };
  },
};

/** Cases with a valid signature over bytes that are not a usable event: 400 (stored as rejected) or 413. */
const SIGNED_GARBAGE: Record<string, Generator> = {
  'signed truncated JSON': (rng, secret) => {
    const full = json(envelope());
    const body = full.subarray(0, randomInt(rng, 1, full.length - 1));
    return { kind: 'signed truncated JSON', body, headers: signedHeaders(secret, body), validlySigned: true };
  },
  'signed malformed JSON': (rng, secret) => {
    const body = Buffer.from(pick(rng, ['{', '{"id":', 'nul', '{"a":1,}', "{'id':'x'}", '[1,2', '{"id":"x" "type":"y"}', 'undefined']));
    return { kind: 'signed malformed JSON', body, headers: signedHeaders(secret, body), validlySigned: true };
  },
  'signed empty body': (_rng, secret) => {
    const body = Buffer.alloc(0);
    return { kind: 'signed empty body', body, headers: signedHeaders(secret, body), validlySigned: true };
  },
  'signed non-envelope JSON': (rng, secret) => {
    const body = json(pick(rng, [[], 42, 'text', null, true, { id: 123 }, { type: 'x' }, { id: 'evt_x', type: '', created_at: 'now' }, { id: 'evt_y', type: 'bundle.created', created_at: 1 }]));
    return { kind: 'signed non-envelope JSON', body, headers: signedHeaders(secret, body), validlySigned: true };
  },
  'signed invalid UTF-8': (rng, secret) => {
    const body = Buffer.concat([Buffer.from('{"id":"evt_'), Buffer.from([0xff, 0xfe, 0xc0, randomInt(rng, 0x80, 0xff)]), Buffer.from('"}')]);
    return { kind: 'signed invalid UTF-8', body, headers: signedHeaders(secret, body), validlySigned: true };
  },
  'signed random bytes': (rng, secret) => {
    const body = randomBytesFrom(rng, randomInt(rng, 1, 2_000));
    return { kind: 'signed random bytes', body, headers: signedHeaders(secret, body), validlySigned: true };
  },
  'signed NUL in payload': (_rng, secret) => {
    const body = json(envelope({ data: { bundle_id: 'bnd_nul', note: 'a\u0000b' } }));
    return { kind: 'signed NUL in payload', body, headers: signedHeaders(secret, body), validlySigned: true };
  },
  'signed id header mismatch': (_rng, secret) => {
    const body = json(envelope());
    return { kind: 'signed id header mismatch', body, headers: signedHeaders(secret, body, { 'tokportal-event-id': `evt_other_${randomUUID()}` }), validlySigned: true };
  },
  'signed huge body': (_rng, secret) => {
    const body = json(envelope({ data: { bundle_id: 'bnd_huge', blob: 'x'.repeat(MIB) } }));
    return { kind: 'signed huge body', body, headers: signedHeaders(secret, body), validlySigned: true };
  },
  'signed deep nesting': (rng, secret) => {
    const depth = randomInt(rng, 1_000, 20_000);
    const nested = `${'['.repeat(depth)}${']'.repeat(depth)}`;
    const body = Buffer.from(`{"id":"evt_deep_${randomUUID()}","type":"bundle.created","created_at":"2026-01-01T00:00:00Z","data":{"bundle_id":"bnd_deep","x":${nested}}}`);
    return { kind: 'signed deep nesting', body, headers: signedHeaders(secret, body), validlySigned: true };
  },
};

/** Validly signed, well-formed events with hostile content: they must be accepted and stored verbatim. */
const SIGNED_ODD_EVENTS: Record<string, Generator> = {
  'nasty strings in fields': (rng, secret) => {
    const body = json(envelope({ data: { bundle_id: `bnd_odd_${randomUUID().slice(0, 8)}`, username: pick(rng, NASTY_STRINGS), [pick(rng, NASTY_STRINGS)]: pick(rng, NASTY_STRINGS) } }));
    return { kind: 'nasty strings in fields', body, headers: signedHeaders(secret, body), validlySigned: true };
  },
  'unknown event type': (rng, secret) => {
    const body = json(envelope({ type: pick(rng, ['bundle.teleported', 'x', 'DROP TABLE', 'ünïcödé.event']) }));
    return { kind: 'unknown event type', body, headers: signedHeaders(secret, body), validlySigned: true };
  },
  'odd content type': (rng, secret) => {
    const body = json(envelope());
    const type = pick(rng, ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/json; charset=latin1', '']);
    return { kind: 'odd content type', body, headers: { ...signedHeaders(secret, body), 'content-type': type }, validlySigned: true };
  },
  'event without bundle': (_rng, secret) => {
    const body = json(envelope({ type: 'subscription.renewed', data: { plan: 'pro' } }));
    return { kind: 'event without bundle', body, headers: signedHeaders(secret, body), validlySigned: true };
  },
};

const ALL = [
  ...Object.values(UNSIGNED).map((g) => [g, 4] as const),
  ...Object.values(SIGNED_GARBAGE).map((g) => [g, 2] as const),
  ...Object.values(SIGNED_ODD_EVENTS).map((g) => [g, 2] as const),
];

export function hostileCase(rng: Rng, secret: string): HostileCase {
  const total = ALL.reduce((sum, [, weight]) => sum + weight, 0);
  let roll = rng() * total;
  for (const [generate, weight] of ALL) {
    roll -= weight;
    if (roll < 0) return generate(rng, secret);
  }
  return ALL[0]![0](rng, secret);
}

/** Every kind once, so a small run still covers them all. */
export function everyKind(rng: Rng, secret: string): HostileCase[] {
  return ALL.map(([generate]) => generate(rng, secret));
}

export function validEvent(secret: string): { eventId: string; case: HostileCase } {
  const event = envelope();
  const body = json(event);
  return { eventId: event.id as string, case: { kind: 'valid', body, headers: signedHeaders(secret, body), validlySigned: true } };
}

export type Answer = { status: number; body: string } | { status: 'aborted' };

/** POSTs exactly these bytes and headers (node:http, so duplicated headers stay separate lines). */
export function send(url: string, hostile: HostileCase): Promise<Answer> {
  if (hostile.abortAfterBytes !== undefined) return sendAndCut(url, hostile);
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { method: 'POST', headers: { ...hostile.headers, 'content-length': String(hostile.body.length) } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    // A 413 may close the socket before the whole body is written: the answer still counts.
    req.on('error', (error: NodeJS.ErrnoException) => (error.code === 'EPIPE' || error.code === 'ECONNRESET' ? resolve({ status: 'aborted' }) : reject(error)));
    req.end(hostile.body);
  });
}

/** Headers announce the full length, part of the body goes out, then the socket is destroyed. */
function sendAndCut(url: string, hostile: HostileCase): Promise<Answer> {
  const { hostname, port, pathname } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect(Number(port), hostname, () => {
      const head = [`POST ${pathname} HTTP/1.1`, `Host: ${hostname}:${port}`, `Content-Length: ${hostile.body.length}`];
      for (const [name, value] of Object.entries(hostile.headers)) for (const v of [value].flat()) head.push(`${name}: ${v}`);
      socket.write(`${head.join('\r\n')}\r\n\r\n`);
      socket.write(hostile.body.subarray(0, hostile.abortAfterBytes));
      setTimeout(() => socket.destroy(), 20);
    });
    socket.on('error', () => {});
    socket.on('close', () => resolve({ status: 'aborted' }));
  });
}
