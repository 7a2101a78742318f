// /_fake: the operator's and the test's side of the fake, without an API key and outside
// the rate limit. Mirrors the in-process control methods of FakeTokPortal.
import { Hono } from 'hono';
import { z } from 'zod';
import { readJson, type FakeEnv } from './http.js';
import { toDetail } from './serialize.js';
import type { FakeTokPortalService } from './service.js';
import { parseOrThrow } from './validation.js';
import { toEndpointJson } from './webhook-endpoints.js';
import { LIST_ORDERS } from './profile.js';

const rate = z.number().min(0).max(1);
export const faultsSchema = z.object({
  latencyMs: z.number().int().min(0).max(60_000).optional(),
  errorRate: rate.optional(),
  resetRate: rate.optional(),
  rateLimitBurst: z.boolean().optional(),
});
export const deliverySchema = z.object({
  duplicateRate: rate.optional(),
  dropRate: rate.optional(),
  minDelayMs: z.number().int().min(0).optional(),
  maxDelayMs: z.number().int().min(0).optional(),
  reorder: z.boolean().optional(),
  maxAttempts: z.number().int().min(1).max(50).optional(),
  retryBaseMs: z.number().int().min(0).optional(),
  manual: z.boolean().optional(),
  timeoutMs: z.number().int().min(1).optional(),
  concurrency: z.number().int().min(1).max(256).optional(),
});
export const endpointSchema = z.object({
  url: z.url({ protocol: /^https?$/ }),
  secret: z.string().min(1),
  events: z.array(z.string().min(1)).optional(),
});
const rateLimitSchema = z.object({ per_minute: z.number().int().min(0) });
export const behaviourSchema = z.object({
  wholeSecondTimestamps: z.boolean().optional(),
  bumpUpdatedAtOnAccountChanges: z.boolean().optional(),
  listOrder: z.enum(LIST_ORDERS).optional(),
  listPagination: z.boolean().optional(),
});

/** What a control change did: the bundle after it and the webhooks it emitted. */
const changeAnswer = (service: FakeTokPortalService, id: string, events: { type: string }[], extra = {}) => ({
  data: { ...extra, bundle: toDetail(service.bundle(id)), events: events.map((event) => event.type) },
});

export function controlRoutes(service: FakeTokPortalService): Hono<FakeEnv> {
  const control = new Hono<FakeEnv>();

  control.get('/bundles', (c) => c.json({ data: service.store.ids() }));
  control.get('/bundles/:id', (c) => c.json({ data: toDetail(service.bundle(c.req.param('id'))) }));

  control.post('/bundles/:id/advance', (c) => {
    const id = c.req.param('id');
    const { step, events } = service.advance(id);
    return c.json(changeAnswer(service, id, events, { step }));
  });

  control.post('/bundles/:id/remake', (c) => {
    const id = c.req.param('id');
    return c.json(changeAnswer(service, id, service.remake(id)));
  });

  control.patch('/bundles/:id', async (c) => {
    const id = c.req.param('id');
    return c.json(changeAnswer(service, id, service.operatorPatch(id, await readJson(c))));
  });

  control.delete('/bundles/:id', (c) => {
    service.remove(c.req.param('id'));
    return c.json({ data: { id: c.req.param('id'), deleted: true } });
  });

  control.get('/bundles/:id/handles', (c) =>
    c.json({ data: { bundle_id: c.req.param('id'), handles: service.handles(c.req.param('id')) } }),
  );

  control.get('/stats', (c) => c.json({ data: service.stats() }));
  control.post('/stats/reset', (c) => {
    service.resetStats();
    return c.json({ data: service.stats() });
  });

  control.post('/webhooks/flush', async (c) => {
    await service.dispatcher.flush();
    return c.json({ data: service.stats() });
  });

  control.put('/faults', async (c) => {
    service.faults = { ...service.faults, ...parseOrThrow(faultsSchema, await readJson(c), 'faults') };
    return c.json({ data: service.faults });
  });

  control.get('/behaviour', (c) => c.json({ data: service.behaviour }));
  control.put('/behaviour', async (c) => {
    const patch = parseOrThrow(behaviourSchema, await readJson(c), 'behaviour');
    const defined = Object.fromEntries(Object.entries(patch).filter(([, value]) => value !== undefined));
    service.behaviour = { ...service.behaviour, ...defined };
    return c.json({ data: service.behaviour });
  });

  control.put('/rate-limit', async (c) => {
    service.limiter.setLimit(parseOrThrow(rateLimitSchema, await readJson(c), 'rate limit').per_minute);
    return c.json({ data: { per_minute: service.limiter.limit } });
  });

  control.put('/delivery', async (c) => {
    const patch = parseOrThrow(deliverySchema, await readJson(c), 'delivery settings');
    service.dispatcher.settings = { ...service.dispatcher.settings, ...patch };
    return c.json({ data: service.dispatcher.settings });
  });

  control.post('/webhook-endpoints', async (c) => {
    const input = parseOrThrow(endpointSchema, await readJson(c), 'webhook endpoint');
    const endpoint = service.webhooks.create(service.primaryKey, input, input.secret);
    return c.json({ data: toEndpointJson(endpoint) }, 201);
  });

  return control;
}
