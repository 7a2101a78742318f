// The Bundles API of the fake against TokPortal's documentation (docs/tokportal-api.md): envelopes, filters, pagination, detail,
// create and PATCH rules, auth and ownership errors. Real HTTP on 127.0.0.1.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleDetailSchema, bundleListItemSchema, paginationSchema } from '../../src/tokportal/schemas.js';
import { startTestFake, type FakeTokPortal } from '../support/fake.js';
import { call, findBundle } from './helpers.js';

const OTHER_KEY = `sk_${'b'.repeat(64)}`;
const REVOKED_KEY = `sk_${'c'.repeat(64)}`;
let fake: FakeTokPortal;

beforeAll(async () => {
  fake = await startTestFake({ bundles: 300, seed: 'api-tests' });
});
afterAll(() => fake.close());

/** Every page of a filtered list, checking the pagination object on the way. */
async function listAll(query: string, perPage = 40): Promise<any[]> {
  const items: any[] = [];
  for (let page = 1; ; page++) {
    const answer = await call(fake, 'GET', `/bundles?${query}&page=${page}&per_page=${perPage}`);
    expect(answer.status).toBe(200);
    const pagination = paginationSchema.parse(answer.body.pagination);
    expect(pagination).toMatchObject({ page, per_page: perPage });
    expect(pagination.total_pages).toBe(Math.ceil(pagination.total / perPage));
    items.push(...answer.body.data);
    if (page >= pagination.total_pages) {
      expect(items).toHaveLength(pagination.total);
      return items;
    }
  }
}

describe('envelopes and headers', () => {
  it('answers {data, pagination} with a request id, items that parse as the documented list item', async () => {
    const answer = await call(fake, 'GET', '/bundles');
    expect(answer.status).toBe(200);
    expect(answer.headers.get('x-tokportal-request-id')).toMatch(/^req_[0-9a-f]+$/);
    expect(answer.body.pagination).toEqual({ page: 1, per_page: 25, total: 300, total_pages: 12 });
    expect(answer.body.data).toHaveLength(25);
    for (const item of answer.body.data) {
      bundleListItemSchema.parse(item);
      expect(Object.keys(item)).toEqual(
        expect.arrayContaining(['id', 'status', 'account_status', 'is_published', 'next_action', 'remade', 'updated_at']),
      );
      expect(item).not.toHaveProperty('account');
    }
  });

  it('answers errors as {error:{code,message,details}} with a request id, also on unknown routes', async () => {
    const missing = await call(fake, 'GET', '/bundles/bnd_doesnotexist');
    expect(missing.status).toBe(404);
    expect(missing.body).toEqual({
      error: { code: 'BUNDLE_NOT_FOUND', message: expect.any(String), details: { bundle_id: 'bnd_doesnotexist' } },
    });
    expect(missing.headers.get('x-tokportal-request-id')).toMatch(/^req_/);
    const unknown = await call(fake, 'GET', '/nothing-here');
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.code).toBe('NOT_FOUND');
  });

  it('gives every response its own request id', async () => {
    const [a, b] = await Promise.all([call(fake, 'GET', '/bundles'), call(fake, 'GET', '/bundles')]);
    expect(a.headers.get('x-tokportal-request-id')).not.toBe(b.headers.get('x-tokportal-request-id'));
  });
});

