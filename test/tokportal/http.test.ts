// The client's HTTP transport: the rate-limit headers it reads, and the edge cases the fake
// TokPortal has no reason to produce (bodies that are not JSON, proxies' HTML errors, answers
// that stall mid-body), played by a real HTTP server on loopback whose handler each test sets.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { inspect } from 'node:util';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { TokPortalClient, type ApiCallInfo } from '../../src/tokportal/client.js';
import { CLIENT_HEADER_VALUE, parseRateLimit, parseRetryAfter } from '../../src/tokportal/http.js';
import { apiFailure } from '../support/api-failure.js';

const API_KEY = 'sk_' + '0123456789abcdef'.repeat(4);
type Handler = (req: IncomingMessage, res: ServerResponse, body: string) => void;

let server: Server;
let baseUrl: string;
let handler: Handler;
let seen: { method: string; url: string; headers: IncomingMessage['headers']; body: string }[];

const json = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
  res.writeHead(status, { 'content-type': 'application/json', 'x-tokportal-request-id': 'req_edge', ...headers });
  res.end(JSON.stringify(body));
};

const bundle = (id: string) => ({
  id,
  status: 'published',
  created_at: '2026-01-15T10:30:00Z',
  updated_at: '2026-01-15T12:00:00Z',
});

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    req.on('end', () => {
      seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      handler(req, res, body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/ext`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

beforeEach(() => {
  seen = [];
  handler = (_req, res) => json(res, 200, { data: bundle('bnd_1') });
});

const client = (extra: Partial<ConstructorParameters<typeof TokPortalClient>[0]> = {}) =>
  new TokPortalClient({ baseUrl, apiKey: API_KEY, timeoutMs: 2_000, ...extra });

describe('parseRetryAfter', () => {
  it('reads delay-seconds, rounding up', () => {
    expect(parseRetryAfter('7')).toBe(7);
    expect(parseRetryAfter(' 1.2 ')).toBe(2);
  });
  it('reads an HTTP date relative to now', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(parseRetryAfter('Thu, 01 Jan 2026 00:00:30 GMT', now)).toBe(30);
    expect(parseRetryAfter('Wed, 31 Dec 2025 23:00:00 GMT', now)).toBe(0);
  });
  it('ignores absent or garbage values', () => {
    expect(parseRetryAfter(null)).toBeNull();
    expect(parseRetryAfter('')).toBeNull();
    expect(parseRetryAfter('soon')).toBeNull();
  });
});

describe('parseRateLimit', () => {
  it('reads the three headers', () => {
    const headers = new Headers({ 'X-RateLimit-Limit': '120', 'X-RateLimit-Remaining': '0', 'X-RateLimit-Reset': '1767225600' });
    expect(parseRateLimit(headers)).toEqual({ limit: 120, remaining: 0, resetAt: 1767225600 });
  });
  it('is null without any of them, partial when some are missing', () => {
    expect(parseRateLimit(new Headers())).toBeNull();
    expect(parseRateLimit(new Headers({ 'x-ratelimit-remaining': '5' }))).toEqual({ limit: null, remaining: 5, resetAt: null });
  });
});

describe('request shape', () => {
  it('sends the key, Accept, the client header and a JSON body', async () => {
    handler = (_req, res) => json(res, 200, { data: { id: 'bnd_1', title: 'x' } });
    await client().updateBundle('bnd_1', { title: 'x' });
    const request = seen[0]!;
    expect(request.method).toBe('PATCH');
    expect(request.url).toBe('/api/ext/bundles/bnd_1');
    expect(request.headers['x-api-key']).toBe(API_KEY);
    expect(request.headers['accept']).toBe('application/json');
    expect(request.headers['x-tokportal-client']).toBe(CLIENT_HEADER_VALUE);
    expect(CLIENT_HEADER_VALUE).toMatch(/^tokportal-sync\/\d+\.\d+\.\d+/);
    expect(request.headers['content-type']).toBe('application/json');
    expect(JSON.parse(request.body)).toEqual({ title: 'x' });
  });

  it('encodes ids into the path and leaves unset filters out of the query', async () => {
    await client().getBundle('a/b?c');
    expect(seen[0]!.url).toBe('/api/ext/bundles/a%2Fb%3Fc');
    handler = (_req, res) => json(res, 200, { data: [], pagination: { page: 2, per_page: 10, total: 0, total_pages: 0 } });
    await client().listBundles({ status: 'published', platform: undefined, page: 2, per_page: 10 });
    expect(seen[1]!.url).toBe('/api/ext/bundles?status=published&page=2&per_page=10');
  });

  it('refuses per_page over 100 or a page below 1 without spending a call', async () => {
    await expect(client().listBundles({ per_page: 101 })).rejects.toThrow(RangeError);
    await expect(client().listBundles({ page: 0 })).rejects.toThrow(RangeError);
    expect(seen).toHaveLength(0);
  });

  it('walks a list without pagination while pages come back full', async () => {
    // Pages of 2: full, full, then one item: three pages, no pagination object anywhere.
    handler = (req, res) => {
      const page = Number(new URL(req.url!, 'http://x').searchParams.get('page'));
      json(res, 200, { data: page < 3 ? [bundle(`bnd_${page}a`), bundle(`bnd_${page}b`)] : [bundle('bnd_3a')] });
    };
    const result = await client().listBundles({ per_page: 2 });
    expect(result.pagination).toBeNull();
    const pages = [];
    for await (const page of client().iterateBundlePages({ per_page: 2 })) pages.push([page.page, page.data.length]);
    expect(pages).toEqual([
      [1, 2],
      [2, 2],
      [3, 1],
    ]);
  });
});

describe('answers that are not what the API documents', () => {
  it('a 200 body that is not JSON is INVALID_RESPONSE, not retryable, with the request id', async () => {
    handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html', 'x-tokportal-request-id': 'req_html' });
      res.end('<html>maintenance</html>');
    };
    const error = await apiFailure(client().getBundle('bnd_1'));
    expect(error).toMatchObject({ code: 'INVALID_RESPONSE', status: 200, retryable: false, requestId: 'req_html' });
  });

  it('a 200 body missing required fields is INVALID_RESPONSE naming the field', async () => {
    handler = (_req, res) => json(res, 200, { data: { status: 'published' } });
    const error = await apiFailure(client().getBundle('bnd_1'));
    expect(error.code).toBe('INVALID_RESPONSE');
    expect(error.retryable).toBe(false);
    expect(error.requestId).toBe('req_edge');
    expect(String(error.details['issues'])).toContain('data.id');
  });

  it('a proxy HTML 502 is HTTP_502 and retryable', async () => {
    handler = (_req, res) => {
      res.writeHead(502, { 'content-type': 'text/html' });
      res.end('<h1>Bad Gateway</h1>');
    };
    const error = await apiFailure(client().getBundle('bnd_1'));
    expect(error).toMatchObject({ code: 'HTTP_502', status: 502, retryable: true, requestId: null });
  });

  it('takes retry_after_seconds from the details when Retry-After is absent', async () => {
    handler = (_req, res) =>
      json(res, 429, { error: { code: 'RATE_LIMIT_EXCEEDED', message: 'slow down', details: { retry_after_seconds: 12 } } });
    const error = await apiFailure(client().getBundle('bnd_1'));
    expect(error).toMatchObject({ code: 'RATE_LIMIT_EXCEEDED', retryAfterSeconds: 12, retryable: true });
  });
});

describe('transport failures', () => {
  it('no answer within the timeout is TIMEOUT and retryable', async () => {
    handler = () => undefined; // never answers
    const started = Date.now();
    const error = await apiFailure(client({ timeoutMs: 200 }).getBundle('bnd_1'));
    expect(error).toMatchObject({ code: 'TIMEOUT', status: null, retryable: true });
    expect(Date.now() - started).toBeLessThan(1_500);
  });

  it('a body that stalls after the headers is TIMEOUT too', async () => {
    handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"data":');
    };
    const error = await apiFailure(client({ timeoutMs: 200 }).getBundle('bnd_1'));
    expect(error.code).toBe('TIMEOUT');
  });

  it('a dropped connection is NETWORK_ERROR and retryable', async () => {
    handler = (req) => req.socket.destroy();
    const error = await apiFailure(client().getBundle('bnd_1'));
    expect(error).toMatchObject({ code: 'NETWORK_ERROR', status: null, retryable: true });
  });

  it('a refused connection is NETWORK_ERROR naming the socket error', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const error = await apiFailure(new TokPortalClient({ baseUrl: `http://127.0.0.1:${port}`, apiKey: API_KEY }).getBundle('x'));
    expect(error.code).toBe('NETWORK_ERROR');
    expect(error.message).toContain('ECONNREFUSED');
  });
});

