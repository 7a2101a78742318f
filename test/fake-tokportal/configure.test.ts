// The endpoints a client uses around setup: PUT /bundles/:id/account, PUT /bundles/:id/videos/batch,
// GET /bundles/:id/account, GET /bundles/:id/videos, GET /accounts/:id (by saved_account_id).
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startTestFake, type FakeTokPortal } from '../support/fake.js';
import { call, startReceiver } from './helpers.js';

let fake: FakeTokPortal;
let receiver: Awaited<ReturnType<typeof startReceiver>>;

beforeAll(async () => {
  receiver = await startReceiver();
  fake = await startTestFake({
    webhookEndpoints: [{ url: receiver.url, secret: 'whsec_configure' }],
    delivery: { manual: true },
  });
});
afterAll(async () => {
  await fake?.close();
  await receiver?.close();
});
beforeEach(async () => {
  await fake.flushWebhooks();
  receiver.received.length = 0;
});

async function create(body: Record<string, unknown> = {}): Promise<any> {
  const answer = await call(fake, 'POST', '/bundles', {
    body: { bundle_type: 'account_and_videos', platform: 'tiktok', country: 'US', videos_quantity: 3, ...body },
  });
  expect(answer.status).toBe(201);
  await fake.flushWebhooks();
  receiver.received.length = 0;
  return answer.body.data;
}
const delivered = async () => {
  await fake.flushWebhooks();
  return receiver.received.map((hook) => hook.body.type);
};
const bundleOf = async (id: string) => (await call(fake, 'GET', `/bundles/${id}`)).body.data;

describe('PUT /bundles/:id/account', () => {
  it('configures the account once every required field is given, as next_action asks', async () => {
    const bundle = await create();
    expect(bundle.next_action).toBe('configure_account');
    expect((await call(fake, 'GET', `/bundles/${bundle.id}/account`)).body).toEqual({ data: null });

    const partial = await call(fake, 'PUT', `/bundles/${bundle.id}/account`, { body: { username: 'first.try', visible_name: 'First Try' } });
    expect(partial.status).toBe(200);
    expect(partial.body.data).toMatchObject({ bundle_id: bundle.id, username: 'first.try', status: 'pending', saved_account_id: null });
    expect(await delivered()).toEqual([]);
    expect((await call(fake, 'GET', `/bundles/${bundle.id}/publish-readiness`)).body.data.blockers.map((b: any) => b.code)).toEqual([
      'ACCOUNT_NOT_CONFIGURED',
      'ACCOUNT_MISSING_FIELDS',
    ]);

    const full = await call(fake, 'PUT', `/bundles/${bundle.id}/account`, {
      body: { profile_picture_url: 'https://cdn.example.com/a.jpg', biography: 'Hello.' },
    });
    expect(full.body.data).toMatchObject({ username: 'first.try', status: 'configured', biography: 'Hello.' });
    expect(await delivered()).toEqual(['account.configured']);
    const after = await bundleOf(bundle.id);
    expect(after).toMatchObject({ account_status: 'configured', account_configured: true, next_action: 'configure_videos' });
    expect(after.account).toMatchObject({ username: 'first.try', profile_picture_url: 'https://cdn.example.com/a.jpg' });
    expect((await call(fake, 'GET', `/bundles/${bundle.id}/account`)).body.data).toEqual(full.body.data);
    expect(fake.handles(bundle.id)).toEqual(['first.try']);
  });

  it('refuses bad fields, videos_only bundles and bundles past setup', async () => {
    const bundle = await create();
    const bad = await call(fake, 'PUT', `/bundles/${bundle.id}/account`, { body: { username: 'no spaces!', profile_picture_url: 'ftp://x' } });
    expect(bad.status).toBe(400);
    expect(Object.keys(bad.body.error.details.fields).sort()).toEqual(['profile_picture_url', 'username']);
    expect((await call(fake, 'PUT', `/bundles/${bundle.id}/account`, { body: {} })).status).toBe(400);

    const videosOnly = await create({ bundle_type: 'videos_only', existing_account_id: '0f0e0d0c-0b0a-4000-8000-000000000001', videos_quantity: 1 });
    const refused = await call(fake, 'PUT', `/bundles/${videosOnly.id}/account`, { body: { username: 'nope' } });
    expect(refused.status).toBe(400);

    const done = await create({ bundle_type: 'account_only', videos_quantity: 0 });
    await fake.advance(done.id); // configure_account
    await fake.advance(done.id); // publish
    const late = await call(fake, 'PUT', `/bundles/${done.id}/account`, { body: { username: 'too.late' } });
    expect(late.status).toBe(409);
    expect(late.body.error).toMatchObject({ code: 'BUNDLE_INVALID_STATUS', details: { current_status: 'published' } });
  });
});

