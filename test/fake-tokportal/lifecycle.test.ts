// Lifecycle control (/_fake and in-process): every step's status, computed fields and
// webhooks; publish-readiness blockers; publish/unpublish; remakes and the handle history.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startTestFake, type FakeTokPortal } from '../support/fake.js';
import { call, startReceiver } from './helpers.js';

let fake: FakeTokPortal;
let receiver: Awaited<ReturnType<typeof startReceiver>>;

beforeAll(async () => {
  receiver = await startReceiver();
  fake = await startTestFake({ webhookEndpoints: [{ url: receiver.url, secret: 'whsec_lifecycle' }], delivery: { manual: true } });
});
afterAll(async () => {
  await fake.close();
  await receiver.close();
});
beforeEach(() => {
  receiver.received.length = 0;
});

async function create(body: Record<string, unknown> = {}): Promise<any> {
  const answer = await call(fake, 'POST', '/bundles', {
    body: { bundle_type: 'account_and_videos', platform: 'tiktok', country: 'FR', videos_quantity: 2, ...body },
  });
  expect(answer.status).toBe(201);
  // Deliver (and forget) bundle.created so each test sees only the webhooks of its own steps.
  await fake.flushWebhooks();
  expect(receiver.received.at(-1)?.body).toMatchObject({ type: 'bundle.created', data: { bundle_id: answer.body.data.id } });
  receiver.received.length = 0;
  return answer.body.data;
}

/** Advances over HTTP and answers the webhooks that step delivered. */
async function advance(id: string) {
  receiver.received.length = 0;
  const answer = await call(fake, 'POST', `/_fake/bundles/${id}/advance`);
  expect(answer.status).toBe(200);
  await fake.flushWebhooks();
  return { ...answer.body.data, delivered: receiver.received.map((hook) => hook.body) };
}

