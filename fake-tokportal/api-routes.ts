// The Bundles API as TokPortal documents it (see docs/tokportal-api.md), under /api/ext, with its exact envelopes.
import { Hono } from 'hono';
import { readJson, type FakeEnv } from './http.js';
import { toAccount, toDetail, toListItem, toPatchAnswer, toSavedAccount, toVideos } from './serialize.js';
import type { FakeTokPortalService } from './service.js';
import { pagination } from './validation.js';

export function bundleRoutes(service: FakeTokPortalService): Hono<FakeEnv> {
  const api = new Hono<FakeEnv>();

  api.get('/bundles', (c) => {
    const page = service.listBundles(c.get('owner'), c.req.query());
    const data = page.items.map(toListItem);
    // The documentation's list example carries no pagination object: the strict profile omits it.
    if (!service.behaviour.listPagination) return c.json({ data });
    return c.json({ data, pagination: pagination(page.page, page.perPage, page.total) });
  });

  api.post('/bundles', async (c) => {
    const bundle = service.createBundle(c.get('owner'), await readJson(c));
    return c.json({ data: toDetail(bundle) }, 201);
  });

  api.get('/bundles/:id', (c) => c.json({ data: toDetail(service.ownedBundle(c.get('owner'), c.req.param('id'))) }));

  api.patch('/bundles/:id', async (c) => {
    const bundle = service.updateBundle(c.get('owner'), c.req.param('id'), await readJson(c));
    return c.json({ data: toPatchAnswer(bundle) });
  });

  api.get('/bundles/:id/account', (c) =>
    c.json({ data: toAccount(service.ownedBundle(c.get('owner'), c.req.param('id'))) }),
  );

  api.put('/bundles/:id/account', async (c) => {
    const bundle = service.configureAccount(c.get('owner'), c.req.param('id'), await readJson(c));
    return c.json({ data: toAccount(bundle) });
  });

  api.get('/bundles/:id/videos', (c) => c.json({ data: toVideos(service.ownedBundle(c.get('owner'), c.req.param('id'))) }));

  api.put('/bundles/:id/videos/batch', async (c) => {
    const bundle = service.configureVideos(c.get('owner'), c.req.param('id'), await readJson(c));
    return c.json({ data: { bundle_id: bundle.id, status: bundle.status, next_action: toListItem(bundle).next_action, videos: toVideos(bundle) } });
  });

  api.get('/accounts/:id', (c) => {
    const id = c.req.param('id');
    return c.json({ data: toSavedAccount(id, service.savedAccount(c.get('owner'), id).bundles) });
  });

  api.get('/bundles/:id/publish-readiness', (c) => c.json({ data: service.readiness(c.get('owner'), c.req.param('id')) }));

  api.post('/bundles/:id/publish', (c) => c.json({ data: toDetail(service.publish(c.get('owner'), c.req.param('id'))) }));

  api.post('/bundles/:id/unpublish', (c) =>
    c.json({ data: toDetail(service.unpublish(c.get('owner'), c.req.param('id'))) }),
  );

  return api;
}
