// The fake's profiles: `kind` (its historical habits) and `strict` (every behaviour the API
// documentation leaves open at its least convenient), each behaviour settable on its own.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestFake, type FakeTokPortal } from '../support/fake.js';
import { call } from './helpers.js';

const WHOLE_SECOND = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/;
const MILLISECONDS = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let strict: FakeTokPortal;
let kind: FakeTokPortal;

beforeAll(async () => {
  strict = await startTestFake({ bundles: 30, seed: 'profile', profile: 'strict' });
  kind = await startTestFake({ bundles: 30, seed: 'profile' });
});
afterAll(async () => {
  await strict?.close();
  await kind?.close();
});

const detail = async (fake: FakeTokPortal, id: string) => (await call(fake, 'GET', `/bundles/${id}`)).body.data;
const deliveredBundle = (fake: FakeTokPortal) =>
  fake.listBundleIds().find((id) => {
    const bundle = fake.getBundle(id) as any;
    return bundle.saved_account_id && bundle.account?.username && bundle.bundle_type !== 'videos_only' && bundle.videos.length > 0;
  })!;

describe('strict profile', () => {
  it('serves whole-second timestamps, seeded and new', async () => {
    const page = (await call(strict, 'GET', '/bundles?per_page=100')).body.data as any[];
    for (const item of page) {
      expect(item.created_at).toMatch(WHOLE_SECOND);
      expect(item.updated_at).toMatch(WHOLE_SECOND);
      if (item.remade.remade_at) expect(item.remade.remade_at).toMatch(WHOLE_SECOND);
    }
    const created = await call(strict, 'POST', '/bundles', { body: { bundle_type: 'account_only', platform: 'tiktok', country: 'US' } });
    expect(created.body.data.updated_at).toMatch(WHOLE_SECOND);
  });

  it('lists newest first without a pagination object, so a creation shifts every later page', async () => {
    const first = await call(strict, 'GET', '/bundles?per_page=5');
    expect(first.body).not.toHaveProperty('pagination');
    const created = (first.body.data as any[]).map((item) => item.created_at);
    expect([...created].sort().reverse()).toEqual(created);

    const pageTwo = (await call(strict, 'GET', '/bundles?per_page=5&page=2')).body.data as any[];
    await call(strict, 'POST', '/bundles', { body: { bundle_type: 'account_only', platform: 'tiktok', country: 'GB' } });
    const pageThree = (await call(strict, 'GET', '/bundles?per_page=5&page=3')).body.data as any[];
    // The last item of page 2 moved to the top of page 3: seen twice by a walk.
    expect(pageThree[0].id).toBe(pageTwo.at(-1).id);
  });

  it('leaves updated_at alone for account, handle, video and remake changes; moves it for bundle fields', async () => {
    const id = deliveredBundle(strict);
    const before = await detail(strict, id);
    await sleep(1_100); // a new second: a bump would show
    await strict.patch(id, { username: 'renamed.by.operator', visible_name: 'Renamed', video_status: 'pending_corrections', events: [] });
    await strict.remake(id);
    const after = await detail(strict, id);
    expect(after.account.username).not.toBe(before.account.username);
    expect(after.remade.remade_count).toBe(before.remade.remade_count + 1);
    expect(after.videos.every((video: any) => video.status === 'pending_corrections')).toBe(true);
    expect(after.updated_at).toBe(before.updated_at);

    await call(strict, 'PATCH', `/bundles/${id}`, { body: { title: 'a bundle field' } });
    const patched = await detail(strict, id);
    expect(patched.updated_at > before.updated_at).toBe(true);
    expect(patched.updated_at).toMatch(WHOLE_SECOND);
  });

  it('lets two different states of a bundle share one updated_at', async () => {
    const created = (await call(strict, 'POST', '/bundles', { body: { bundle_type: 'account_only', platform: 'tiktok', country: 'FR' } })).body.data;
    // Two bundle-field changes well inside one second (retried on the rare second boundary).
    for (let attempt = 0; attempt < 5; attempt++) {
      await call(strict, 'PATCH', `/bundles/${created.id}`, { body: { title: `one ${attempt}` } });
      const one = await detail(strict, created.id);
      await call(strict, 'PATCH', `/bundles/${created.id}`, { body: { title: `two ${attempt}` } });
      const two = await detail(strict, created.id);
      expect(two.title).not.toBe(one.title);
      if (two.updated_at === one.updated_at) return;
    }
    throw new Error('five pairs of changes never shared a second');
  });
});

describe('kind profile (the default)', () => {
  it('serves milliseconds, oldest first, with pagination, and moves updated_at on every change', async () => {
    const answer = await call(kind, 'GET', '/bundles?per_page=5');
    expect(answer.body.pagination).toMatchObject({ page: 1, per_page: 5, total: 30 });
    const items = answer.body.data as any[];
    expect(items.map((item) => item.created_at)).toEqual(items.map((item) => item.created_at).sort());
    expect(items[0].updated_at).toMatch(MILLISECONDS);
    const id = deliveredBundle(kind);
    const before = await detail(kind, id);
    await kind.patch(id, { username: 'kind.rename', events: [] });
    expect((await detail(kind, id)).updated_at > before.updated_at).toBe(true);
  });
});

describe('one behaviour at a time', () => {
  it('overrides a behaviour of the profile at start, at run time and over /_fake', async () => {
    const mixed = await startTestFake({ bundles: 3, seed: 'mixed', profile: 'strict', behaviour: { listPagination: true } });
    try {
      expect((await call(mixed, 'GET', '/bundles')).body.pagination).toMatchObject({ total: 3 });
      expect(mixed.behaviour).toMatchObject({ wholeSecondTimestamps: true, listOrder: 'newest-first', listPagination: true });
      mixed.setBehaviour({ listOrder: 'oldest-first' });
      const items = (await call(mixed, 'GET', '/bundles')).body.data as any[];
      expect(items.map((item) => item.created_at)).toEqual(items.map((item) => item.created_at).sort());
      const put = await call(mixed, 'PUT', '/_fake/behaviour', { body: { listPagination: false } });
      expect(put.body.data).toMatchObject({ listPagination: false, listOrder: 'oldest-first' });
      expect((await call(mixed, 'GET', '/bundles')).body).not.toHaveProperty('pagination');
      expect((await call(mixed, 'PUT', '/_fake/behaviour', { body: { listOrder: 'sideways' } })).status).toBe(400);
    } finally {
      await mixed.close();
    }
  });

  it('fake-api --help lists the profile and one flag per behaviour', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, ['bin/tokportal-sync.js', 'fake-api', '--help']);
    for (const flag of ['--profile <name>', '--timestamps <resolution>', '--updated-at <rule>', '--list-order <order>', '--pagination <on|off>']) {
      expect(stdout).toContain(flag);
    }
  });
});
