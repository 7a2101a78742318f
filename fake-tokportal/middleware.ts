// The API's edge, in TokPortal's order: request id on everything, counting, injected
// faults (latency, 5xx, dropped connections), API key, then the per-key token bucket.
import type { MiddlewareHandler } from 'hono';
import { matchedRoutes } from 'hono/route';
import { FakeApiError } from './model.js';
import { opaqueId } from './random.js';
import type { FakeTokPortalService } from './service.js';
import { errorBody, type FakeEnv } from './http.js';

export const API_PREFIX = '/api/ext';

export const requestId: MiddlewareHandler<FakeEnv> = async (c, next) => {
  await next();
  c.res.headers.set('X-TokPortal-Request-ID', opaqueId('req_'));
};

/** Counts API requests by "METHOD /route/pattern STATUS" (pattern relative to /api/ext; STATUS is RESET for a dropped connection). */
export function countRequests(service: FakeTokPortalService): MiddlewareHandler<FakeEnv> {
  return async (c, next) => {
    await next();
    const handler = matchedRoutes(c).findLast((route) => !route.path.endsWith('*'));
    const pattern = handler ? handler.path.slice(API_PREFIX.length) || '/' : '<unmatched>';
    const status = c.get('dropped') ? 'RESET' : String(c.res.status);
    service.countRequest(`${c.req.method} ${pattern} ${status}`, c.res.status);
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const FAULT_ANSWERS = [
  [500, 'INTERNAL_ERROR', 'An unexpected error occurred.'],
  [502, 'BAD_GATEWAY', 'Upstream service unavailable.'],
  [503, 'SERVICE_UNAVAILABLE', 'Service temporarily unavailable, retry later.'],
] as const;

export function injectFaults(service: FakeTokPortalService): MiddlewareHandler<FakeEnv> {
  return async (c, next) => {
    const { latencyMs, resetRate, errorRate } = service.faults;
    if (latencyMs > 0) await sleep(latencyMs);
    if (resetRate > 0 && Math.random() < resetRate) {
      // A dropped connection: the client sees a socket hang up, no HTTP answer at all.
      c.env.incoming.socket.destroy();
      c.set('dropped', true);
      return c.body(null, 500);
    }
    if (errorRate > 0 && Math.random() < errorRate) {
      const [status, code, message] = FAULT_ANSWERS[Math.floor(Math.random() * FAULT_ANSWERS.length)]!;
      return c.json(errorBody(code, message), status);
    }
    await next();
  };
}

export function authenticate(service: FakeTokPortalService): MiddlewareHandler<FakeEnv> {
  return async (c, next) => {
    c.set('owner', service.authenticate(c.req.header('X-API-Key')));
    await next();
  };
}

export function rateLimit(service: FakeTokPortalService): MiddlewareHandler<FakeEnv> {
  return async (c, next) => {
    const decision = service.limiter.take(c.get('owner'));
    if (decision) {
      c.header('X-RateLimit-Limit', String(decision.limit));
      c.header('X-RateLimit-Remaining', String(decision.remaining));
      c.header('X-RateLimit-Reset', String(decision.resetAt));
    }
    // A burst of 429s (e.g. another client spending the same key) overrides the bucket while it lasts.
    const refusedFor = service.faults.rateLimitBurst ? 1 : decision && !decision.allowed ? decision.retryAfterSeconds : 0;
    if (refusedFor > 0) {
      c.header('Retry-After', String(refusedFor));
      throw new FakeApiError(429, 'RATE_LIMIT_EXCEEDED', 'Rate limit exceeded. Retry later.', {
        retry_after_seconds: refusedFor,
      });
    }
    await next();
  };
}