describe('advance', () => {
  it('walks an account_and_videos bundle to completed with the documented computed fields and matching webhooks', async () => {
    const bundle = await create({ external_ref: 'life-1' });
    const expected = [
      ['configure_account', 'pending_setup', 'configured', false, true, 0, 'configure_videos', ['account.configured']],
      ['configure_videos', 'pending_setup', 'configured', false, true, 2, 'publish_bundle', ['video.configured', 'video.configured']],
      ['publish', 'published', 'configured', true, true, 2, null, ['bundle.published', 'account.published']],
      // The documentation's own combination: bundle accepted while its account is in review.
      ['account_in_review', 'accepted', 'in_review', true, false, 2, null, ['account.in_review']],
      ['finalize_account', 'accepted', 'finalized', true, true, 2, null, ['account.finalized']],
      // "true once the bundle has been published": the video phase is past publication.
      ['videos_in_review', 'in_review', 'finalized', true, true, 2, null, ['video.in_review', 'video.in_review']],
      ['finalize_videos', 'finalized', 'finalized', true, true, 2, null, ['video.finalized', 'video.finalized']],
      ['complete', 'completed', 'finalized', true, true, 2, null, ['video.published', 'video.published']],
    ] as const;
    let updatedAt = bundle.updated_at;
    for (const [step, status, accountStatus, isPublished, configured, videosConfigured, nextAction, events] of expected) {
      const result = await advance(bundle.id);
      const detail = (await call(fake, 'GET', `/bundles/${bundle.id}`)).body.data;
      expect(result.step).toBe(step);
      expect(result.bundle).toEqual(detail);
      expect(detail, step).toMatchObject({
        status,
        account_status: accountStatus,
        is_published: isPublished,
        account_configured: configured,
        videos_configured_count: videosConfigured,
        next_action: nextAction,
      });
      expect(result.events).toEqual(events);
      expect(result.delivered.map((hook: any) => hook.type)).toEqual(events);
      for (const hook of result.delivered) {
        expect(hook.data.bundle_id).toBe(bundle.id);
        if (hook.type.startsWith('account.')) {
          expect(hook.data.account_id).toBe(detail.account.id);
          expect(hook.data).toHaveProperty('saved_account_id', detail.saved_account_id);
        }
      }
      expect(detail.updated_at > updatedAt, `${step} bumps updated_at`).toBe(true);
      updatedAt = detail.updated_at;
    }
    const done = fake.getBundle(bundle.id) as any;
    expect(done.saved_account_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(done.external_ref).toBe('life-1');
    const stuck = await call(fake, 'POST', `/_fake/bundles/${bundle.id}/advance`);
    expect(stuck.status).toBe(409);
    expect(stuck.body.error).toMatchObject({ code: 'BUNDLE_INVALID_STATUS', details: { current_status: 'completed' } });
  });

  it('shows saved_account_id only from account in_review on', async () => {
    const bundle = await create({ bundle_type: 'account_only', videos_quantity: 0 });
    const seen: (string | null)[] = [];
    for (let i = 0; i < 5; i++) {
      await fake.advance(bundle.id);
      seen.push((fake.getBundle(bundle.id) as any).saved_account_id);
    }
    expect(seen.slice(0, 2)).toEqual([null, null]);
    expect(new Set(seen.slice(2)).size).toBe(1);
    expect(seen[4]).toMatch(/^[0-9a-f-]{36}$/);
    expect(fake.getBundle(bundle.id)).toMatchObject({ status: 'completed', videos_total: 0, next_action: null });
  });

  it('answers 404 on control routes for unknown bundles', async () => {
    for (const [method, path] of [
      ['POST', '/_fake/bundles/bnd_nope/advance'],
      ['POST', '/_fake/bundles/bnd_nope/remake'],
      ['PATCH', '/_fake/bundles/bnd_nope'],
      ['DELETE', '/_fake/bundles/bnd_nope'],
      ['GET', '/_fake/bundles/bnd_nope/handles'],
    ] as const) {
      const answer = await call(fake, method, path, { body: method === 'PATCH' ? { status: 'archived' } : undefined });
      expect(answer.status, path).toBe(404);
      expect(answer.body.error.code).toBe('BUNDLE_NOT_FOUND');
    }
  });
});

describe('publish-readiness, publish and unpublish', () => {
  it('lists every documented blocker code as the bundle moves', async () => {
    const bundle = await create();
    const readiness = async () => (await call(fake, 'GET', `/bundles/${bundle.id}/publish-readiness`)).body.data;
    expect(await readiness()).toEqual({
      bundle_id: bundle.id,
      ready: false,
      blockers: [{ code: 'ACCOUNT_MISSING', message: expect.any(String) }],
    });

    await fake.patch(bundle.id, { account_status: 'pending', username: 'half_done', events: [] });
    const partial = await readiness();
    expect(partial.blockers.map((b: any) => b.code)).toEqual(['ACCOUNT_NOT_CONFIGURED', 'ACCOUNT_MISSING_FIELDS']);
    expect(partial.blockers[1].details).toEqual({ missing_fields: ['visible_name', 'profile_picture_url'] });

    await fake.patch(bundle.id, { account_status: 'configured', visible_name: 'Half Done', profile_picture_url: 'https://x/p.jpg' });
    expect(await readiness()).toEqual({ bundle_id: bundle.id, ready: true, blockers: [] });
    // Videos are not configured: publish is still allowed, next_action only suggests them first.
    expect((fake.getBundle(bundle.id) as any).next_action).toBe('configure_videos');

    const published = await call(fake, 'POST', `/bundles/${bundle.id}/publish`);
    expect(published.status).toBe(200);
    expect(published.body.data).toMatchObject({ status: 'published', is_published: true });
    expect((await readiness()).blockers.map((b: any) => b.code)).toEqual(['BUNDLE_ALREADY_PUBLISHED']);

    const again = await call(fake, 'POST', `/bundles/${bundle.id}/publish`);
    expect(again.status).toBe(409);
    expect(again.body.error).toMatchObject({ code: 'BUNDLE_INVALID_STATUS', details: { current_status: 'published' } });

    await fake.patch(bundle.id, { status: 'cancelled' });
    expect((await readiness()).blockers.map((b: any) => b.code)).toEqual(['BUNDLE_NOT_IN_SETUP']);
  });

  it('publishes only a ready bundle, unpublishes only before acceptance', async () => {
    const bundle = await create();
    const early = await call(fake, 'POST', `/bundles/${bundle.id}/publish`);
    expect(early.status).toBe(400);
    expect(early.body.error.details.blockers.map((b: any) => b.code)).toEqual(['ACCOUNT_MISSING']);
    const notPublished = await call(fake, 'POST', `/bundles/${bundle.id}/unpublish`);
    expect(notPublished.status).toBe(409);
    expect(notPublished.body.error.details.current_status).toBe('pending_setup');

    await fake.advance(bundle.id);
    await fake.advance(bundle.id);
    await fake.flushWebhooks();
    receiver.received.length = 0;
    expect((await call(fake, 'POST', `/bundles/${bundle.id}/publish`)).status).toBe(200);
    const unpublished = await call(fake, 'POST', `/bundles/${bundle.id}/unpublish`);
    expect(unpublished.status).toBe(200);
    expect(unpublished.body.data).toMatchObject({ status: 'pending_setup', is_published: false, next_action: 'publish_bundle' });
    await fake.flushWebhooks();
    expect(receiver.received.map((hook) => hook.body.type)).toEqual(['bundle.published', 'account.published']);

    await call(fake, 'POST', `/bundles/${bundle.id}/publish`);
    await fake.advance(bundle.id);
    await fake.advance(bundle.id);
    const late = await call(fake, 'POST', `/bundles/${bundle.id}/unpublish`);
    expect(late.status).toBe(409);
    expect(late.body.error.details.current_status).toBe('accepted');
  });
});

describe('remake', () => {
  it('changes handle and saved account only, keeps the anchors, and records the whole chain', async () => {
    const bundle = await create({ external_ref: 'remake-anchor' });
    for (let i = 0; i < 4; i++) await fake.advance(bundle.id);
    const before = fake.getBundle(bundle.id) as any;
    expect(before.account_status).toBe('in_review');
    await fake.flushWebhooks();
    receiver.received.length = 0;

    const first = await call(fake, 'POST', `/_fake/bundles/${bundle.id}/remake`);
    expect(first.status).toBe(200);
    expect(first.body.data.events).toEqual(['account.remade']);
    await fake.remake(bundle.id);
    const after = fake.getBundle(bundle.id) as any;

    expect(after.id).toBe(before.id);
    expect(after.external_ref).toBe('remake-anchor');
    expect(after.account.id).toBe(before.account.id);
    expect(after.account.username).not.toBe(before.account.username);
    expect(after.saved_account_id).not.toBe(before.saved_account_id);
    expect(after.account.saved_account_id).toBe(after.saved_account_id);
    const middle = first.body.data.bundle;
    expect(after.remade).toEqual({
      was_remade: true,
      remade_count: 2,
      old_username: middle.account.username,
      remade_at: after.updated_at,
    });
    expect(middle.remade).toMatchObject({ remade_count: 1, old_username: before.account.username });

    const handles = await call(fake, 'GET', `/_fake/bundles/${bundle.id}/handles`);
    expect(handles.body.data).toEqual({
      bundle_id: bundle.id,
      handles: [before.account.username, middle.account.username, after.account.username],
    });
    expect(fake.handles(bundle.id)).toEqual(handles.body.data.handles);

    await fake.flushWebhooks();
    const hooks = receiver.received.map((hook) => hook.body);
    expect(hooks.map((hook) => hook.type)).toEqual(['account.remade', 'account.remade']);
    expect(hooks[1].data).toMatchObject({
      bundle_id: bundle.id,
      account_id: before.account.id,
      saved_account_id: after.saved_account_id,
      username: after.account.username,
      old_username: middle.account.username,
      remade_count: 2,
    });
  });

  it('refuses a bundle without a delivered account', async () => {
    const bundle = await create();
    const answer = await call(fake, 'POST', `/_fake/bundles/${bundle.id}/remake`);
    expect(answer.status).toBe(409);
    expect(answer.body.error.code).toBe('BUNDLE_INVALID_STATUS');
  });
});

describe('operator patch and delete', () => {
  it('sets fields as an operator would, with the webhooks TokPortal sends for them', async () => {
    const bundle = await create();
    const answer = await call(fake, 'PATCH', `/_fake/bundles/${bundle.id}`, {
      body: { status: 'archived', external_ref: 'ops-ref', account_status: 'banned', username: 'ops_handle', surprise_field: { a: 1 } },
    });
    expect(answer.status).toBe(200);
    expect(answer.body.data.events).toEqual(['account.banned', 'bundle.archived']);
    expect(answer.body.data.bundle).toMatchObject({
      status: 'archived',
      external_ref: 'ops-ref',
      account_status: 'banned',
      account: { username: 'ops_handle' },
      surprise_field: { a: 1 },
    });
    expect((await call(fake, 'GET', `/bundles/${bundle.id}`)).body.data.surprise_field).toEqual({ a: 1 });
    expect(fake.handles(bundle.id)).toEqual(['ops_handle']);
    // Unknown keys never shadow real fields.
    await fake.patch(bundle.id, { id: 'bnd_hijack', events: ['bundle.archived', 'brand.new_type'] });
    expect((fake.getBundle(bundle.id) as any).id).toBe(bundle.id);
    await fake.flushWebhooks();
    expect(receiver.received.map((hook) => hook.body.type)).toEqual(['account.banned', 'bundle.archived', 'bundle.archived', 'brand.new_type']);
  });

  it('refuses a duplicate external_ref and an empty patch', async () => {
    const a = await create({ external_ref: 'ops-a' });
    const b = await create();
    expect((await call(fake, 'PATCH', `/_fake/bundles/${b.id}`, { body: { external_ref: 'ops-a' } })).status).toBe(409);
    expect((await call(fake, 'PATCH', `/_fake/bundles/${b.id}`, { body: {} })).status).toBe(400);
    expect((fake.getBundle(a.id) as any).external_ref).toBe('ops-a');
  });

  it('removes a bundle: later GETs answer 404 and it leaves the list', async () => {
    const bundle = await create({ external_ref: 'to-delete' });
    expect((await call(fake, 'DELETE', `/_fake/bundles/${bundle.id}`)).status).toBe(200);
    expect((await call(fake, 'GET', `/bundles/${bundle.id}`)).status).toBe(404);
    expect((await call(fake, 'GET', '/bundles?external_ref=to-delete')).body.data).toEqual([]);
    expect(fake.listBundleIds()).not.toContain(bundle.id);
    expect(fake.getBundle(bundle.id)).toBeUndefined();
    await expect(fake.remove(bundle.id)).rejects.toMatchObject({ code: 'BUNDLE_NOT_FOUND' });
  });

  it('keeps updated_at strictly increasing across changes in the same millisecond', async () => {
    const bundle = await create();
    const stamps: string[] = [];
    for (let i = 0; i < 50; i++) {
      await fake.patch(bundle.id, { title: `t${i}`, events: [] });
      stamps.push((fake.getBundle(bundle.id) as any).updated_at);
    }
    for (let i = 1; i < stamps.length; i++) expect(stamps[i]! > stamps[i - 1]!).toBe(true);
  });
});
