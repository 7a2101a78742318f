// The webhook endpoint management API under /api/ext/webhooks: catalog, CRUD, test event,
// delivery log, validation and workspace isolation. Real HTTP on 127.0.0.1.
import { afterEach, describe, expect, it } from 'vitest';
import { DEMO_API_KEY } from '../../fake-tokportal/index.js';
import { KNOWN_EVENT_TYPES } from '../../src/tokportal/schemas.js';
import { verifySignature } from '../../src/tokportal/signature.js';
import { startTestFake } from '../support/fake.js';
import { call, openedPerTest, startReceiver } from './helpers.js';

const { cleanups, closeAll, setup } = openedPerTest();
afterEach(closeAll);

describe('endpoint management API', () => {
  it('serves the event catalog', async () => {
    const { fake } = await setup();
    const catalog = await call(fake, 'GET', '/webhooks/events');
    expect(catalog.status).toBe(200);
    expect(catalog.body.data.events.map((event: any) => event.type)).toEqual([...KNOWN_EVENT_TYPES]);
  });

  it('creates (secret shown once), lists, reads, updates, tests and deletes endpoints', async () => {
    const { fake } = await setup();
    const target = await startReceiver();
    cleanups.push(target.close);
    const created = await call(fake, 'POST', '/webhooks', {
      body: { url: target.url, events: ['account.remade', 'bundle.created'], description: 'mirror' },
    });
    expect(created.status).toBe(201);
    const secret: string = created.body.data.signing_secret;
    expect(created.body.data).toMatchObject({ id: expect.stringMatching(/^wh_/), url: target.url, enabled: true, description: 'mirror' });
    expect(secret).toMatch(/^whsec_/);

    const read = await call(fake, 'GET', `/webhooks/${created.body.data.id}`);
    expect(read.body.data).not.toHaveProperty('signing_secret');
    const list = await call(fake, 'GET', '/webhooks');
    expect(list.body.data).toHaveLength(2);
    expect(JSON.stringify(list.body)).not.toContain(secret);

    const updated = await call(fake, 'PATCH', `/webhooks/${created.body.data.id}`, { body: { events: ['webhook.test'], description: null } });
    expect(updated.body.data).toMatchObject({ events: ['webhook.test'], description: null });

    const tested = await call(fake, 'POST', `/webhooks/${created.body.data.id}/test`);
    expect(tested.body.data).toMatchObject({ event_type: 'webhook.test', success: true, status_code: 200 });
    expect(target.received).toHaveLength(1);
    expect(target.received[0]!.body).toMatchObject({ type: 'webhook.test', data: { webhook_id: created.body.data.id } });
    expect(verifySignature({ header: target.received[0]!.headers['tokportal-signature'] as string, rawBody: target.received[0]!.raw, secrets: [secret] }).ok).toBe(true);

    const deliveries = await call(fake, 'GET', `/webhooks/${created.body.data.id}/deliveries?per_page=10`);
    expect(deliveries.body.pagination).toEqual({ page: 1, per_page: 10, total: 1, total_pages: 1 });
    expect(deliveries.body.data[0]).toMatchObject({ event_id: target.received[0]!.body.id, success: true, attempts: 1 });

    expect((await call(fake, 'DELETE', `/webhooks/${created.body.data.id}`)).status).toBe(200);
    expect((await call(fake, 'GET', `/webhooks/${created.body.data.id}`)).status).toBe(404);
  });

  it('validates input and hides other workspaces', async () => {
    const other = `sk_${'e'.repeat(64)}`;
    const receiver = await startReceiver();
    cleanups.push(receiver.close);
    const fake = await startTestFake({ apiKeys: [DEMO_API_KEY, other] });
    cleanups.push(fake.close);
    for (const body of [{ url: 'ftp://x', events: ['bundle.created'] }, { url: receiver.url, events: [] }, { url: receiver.url, events: ['nope.nope'] }]) {
      const answer = await call(fake, 'POST', '/webhooks', { body, apiKey: other });
      expect(answer.status, JSON.stringify(body)).toBe(400);
      expect(answer.body.error.code).toBe('VALIDATION_ERROR');
    }
    const mine = await call(fake, 'POST', '/webhooks', { body: { url: receiver.url, events: ['bundle.created'] }, apiKey: other });
    expect((await call(fake, 'GET', `/webhooks/${mine.body.data.id}`, { apiKey: other })).status).toBe(200);
    expect((await call(fake, 'GET', '/webhooks')).body.data).toEqual([]);
    expect((await call(fake, 'GET', `/webhooks/${mine.body.data.id}/deliveries?success=maybe`, { apiKey: other })).status).toBe(400);
    expect((await call(fake, 'POST', `/webhooks/${mine.body.data.id}/deliveries/dlv_nope/retry`, { apiKey: other })).status).toBe(404);
  });
});
