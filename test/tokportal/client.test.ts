// Contract tests: the client against the fake TokPortal over real HTTP on loopback.
// Ground truth comes from the fake's own state (getBundle, listBundleIds), never from the client.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeTokPortal, type FakeTokPortal } from '../../fake-tokportal/index.js';
import { TokPortalClient, TokPortalApiError, type ApiCallInfo } from '../../src/tokportal/client.js';
import { bundleDetailSchema, type BundleDetail } from '../../src/tokportal/schemas.js';
import { apiFailure } from '../support/api-failure.js';

const OWNER_KEY = 'sk_' + 'a'.repeat(64);
const OTHER_KEY = 'sk_' + 'b'.repeat(64);
const REVOKED_KEY = 'sk_' + 'c'.repeat(64);
const UNKNOWN_KEY = 'sk_' + 'd'.repeat(64);
const SEEDED = 60;

let fake: FakeTokPortal;
let client: TokPortalClient;
let truth: BundleDetail[];
const calls: ApiCallInfo[] = [];

beforeAll(async () => {
  fake = await startFakeTokPortal({
    bundles: SEEDED,
    seed: 'client-contract',
    rateLimitPerMin: 0,
    apiKeys: [OWNER_KEY, OTHER_KEY],
    revokedApiKeys: [REVOKED_KEY],
  });
  client = new TokPortalClient({ baseUrl: fake.baseUrl, apiKey: fake.apiKey, onCall: (info) => calls.push(info) });
  truth = fake.listBundleIds().map((id) => bundleDetailSchema.parse(fake.getBundle(id)));
});

afterAll(async () => {
  await fake?.close();
});

const ids = (items: { id: string }[]) => items.map((item) => item.id).sort();

describe('GET /bundles', () => {
  it('answers the first page with the documented default of 25 and a pagination object', async () => {
    const result = await client.listBundles();
    expect(result.data).toHaveLength(25);
    expect(result.pagination).toEqual({ page: 1, per_page: 25, total: SEEDED, total_pages: 3 });
    expect(result.requestId).toMatch(/^req_/);
  });

  it('walks every page with the iterator, each bundle exactly once', async () => {
    const pages: number[] = [];
    const seen: string[] = [];
    for await (const page of client.iterateBundlePages({ per_page: 25 })) {
      pages.push(page.page);
      seen.push(...page.data.map((bundle) => bundle.id));
    }
    expect(pages).toEqual([1, 2, 3]);
    expect(seen).toHaveLength(SEEDED);
    expect(seen.sort()).toEqual(fake.listBundleIds().sort());
  });

  it('resumes the iterator from a start page and takes per_page up to 100', async () => {
    const fromTwo = [];
    for await (const page of client.iterateBundlePages({ per_page: 20, startPage: 2 })) fromTwo.push(page.page);
    expect(fromTwo).toEqual([2, 3]);
    const all = await client.listBundles({ per_page: 100 });
    expect(all.data).toHaveLength(SEEDED);
    expect(all.pagination?.total_pages).toBe(1);
  });

  it.each(['status', 'bundle_type', 'account_status', 'platform'] as const)('filters by %s', async (filter) => {
    const value = truth.map((bundle) => bundle[filter]).find((candidate) => candidate !== null);
    expect(value).toBeTruthy();
    const expected = truth.filter((bundle) => bundle[filter] === value);
    const result = await client.listBundles({ [filter]: value!, per_page: 100 });
    expect(ids(result.data)).toEqual(ids(expected));
    expect(result.pagination?.total).toBe(expected.length);
  });

  it('filters by external_ref', async () => {
    const target = truth.find((bundle) => bundle.external_ref !== null) ?? truth[0]!;
    if (target.external_ref === null) await client.updateBundle(target.id, { external_ref: 'contract-ref' });
    const ref = target.external_ref ?? 'contract-ref';
    const result = await client.listBundles({ external_ref: ref });
    expect(ids(result.data)).toEqual([target.id]);
  });

  it('parses every list item the fake serves, computed fields and remade included', async () => {
    const result = await client.listBundles({ per_page: 100 });
    for (const item of result.data) {
      const detail = truth.find((bundle) => bundle.id === item.id)!;
      expect(item.status).toBe(detail.status);
      expect(item.remade).toEqual(detail.remade);
      expect(typeof item.is_published).toBe('boolean');
      expect(item.videos_total).toBe(detail.videos.length);
    }
  });
});