describe('PUT /bundles/:id/videos/batch and GET /bundles/:id/videos', () => {
  it('configures the slots named by position, and auto_publish publishes', async () => {
    const bundle = await create();
    await call(fake, 'PUT', `/bundles/${bundle.id}/account`, {
      body: { username: 'vid.maker', visible_name: 'Vid', profile_picture_url: 'https://cdn.example.com/v.jpg' },
    });
    await delivered();
    receiver.received.length = 0;

    const some = await call(fake, 'PUT', `/bundles/${bundle.id}/videos/batch`, {
      body: { videos: [{ position: 1, name: 'Teaser', video_url: 'https://cdn.example.com/1.mp4', caption: 'hi' }, { position: 2 }] },
    });
    expect(some.status).toBe(200);
    expect(some.body.data).toMatchObject({ bundle_id: bundle.id, status: 'pending_setup', next_action: 'configure_videos' });
    expect(some.body.data.videos.map((v: any) => [v.position, v.status, v.name])).toEqual([
      [1, 'configured', 'Teaser'],
      [2, 'configured', 'Video 2'],
      [3, 'pending', 'Video 3'],
    ]);
    expect(await delivered()).toEqual(['video.configured', 'video.configured']);
    expect((await call(fake, 'GET', `/bundles/${bundle.id}/videos`)).body.data).toEqual((await bundleOf(bundle.id)).videos);

    const unknown = await call(fake, 'PUT', `/bundles/${bundle.id}/videos/batch`, { body: { videos: [{ position: 9 }] } });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.details).toMatchObject({ positions: [9], videos_total: 3 });

    receiver.received.length = 0;
    const last = await call(fake, 'PUT', `/bundles/${bundle.id}/videos/batch`, { body: { videos: [{ position: 3 }], auto_publish: true } });
    expect(last.body.data).toMatchObject({ status: 'published', next_action: null });
    expect(await delivered()).toEqual(['video.configured', 'bundle.published', 'account.published']);
    expect((await bundleOf(bundle.id)).is_published).toBe(true);
  });

  it('refuses auto_publish on a bundle that is not ready, changing nothing', async () => {
    const bundle = await create();
    const refused = await call(fake, 'PUT', `/bundles/${bundle.id}/videos/batch`, { body: { videos: [{ position: 1 }], auto_publish: true } });
    expect(refused.status).toBe(400);
    expect(refused.body.error.details.blockers.map((b: any) => b.code)).toContain('ACCOUNT_MISSING');
    expect((await bundleOf(bundle.id)).videos_configured_count).toBe(0);
  });
});

describe('GET /accounts/:id', () => {
  it('answers by saved_account_id once the account exists, with the bundles on it', async () => {
    const bundle = await create({ bundle_type: 'account_only', videos_quantity: 0 });
    await fake.advance(bundle.id); // configure_account
    await fake.advance(bundle.id); // publish
    await fake.advance(bundle.id); // account_in_review: saved_account_id appears
    const detail = await bundleOf(bundle.id);
    expect(detail).toMatchObject({ status: 'accepted', account_status: 'in_review' });
    const account = await call(fake, 'GET', `/accounts/${detail.saved_account_id}`);
    expect(account.status).toBe(200);
    expect(account.body.data).toMatchObject({
      id: detail.saved_account_id,
      username: detail.account.username,
      platform: 'tiktok',
      status: 'in_review',
      bundle_ids: [bundle.id],
    });
    const missing = await call(fake, 'GET', '/accounts/00000000-0000-4000-8000-000000000000');
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe('ACCOUNT_NOT_FOUND');
  });
});

describe('strict profile', () => {
  it('configuring the account or the videos leaves updated_at as it was', async () => {
    const strict = await startTestFake({ profile: 'strict' });
    try {
      const created = (
        await call(strict, 'POST', '/bundles', { body: { bundle_type: 'account_and_videos', platform: 'tiktok', country: 'US', videos_quantity: 1 } })
      ).body.data;
      await new Promise((resolve) => setTimeout(resolve, 1_050));
      await call(strict, 'PUT', `/bundles/${created.id}/account`, {
        body: { username: 'strict.one', visible_name: 'S', profile_picture_url: 'https://cdn.example.com/s.jpg' },
      });
      await call(strict, 'PUT', `/bundles/${created.id}/videos/batch`, { body: { videos: [{ position: 1 }] } });
      const after = (await call(strict, 'GET', `/bundles/${created.id}`)).body.data;
      expect(after).toMatchObject({ account_status: 'configured', videos_configured_count: 1, next_action: 'publish_bundle' });
      expect(after.updated_at).toBe(created.updated_at);
    } finally {
      await strict.close();
    }
  });
});