describe('GET /bundles', () => {
  it('pages through every bundle exactly once in a stable order (created_at, then id)', async () => {
    const all = await listAll('', 40);
    expect(new Set(all.map((b) => b.id)).size).toBe(300);
    const keys = all.map((b) => `${b.created_at}|${b.id}`);
    expect(keys).toEqual([...keys].sort());
    const again = await listAll('', 100);
    expect(again.map((b) => b.id)).toEqual(all.map((b) => b.id));
  });

  it('answers an empty page past the end, with the real totals', async () => {
    const answer = await call(fake, 'GET', '/bundles?page=99&per_page=100');
    expect(answer.body).toEqual({ data: [], pagination: { page: 99, per_page: 100, total: 300, total_pages: 3 } });
  });

  it.each([
    ['status', 'completed'],
    ['status', 'pending_setup'],
    ['bundle_type', 'videos_only'],
    ['bundle_type', 'account_only'],
    ['account_status', 'in_review'],
    ['account_status', 'finalized'],
    ['platform', 'instagram'],
    ['platform', 'tiktok'],
  ])('filters by %s=%s (every match, nothing else)', async (field, value) => {
    const filtered = await listAll(`${field}=${value}`, 50);
    const expected = fake.listBundleIds().filter((id) => (fake.getBundle(id) as any)[field] === value);
    expect(filtered.length).toBeGreaterThan(0);
    expect(filtered.map((b) => b.id).sort()).toEqual(expected.sort());
  });

  it('filters by external_ref exactly, and combines filters', async () => {
    const target = findBundle(fake, (b) => b.external_ref !== null && b.platform === 'tiktok');
    const byRef = await call(fake, 'GET', `/bundles?external_ref=${encodeURIComponent(target.external_ref)}`);
    expect(byRef.body.data.map((b: any) => b.id)).toEqual([target.id]);
    const combined = await call(fake, 'GET', `/bundles?external_ref=${target.external_ref}&platform=instagram`);
    expect(combined.body.data).toEqual([]);
    const prefix = await call(fake, 'GET', `/bundles?external_ref=${target.external_ref.slice(0, -1)}`);
    expect(prefix.body.data.every((b: any) => b.id !== target.id)).toBe(true);
    const both = await listAll('status=completed&bundle_type=account_only', 100);
    expect(both.every((b) => b.status === 'completed' && b.bundle_type === 'account_only')).toBe(true);
  });

  it.each([
    ['status=flying', 'status'],
    ['bundle_type=everything', 'bundle_type'],
    ['account_status=lost', 'account_status'],
    ['platform=myspace', 'platform'],
    ['page=0', 'page'],
    ['page=abc', 'page'],
    ['per_page=101', 'per_page'],
    ['per_page=0', 'per_page'],
    ['per_page=-3', 'per_page'],
  ])('rejects %s with 400 VALIDATION_ERROR naming the field', async (query, field) => {
    const answer = await call(fake, 'GET', `/bundles?${query}`);
    expect(answer.status).toBe(400);
    expect(answer.body.error.code).toBe('VALIDATION_ERROR');
    expect(answer.body.error.details.fields).toHaveProperty(field);
  });

  it('accepts per_page=100 and the documented youtube platform value', async () => {
    expect((await call(fake, 'GET', '/bundles?per_page=100')).body.data).toHaveLength(100);
    expect((await call(fake, 'GET', '/bundles?platform=youtube')).body.pagination.total).toBe(0);
  });
});