describe('GET /bundles/:id', () => {
  it('answers what the fake holds, account and videos included', async () => {
    const target = truth.find((bundle) => bundle.account !== null && bundle.videos.length > 0) ?? truth[0]!;
    const detail = await client.getBundle(target.id);
    expect(detail).toEqual(target);
  });

  it('sees a remake: new handle, remade_count + 1, old_username, same bundle id and listing id', async () => {
    const target = truth.find((bundle) => bundle.account?.username)!;
    await fake.remake(target.id);
    const detail = await client.getBundle(target.id);
    expect(detail.id).toBe(target.id);
    expect(detail.remade.remade_count).toBe(target.remade.remade_count + 1);
    expect(detail.remade.old_username).toBe(target.account!.username);
    expect(detail.account!.id).toBe(target.account!.id);
    expect(detail.account!.username).not.toBe(target.account!.username);
    expect(Date.parse(detail.updated_at)).toBeGreaterThan(Date.parse(target.updated_at));
  });

  it('404 BUNDLE_NOT_FOUND, not retryable', async () => {
    const error = await apiFailure(client.getBundle('bnd_does_not_exist'));
    expect(error).toMatchObject({ status: 404, code: 'BUNDLE_NOT_FOUND', retryable: false, method: 'GET' });
    expect(error.requestId).toMatch(/^req_/);
  });

  it("403 BUNDLE_NOT_OWNED for another key's bundle", async () => {
    const other = new TokPortalClient({ baseUrl: fake.baseUrl, apiKey: OTHER_KEY });
    const error = await apiFailure(other.getBundle(truth[0]!.id));
    expect(error).toMatchObject({ status: 403, code: 'BUNDLE_NOT_OWNED', retryable: false });
  });
});

