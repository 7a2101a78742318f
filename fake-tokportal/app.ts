// The fake's Hono app: the API under /api/ext behind its edge middleware, control under /_fake.
import { Hono } from 'hono';
import { bundleRoutes } from './api-routes.js';
import { controlRoutes } from './control-routes.js';
import { answerError, errorBody, type FakeEnv } from './http.js';
import { API_PREFIX, authenticate, countRequests, injectFaults, rateLimit, requestId } from './middleware.js';
import type { FakeTokPortalService } from './service.js';
import { webhookRoutes } from './webhook-routes.js';

export function createFakeApp(service: FakeTokPortalService): Hono<FakeEnv> {
  const api = new Hono<FakeEnv>();
  api.use('*', countRequests(service), injectFaults(service), authenticate(service), rateLimit(service));
  api.route('/', bundleRoutes(service));
  api.route('/', webhookRoutes(service));

  const app = new Hono<FakeEnv>();
  app.use('*', requestId);
  app.route(API_PREFIX, api);
  app.route('/_fake', controlRoutes(service));
  app.notFound((c) => c.json(errorBody('NOT_FOUND', `No route for ${c.req.method} ${c.req.path}.`), 404));
  app.onError(answerError);
  return app;
}