describe('onCall', () => {
  it('reports the route pattern, status, request id and rate limit of every call, failures included', async () => {
    const calls: ApiCallInfo[] = [];
    handler = (_req, res) => json(res, 200, { data: bundle('bnd_9') }, { 'x-ratelimit-remaining': '41', 'x-ratelimit-limit': '120' });
    const api = client({ onCall: (info) => calls.push(info) });
    await api.getBundle('bnd_9');
    handler = (req) => req.socket.destroy();
    await apiFailure(api.publishBundle('bnd_9'));
    expect(calls).toHaveLength(2);
    expect(calls[0]).toMatchObject({
      method: 'GET',
      route: 'GET /bundles/:id',
      status: 200,
      requestId: 'req_edge',
      rateLimit: { limit: 120, remaining: 41, resetAt: null },
    });
    expect(calls[0]!.durationMs).toBeGreaterThan(0);
    expect(calls[1]).toMatchObject({ route: 'POST /bundles/:id/publish', status: null });
  });

  it('a throwing hook does not fail the call', async () => {
    const bundleDetail = await client({
      onCall: () => {
        throw new Error('metrics broke');
      },
    }).getBundle('bnd_1');
    expect(bundleDetail.id).toBe('bnd_1');
  });
});

describe('the API key never leaks', () => {
  it('is absent from the error message, toString, JSON and inspect output, and from the client', async () => {
    // A hostile or buggy server echoing the key back must not get it into our logs either.
    handler = (_req, res) =>
      json(res, 401, { error: { code: 'AUTH_INVALID_KEY', message: `Invalid key ${API_KEY}`, details: { key: API_KEY } } });
    const api = client();
    const error = await apiFailure(api.getBundle('bnd_1'));
    expect(error.code).toBe('AUTH_INVALID_KEY');
    for (const text of [error.message, String(error), JSON.stringify(error), inspect(error, { depth: 10 }), error.stack ?? '']) {
      expect(text).not.toContain(API_KEY);
    }
    expect(error.message).toContain('[redacted]');
    expect(inspect(api, { depth: 10, showHidden: true })).not.toContain(API_KEY);
    expect(JSON.stringify(api)).not.toContain(API_KEY);

    handler = (req) => req.socket.destroy();
    const network = await apiFailure(api.getBundle('bnd_1'));
    expect(inspect(network, { depth: 10 })).not.toContain(API_KEY);
  });
});