describe('POST /bundles, PATCH, publish-readiness, publish, unpublish', () => {
  let created: BundleDetail;

  it('creates a bundle in pending_setup', async () => {
    created = await client.createBundle({ bundle_type: 'account_only', platform: 'tiktok', country: 'US', external_ref: 'contract-new' });
    expect(created).toMatchObject({ bundle_type: 'account_only', platform: 'tiktok', status: 'pending_setup', external_ref: 'contract-new' });
    expect(fake.listBundleIds()).toContain(created.id);
  });

  it('400 VALIDATION_ERROR for a create the documentation forbids (niche + deep warming)', async () => {
    const error = await apiFailure(
      client.createBundle({
        bundle_type: 'account_only',
        platform: 'instagram',
        country: 'US',
        wants_niche_warming: true,
        niche_warming_instructions: 'fitness',
        wants_deep_warming: true,
      }),
    );
    expect(error).toMatchObject({ status: 400, code: 'VALIDATION_ERROR', retryable: false });
  });

  it('updates settings and answers the settable fields', async () => {
    const answer = await client.updateBundle(created.id, { title: 'Contract', auto_finalize_videos: true, external_ref: 'contract-new-2' });
    expect(answer).toMatchObject({ id: created.id, title: 'Contract', auto_finalize_videos: true, external_ref: 'contract-new-2' });
    expect(bundleDetailSchema.parse(fake.getBundle(created.id)).external_ref).toBe('contract-new-2');
  });

  it('clears external_ref with null', async () => {
    await client.updateBundle(created.id, { external_ref: null });
    expect(bundleDetailSchema.parse(fake.getBundle(created.id)).external_ref).toBeNull();
    await client.updateBundle(created.id, { external_ref: 'contract-new-2' });
  });

  it('PATCH errors: no field and too long are 400, duplicate ref 409, unknown 404, foreign 403', async () => {
    expect(await apiFailure(client.updateBundle(created.id, {}))).toMatchObject({ status: 400, code: 'VALIDATION_ERROR' });
    expect(await apiFailure(client.updateBundle(created.id, { title: 'x'.repeat(201) }))).toMatchObject({
      status: 400,
      code: 'VALIDATION_ERROR',
    });
    const taken = await client.createBundle({ bundle_type: 'account_only', platform: 'tiktok', country: 'FR', external_ref: 'taken' });
    const duplicate = await apiFailure(client.updateBundle(created.id, { external_ref: 'taken' }));
    expect(duplicate).toMatchObject({ status: 409, code: 'DUPLICATE_EXTERNAL_REF', retryable: false });
    expect(taken.id).not.toBe(created.id);
    expect(await apiFailure(client.updateBundle('bnd_nope', { title: 'x' }))).toMatchObject({ status: 404, code: 'BUNDLE_NOT_FOUND' });
    const other = new TokPortalClient({ baseUrl: fake.baseUrl, apiKey: OTHER_KEY });
    expect(await apiFailure(other.updateBundle(created.id, { title: 'x' }))).toMatchObject({ status: 403, code: 'BUNDLE_NOT_OWNED' });
  });

  it('reports blockers until the account is configured, then ready', async () => {
    const before = await client.getPublishReadiness(created.id);
    expect(before).toMatchObject({ bundle_id: created.id, ready: false });
    expect(before.blockers.map((blocker) => blocker.code)).toContain('ACCOUNT_MISSING');
    await fake.advance(created.id); // configure_account
    const after = await client.getPublishReadiness(created.id);
    expect(after).toEqual({ bundle_id: created.id, ready: true, blockers: [] });
  });

  it('publishes, refuses a second publish with 409 BUNDLE_INVALID_STATUS and the current status, unpublishes', async () => {
    const published = await client.publishBundle(created.id);
    expect(published).toMatchObject({ id: created.id, status: 'published', is_published: true });
    const again = await apiFailure(client.publishBundle(created.id));
    expect(again).toMatchObject({ status: 409, code: 'BUNDLE_INVALID_STATUS', retryable: false });
    expect(again.details['current_status']).toBe('published');
    const readiness = await client.getPublishReadiness(created.id);
    expect(readiness.blockers.map((blocker) => blocker.code)).toContain('BUNDLE_ALREADY_PUBLISHED');
    const unpublished = await client.unpublishBundle(created.id);
    expect(unpublished).toMatchObject({ status: 'pending_setup', is_published: false });
  });

  it('402 INSUFFICIENT_CREDITS when the balance is short', async () => {
    const poor = await startFakeTokPortal({ rateLimitPerMin: 0, credits: 1 });
    try {
      const api = new TokPortalClient({ baseUrl: poor.baseUrl, apiKey: poor.apiKey });
      const error = await apiFailure(api.createBundle({ bundle_type: 'account_only', platform: 'tiktok', country: 'US' }));
      expect(error).toMatchObject({ status: 402, code: 'INSUFFICIENT_CREDITS', retryable: false });
    } finally {
      await poor.close();
    }
  });
});

describe('authentication', () => {
  it.each([
    ['', 'AUTH_MISSING_KEY'],
    [UNKNOWN_KEY, 'AUTH_INVALID_KEY'],
    [REVOKED_KEY, 'AUTH_REVOKED_KEY'],
  ])('key %j → 401 %s, not retryable, key absent from the error', async (apiKey, code) => {
    const api = new TokPortalClient({ baseUrl: fake.baseUrl, apiKey });
    const error = await apiFailure(api.listBundles());
    expect(error).toMatchObject({ status: 401, code, retryable: false });
    if (apiKey) expect(JSON.stringify(error) + error.message + String(error.stack)).not.toContain(apiKey);
  });
});

