// Operator routes: GET /metrics and the BullMQ dashboard at /admin/queues, both behind
// ADMIN_TOKEN. Without a token the routes do not exist (404): an unguarded dashboard can
// retry or delete jobs, so "off" is the only safe default.
//
// /metrics stays on the main port behind the same token rather than on a separate open
// port: Prometheus sends bearer tokens natively (`authorization: { credentials: ... }` in
// a scrape config), and one listener is one thing to firewall. Operators who want an open
// metrics port can put it behind their own network policy and a proxy that adds the header.
//
// The dashboard's code (bull-board, its UI assets and their dependencies: ~20 MiB of a receiver's
// memory) is loaded on the first request to /admin/queues, never at start: most receivers are
// never asked for it.
import { createHash, timingSafeEqual } from 'node:crypto';
import { Hono, type MiddlewareHandler } from 'hono';
import type { Metrics } from '../observability/metrics.js';
import type { SyncQueue } from '../queue/sync-queue.js';

export const ADMIN_QUEUES_PATH = '/admin/queues';
export const METRICS_PATH = '/metrics';

const digest = (text: string): Buffer => createHash('sha256').update(text, 'utf8').digest();

/** Compares digests so the comparison is constant-time whatever the lengths. */
export function tokenMatches(candidate: string | null, expected: string): boolean {
  if (candidate === null) return false;
  return timingSafeEqual(digest(candidate), digest(expected));
}

/**
 * The token from `Authorization: Bearer <token>` (scrapers, curl), or the password of
 * `Authorization: Basic` (browsers: the dashboard's pages and API calls carry it automatically).
 */
export function presentedToken(authorization: string | undefined): string | null {
  if (!authorization) return null;
  const [scheme, value] = authorization.trim().split(/\s+/, 2);
  if (!scheme || !value) return null;
  if (scheme.toLowerCase() === 'bearer') return value;
  if (scheme.toLowerCase() === 'basic') {
    const decoded = Buffer.from(value, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    return colon >= 0 ? decoded.slice(colon + 1) : null;
  }
  return null;
}

export function requireAdminToken(token: string): MiddlewareHandler {
  return async (c, next) => {
    if (!tokenMatches(presentedToken(c.req.header('authorization')), token)) {
      c.header('WWW-Authenticate', 'Basic realm="tokportal-sync admin", charset="UTF-8"');
      return c.json({ error: { code: 'UNAUTHORIZED', message: 'admin token required', details: {} } }, 401);
    }
    await next();
  };
}

export type AdminRouteOptions = { adminToken: string | undefined; metrics: Metrics; queues: SyncQueue[] };

export function adminRoutes(options: AdminRouteOptions): Hono {
  const app = new Hono();
  const { adminToken, metrics } = options;
  if (!adminToken) return app; // admin off: nothing registered, every admin path is a 404

  const guard = requireAdminToken(adminToken);
  app.use(METRICS_PATH, guard);
  app.use(ADMIN_QUEUES_PATH, guard);
  app.use(`${ADMIN_QUEUES_PATH}/*`, guard);

  app.get(METRICS_PATH, async (c) => {
    const body = await metrics.registry.metrics();
    return c.body(body, 200, { 'Content-Type': metrics.registry.contentType });
  });

  let dashboard: Promise<Hono> | undefined;
  const serveDashboard: MiddlewareHandler = async (c) => {
    dashboard ??= loadDashboard(options.queues);
    return (await dashboard).fetch(c.req.raw);
  };
  app.all(ADMIN_QUEUES_PATH, serveDashboard);
  app.all(`${ADMIN_QUEUES_PATH}/*`, serveDashboard);
  return app;
}

/** The bull-board app, mounted at its full path so the original request can be handed to it as is. */
async function loadDashboard(queues: SyncQueue[]): Promise<Hono> {
  const [{ createBullBoard }, { BullMQAdapter }, { HonoAdapter }, { serveStatic }] = await Promise.all([
    import('@bull-board/api'),
    import('@bull-board/api/bullMQAdapter'),
    import('@bull-board/hono'),
    import('@hono/node-server/serve-static'),
  ]);
  const board = new HonoAdapter(serveStatic);
  // @bull-board/hono pins its own patch release of @bull-board/api; the adapter interface is
  // the same, only TypeScript sees two declarations of it.
  type ServerAdapter = Parameters<typeof createBullBoard>[0]['serverAdapter'];
  createBullBoard({
    queues: queues.map((queue) => new BullMQAdapter(queue)),
    serverAdapter: board as unknown as ServerAdapter,
  });
  board.setBasePath(ADMIN_QUEUES_PATH);
  return new Hono().route(ADMIN_QUEUES_PATH, board.registerPlugin());
}