describe('GET /bundles/:id', () => {
  it('answers the list item plus saved_account_id, account and videos, as the documentation shows', async () => {
    const seeded = findBundle(fake, (b) => b.bundle_type === 'account_and_videos' && b.saved_account_id !== null);
    const answer = await call(fake, 'GET', `/bundles/${seeded.id}`);
    expect(answer.status).toBe(200);
    const detail = bundleDetailSchema.parse(answer.body.data);
    expect(answer.body.data.account).toEqual({
      id: expect.stringMatching(/^al_/),
      saved_account_id: detail.saved_account_id,
      username: expect.any(String),
      visible_name: expect.any(String),
      biography: expect.any(String),
      profile_picture_url: expect.stringMatching(/^https:\/\//),
    });
    expect(detail.videos.map((v) => v.position)).toEqual(detail.videos.map((_, i) => i + 1));
    expect(detail.videos_total).toBe(detail.videos.length);
    const { account, videos, saved_account_id, ...listPart } = answer.body.data;
    const listed = await call(fake, 'GET', `/bundles?external_ref=${seeded.external_ref ?? ''}`);
    if (seeded.external_ref) expect(listed.body.data[0]).toEqual(listPart);
    expect(answer.body.data).toEqual(fake.getBundle(seeded.id));
  });

  it('shows account null and saved_account_id null before the account exists', async () => {
    const fresh = findBundle(fake, (b) => b.status === 'pending_setup' && b.account === null);
    const detail = (await call(fake, 'GET', `/bundles/${fresh.id}`)).body.data;
    expect(detail).toMatchObject({ account: null, saved_account_id: null, account_status: null, account_configured: false });
    expect(detail.next_action).toBe('configure_account');
  });
});

describe('auth and ownership', () => {
  let guarded: FakeTokPortal;
  beforeAll(async () => {
    guarded = await startTestFake({ bundles: 3, seed: 'owners', apiKeys: [fake.apiKey, OTHER_KEY], revokedApiKeys: [REVOKED_KEY] });
  });
  afterAll(() => guarded.close());

  it.each([
    [null, 'AUTH_MISSING_KEY'],
    [`sk_${'d'.repeat(64)}`, 'AUTH_INVALID_KEY'],
    ['not-even-a-key', 'AUTH_INVALID_KEY'],
    [REVOKED_KEY, 'AUTH_REVOKED_KEY'],
  ])('answers 401 %s → %s, without rate-limit headers', async (apiKey, code) => {
    const answer = await call(guarded, 'GET', '/bundles', { apiKey });
    expect(answer.status).toBe(401);
    expect(answer.body.error.code).toBe(code);
    expect(answer.headers.get('x-ratelimit-limit')).toBeNull();
  });

  it('answers 403 BUNDLE_NOT_OWNED on every bundle route for another key, and lists only own bundles', async () => {
    const [id] = guarded.listBundleIds();
    for (const [method, path] of [
      ['GET', `/bundles/${id}`],
      ['PATCH', `/bundles/${id}`],
      ['GET', `/bundles/${id}/publish-readiness`],
      ['POST', `/bundles/${id}/publish`],
      ['POST', `/bundles/${id}/unpublish`],
    ] as const) {
      const answer = await call(guarded, method, path, { apiKey: OTHER_KEY, body: method === 'PATCH' ? { title: 'x' } : undefined });
      expect(answer.status, `${method} ${path}`).toBe(403);
      expect(answer.body.error.code).toBe('BUNDLE_NOT_OWNED');
    }
    expect((await call(guarded, 'GET', '/bundles', { apiKey: OTHER_KEY })).body.pagination.total).toBe(0);
    expect((await call(guarded, 'GET', '/bundles')).body.pagination.total).toBe(3);
  });
});

describe('POST /bundles', () => {
  const base = { bundle_type: 'account_and_videos', platform: 'tiktok', country: 'US', videos_quantity: 3 };

  it('creates a pending_setup bundle (201) with computed fields and credit cost', async () => {
    const answer = await call(fake, 'POST', '/bundles', {
      body: { ...base, external_ref: 'create-1', wants_niche_warming: true, niche_warming_instructions: 'fitness', wants_moderation: true },
    });
    expect(answer.status).toBe(201);
    expect(answer.body.data).toMatchObject({
      status: 'pending_setup',
      external_ref: 'create-1',
      credit_cost: 40,
      wants_moderation: false,
      is_published: false,
      account_configured: false,
      videos_total: 3,
      videos_configured_count: 0,
      next_action: 'configure_account',
      account: null,
      remade: { was_remade: false, remade_count: 0, old_username: null, remade_at: null },
    });
    expect(answer.body.data.videos.map((v: any) => v.status)).toEqual(['pending', 'pending', 'pending']);
    expect((await call(fake, 'GET', `/bundles/${answer.body.data.id}`)).body.data).toEqual(answer.body.data);
  });

  it('creates a videos_only bundle on the existing account', async () => {
    const owner = findBundle(fake, (b) => b.saved_account_id !== null && b.bundle_type !== 'videos_only');
    const answer = await call(fake, 'POST', '/bundles', {
      body: { ...base, bundle_type: 'videos_only', videos_quantity: 2, existing_account_id: owner.saved_account_id },
    });
    expect(answer.status).toBe(201);
    expect(answer.body.data).toMatchObject({
      existing_account_id: owner.saved_account_id,
      saved_account_id: owner.saved_account_id,
      account: { username: owner.account.username },
      account_configured: true,
      next_action: 'configure_videos',
      credit_cost: 20,
    });
  });

  it.each([
    [{ wants_niche_warming: true, niche_warming_instructions: 'x', wants_deep_warming: true, platform: 'instagram' }, 'wants_deep_warming'],
    [{ wants_niche_warming: true }, 'niche_warming_instructions'],
    [{ wants_deep_warming: true, platform: 'tiktok' }, 'wants_deep_warming'],
    [{ edits_quantity: 4 }, 'edits_quantity'],
    [{ bundle_type: 'videos_only' }, 'existing_account_id'],
    [{ bundle_type: 'account_only' }, 'videos_quantity'],
    [{ platform: 'myspace' }, 'platform'],
    [{ country: 'usa' }, 'country'],
    [{ external_ref: 'x'.repeat(201) }, 'external_ref'],
  ])('refuses option restrictions %j with 400 naming %s', async (override, field) => {
    const answer = await call(fake, 'POST', '/bundles', { body: { ...base, ...override } });
    expect(answer.status).toBe(400);
    expect(answer.body.error.code).toBe('VALIDATION_ERROR');
    expect(answer.body.error.details.fields).toHaveProperty(field);
  });

  it('accepts deep warming on Instagram and charges for it', async () => {
    const answer = await call(fake, 'POST', '/bundles', { body: { ...base, platform: 'instagram', wants_deep_warming: true, edits_quantity: 2 } });
    expect(answer.status).toBe(201);
    expect(answer.body.data.credit_cost).toBe(10 + 30 + 10 + 20);
  });

  it('refuses a duplicate external_ref with 409, and malformed JSON with 400', async () => {
    const taken = findBundle(fake, (b) => b.external_ref !== null).external_ref;
    const duplicate = await call(fake, 'POST', '/bundles', { body: { ...base, external_ref: taken } });
    expect(duplicate.status).toBe(409);
    expect(duplicate.body.error.code).toBe('DUPLICATE_EXTERNAL_REF');
    const broken = await call(fake, 'POST', '/bundles', { rawBody: '{"bundle_type":' });
    expect(broken.status).toBe(400);
  });

  it('answers 402 INSUFFICIENT_CREDITS past a configured balance', async () => {
    const poor = await startTestFake({ credits: 50 });
    try {
      expect((await call(poor, 'POST', '/bundles', { body: base })).status).toBe(201);
      const refused = await call(poor, 'POST', '/bundles', { body: base });
      expect(refused.status).toBe(402);
      expect(refused.body.error).toMatchObject({ code: 'INSUFFICIENT_CREDITS', details: { required: 40, available: 10 } });
    } finally {
      await poor.close();
    }
  });
});

describe('PATCH /bundles/:id', () => {
  it('updates the settable fields, answers the documented shape and bumps updated_at', async () => {
    const bundle = findBundle(fake, (b) => b.status === 'completed');
    const answer = await call(fake, 'PATCH', `/bundles/${bundle.id}`, {
      body: { auto_finalize_videos: !bundle.auto_finalize_videos, external_ref: 'patched-ref-1', title: 'My Campaign' },
    });
    expect(answer.status).toBe(200);
    expect(answer.body.data).toEqual({
      id: bundle.id,
      title: 'My Campaign',
      auto_finalize_videos: !bundle.auto_finalize_videos,
      external_ref: 'patched-ref-1',
      updated_at: expect.any(String),
    });
    expect(answer.body.data.updated_at > bundle.updated_at).toBe(true);
    const byRef = await call(fake, 'GET', '/bundles?external_ref=patched-ref-1');
    expect(byRef.body.data.map((b: any) => b.id)).toEqual([bundle.id]);
    if (bundle.external_ref) {
      expect((await call(fake, 'GET', `/bundles?external_ref=${bundle.external_ref}`)).body.data).toEqual([]);
    }
  });

  it('clears external_ref and title with null, which frees the ref for another bundle', async () => {
    const [a, b] = fake.listBundleIds().map((id) => fake.getBundle(id) as any).filter((x) => x.external_ref);
    const ref = a.external_ref;
    expect((await call(fake, 'PATCH', `/bundles/${b.id}`, { body: { external_ref: ref } })).status).toBe(409);
    const cleared = await call(fake, 'PATCH', `/bundles/${a.id}`, { body: { external_ref: null, title: null } });
    expect(cleared.body.data).toMatchObject({ external_ref: null, title: null });
    expect((await call(fake, 'PATCH', `/bundles/${b.id}`, { body: { external_ref: ref } })).status).toBe(200);
    // Setting a bundle's own ref again is not a conflict.
    expect((await call(fake, 'PATCH', `/bundles/${b.id}`, { body: { external_ref: ref } })).status).toBe(200);
  });

  it.each([
    [{}, '_'],
    [{ unknown_field: 1 }, '_'],
    [{ title: 'x'.repeat(201) }, 'title'],
    [{ external_ref: 'x'.repeat(201) }, 'external_ref'],
    [{ auto_finalize_videos: 'yes' }, 'auto_finalize_videos'],
  ])('answers 400 VALIDATION_ERROR for %j', async (body, field) => {
    const [id] = fake.listBundleIds();
    const answer = await call(fake, 'PATCH', `/bundles/${id}`, { body });
    expect(answer.status).toBe(400);
    expect(answer.body.error.code).toBe('VALIDATION_ERROR');
    expect(answer.body.error.details.fields).toHaveProperty(field);
  });

  it('answers 404 for an unknown bundle', async () => {
    const answer = await call(fake, 'PATCH', '/bundles/bnd_nope', { body: { title: 'x' } });
    expect(answer.status).toBe(404);
    expect(answer.body.error.code).toBe('BUNDLE_NOT_FOUND');
  });
});