describe('rate limit and faults', () => {
  it('429 RATE_LIMIT_EXCEEDED carries Retry-After and the rate-limit headers, and is retryable', async () => {
    const limited = await startFakeTokPortal({ rateLimitPerMin: 3 });
    try {
      const seen: ApiCallInfo[] = [];
      const api = new TokPortalClient({ baseUrl: limited.baseUrl, apiKey: limited.apiKey, onCall: (info) => seen.push(info) });
      const results = await Promise.allSettled(Array.from({ length: 6 }, () => api.listBundles()));
      const errors = results.filter((result) => result.status === 'rejected').map((result) => result.reason as TokPortalApiError);
      expect(errors.length).toBeGreaterThan(0);
      const error = errors[0]!;
      expect(error).toMatchObject({ status: 429, code: 'RATE_LIMIT_EXCEEDED', retryable: true });
      expect(error.retryAfterSeconds).toBeGreaterThan(0);
      expect(error.details['retry_after_seconds']).toBe(error.retryAfterSeconds);
      expect(error.rateLimit).toMatchObject({ limit: 3, remaining: 0 });
      expect(error.rateLimit!.resetAt).toBeGreaterThan(Date.now() / 1000 - 1);
      const ok = seen.find((info) => info.status === 200)!;
      expect(ok.rateLimit!.remaining).toBeGreaterThanOrEqual(0);
      expect(limited.stats().rateLimited).toBe(errors.length);
    } finally {
      await limited.close();
    }
  });

  it('injected 5xx are retryable with their API code', async () => {
    fake.setFaults({ errorRate: 1 });
    try {
      const error = await apiFailure(client.getBundle(truth[0]!.id));
      expect(error.status).toBeGreaterThanOrEqual(500);
      expect(error.retryable).toBe(true);
      expect(['INTERNAL_ERROR', 'BAD_GATEWAY', 'SERVICE_UNAVAILABLE']).toContain(error.code);
    } finally {
      fake.setFaults({ errorRate: 0 });
    }
  });

  it('a dropped connection is NETWORK_ERROR, retryable', async () => {
    fake.setFaults({ resetRate: 1 });
    try {
      expect(await apiFailure(client.getBundle(truth[0]!.id))).toMatchObject({ code: 'NETWORK_ERROR', status: null, retryable: true });
    } finally {
      fake.setFaults({ resetRate: 0 });
    }
  });

  it('latency over the timeout is TIMEOUT, retryable', async () => {
    fake.setFaults({ latencyMs: 400 });
    try {
      const slow = new TokPortalClient({ baseUrl: fake.baseUrl, apiKey: fake.apiKey, timeoutMs: 100 });
      expect(await apiFailure(slow.getBundle(truth[0]!.id))).toMatchObject({ code: 'TIMEOUT', retryable: true });
    } finally {
      fake.setFaults({ latencyMs: 0 });
    }
  });
});

describe('onCall', () => {
  it('names routes by pattern, never by id, and agrees with the fake on how many calls were made', async () => {
    calls.length = 0;
    fake.resetStats();
    await client.getBundle(truth[1]!.id);
    await client.getBundle(truth[2]!.id);
    await apiFailure(client.getBundle('bnd_missing'));
    await client.listBundles({ page: 2 });
    expect(calls.map((info) => `${info.route} ${info.status}`)).toEqual([
      'GET /bundles/:id 200',
      'GET /bundles/:id 200',
      'GET /bundles/:id 404',
      'GET /bundles 200',
    ]);
    expect(calls.every((info) => !info.route.includes('bnd_'))).toBe(true);
    expect(fake.stats().requests).toMatchObject({ 'GET /bundles/:id 200': 2, 'GET /bundles/:id 404': 1, 'GET /bundles 200': 1 });
  });
});
