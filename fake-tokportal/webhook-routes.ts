// Webhook endpoint management under /api/ext/webhooks: catalog, CRUD, test event,
// delivery log and re-send, as docs/tokportal-api.md ("Endpoint management and recovery") describes them.
import { Hono } from 'hono';
import { EVENT_CATALOG } from './event-catalog.js';
import { API_VERSION, type DeliveryRecord } from './webhook-sender.js';
import { readJson, type FakeEnv } from './http.js';
import { FakeApiError } from './model.js';
import type { FakeTokPortalService } from './service.js';
import { createWebhookSchema, deliveriesQuerySchema, pagination, parseOrThrow, updateWebhookSchema } from './validation.js';
import { toEndpointJson } from './webhook-endpoints.js';

const catalog = {
  api_version: API_VERSION,
  events: EVENT_CATALOG.map((type) => ({ type })),
  envelope: ['id', 'type', 'api_version', 'created_at', 'data'],
  signature: { header: 'TokPortal-Signature', format: 't=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">' },
};

/** The delivery log entry as the API shows it. */
const deliveryStatus = (delivery: DeliveryRecord): string =>
  delivery.state === 'delivered' ? 'delivered' : delivery.state === 'failed' ? 'failed' : delivery.attempts > 0 ? 'retrying' : 'pending';

export const toDeliveryJson = (delivery: DeliveryRecord) => ({
  id: delivery.id,
  webhook_id: delivery.endpointId,
  event_id: delivery.event.id,
  event_type: delivery.event.type,
  success: delivery.state === 'delivered',
  status: deliveryStatus(delivery),
  status_code: delivery.statusCode,
  attempts: delivery.attempts,
  attempt: delivery.attempts,
  error: delivery.error,
  created_at: delivery.createdAt,
  last_attempt_at: delivery.lastAttemptAt,
  next_attempt_at: delivery.nextAttemptAt,
});

export function webhookRoutes(service: FakeTokPortalService): Hono<FakeEnv> {
  const api = new Hono<FakeEnv>();
  const endpoint = (owner: string, id: string) => service.webhooks.get(owner, id);

  api.get('/webhooks/events', (c) => c.json({ data: catalog }));

  api.post('/webhooks', async (c) => {
    const input = parseOrThrow(createWebhookSchema, await readJson(c), 'webhook endpoint');
    const created = service.webhooks.create(c.get('owner'), input);
    // The signing secret is shown this once.
    return c.json({ data: { ...toEndpointJson(created), signing_secret: created.secret } }, 201);
  });

  api.get('/webhooks', (c) => c.json({ data: service.webhooks.list(c.get('owner')).map(toEndpointJson) }));

  api.get('/webhooks/:id', (c) => c.json({ data: toEndpointJson(endpoint(c.get('owner'), c.req.param('id'))) }));

  api.patch('/webhooks/:id', async (c) => {
    const patch = parseOrThrow(updateWebhookSchema, await readJson(c), 'webhook endpoint update');
    return c.json({ data: toEndpointJson(service.webhooks.update(c.get('owner'), c.req.param('id'), patch)) });
  });

  api.delete('/webhooks/:id', (c) => {
    service.webhooks.delete(c.get('owner'), c.req.param('id'));
    return c.json({ data: { id: c.req.param('id'), deleted: true } });
  });

  api.post('/webhooks/:id/test', async (c) => {
    const delivery = await service.dispatcher.sendTest(endpoint(c.get('owner'), c.req.param('id')));
    return c.json({ data: toDeliveryJson(delivery) });
  });

  api.get('/webhooks/:id/deliveries', (c) => {
    const { id } = endpoint(c.get('owner'), c.req.param('id'));
    const query = parseOrThrow(deliveriesQuerySchema, c.req.query(), 'query parameters');
    const since = query.since ? Date.parse(query.since) : undefined;
    const matches = service.dispatcher.forEndpoint(id).filter(
      (delivery) =>
        // `success=false` lists deliveries that failed at least once and did not get through since.
        (query.success === undefined ||
          (query.success ? delivery.state === 'delivered' : delivery.state !== 'delivered' && delivery.attempts > 0)) &&
        (since === undefined || Date.parse(delivery.createdAt) >= since),
    );
    const start = (query.page - 1) * query.per_page;
    return c.json({
      data: matches.slice(start, start + query.per_page).map(toDeliveryJson),
      pagination: pagination(query.page, query.per_page, matches.length),
    });
  });

  api.post('/webhooks/:id/deliveries/:deliveryId/retry', async (c) => {
    const { id } = endpoint(c.get('owner'), c.req.param('id'));
    const delivery = service.dispatcher.get(c.req.param('deliveryId'));
    if (!delivery || delivery.endpointId !== id) {
      throw new FakeApiError(404, 'DELIVERY_NOT_FOUND', 'Delivery does not exist.', { delivery_id: c.req.param('deliveryId') });
    }
    return c.json({ data: toDeliveryJson(await service.dispatcher.retry(delivery)) });
  });

  return api;
}
