// Operator routes, served on the admin listener (ADMIN_HOST:ADMIN_PORT, loopback by default),
// never on the public webhook port: GET /metrics, and the BullMQ dashboard at /admin/queues.
//
// /metrics needs no token: the admin listener itself is the boundary (like any exporter port), so
// Prometheus can discover and scrape every worker replica without a secret to distribute. The
// dashboard can retry and delete jobs, so it also needs ADMIN_TOKEN; without one it does not exist.
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

/**
 * Not strict about a trailing slash: /admin/queues/ is the page's own <base href>, what a bookmark
 * or a proxy rule often holds, and must not be a 404. The app that serves these routes (the admin
 * listener) is created with the same option, since the outermost app decides how paths match.
 */
export const ADMIN_APP_OPTIONS = { strict: false } as const;

export function adminRoutes(options: AdminRouteOptions): Hono {
  const app = new Hono(ADMIN_APP_OPTIONS);
  const { adminToken, metrics } = options;

  app.get(METRICS_PATH, async (c) => {
    const body = await metrics.registry.metrics();
    return c.body(body, 200, { 'Content-Type': metrics.registry.contentType });
  });
  if (!adminToken) return app; // dashboard off: every /admin path is a 404

  const guard = requireAdminToken(adminToken);
  app.use(ADMIN_QUEUES_PATH, guard);
  app.use(`${ADMIN_QUEUES_PATH}/*`, guard);
  app.use(ADMIN_QUEUES_PATH, withoutRemoteAssets);
  app.use(`${ADMIN_QUEUES_PATH}/queue/*`, withoutRemoteAssets);

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
  // Not strict either: the request is handed over as is, trailing slash included.
  return new Hono(ADMIN_APP_OPTIONS).route(ADMIN_QUEUES_PATH, board.registerPlugin());
}

/**
 * bull-board's page links a Google Fonts stylesheet: on an operator network without internet the
 * page waits on it, and anywhere else it tells Google who opens the dashboard. Its own CSS names
 * system fallbacks, so the page drops every stylesheet or script that is not served from here.
 */
const withoutRemoteAssets: MiddlewareHandler = async (c, next) => {
  await next();
  if (!c.res.headers.get('content-type')?.includes('text/html')) return;
  const html = stripRemoteAssets(await c.res.text());
  const headers = new Headers(c.res.headers);
  headers.delete('content-length');
  c.res = new Response(html, { status: c.res.status, headers });
};

/** Removes <link> and <script> elements whose URL is absolute (http:, https: or protocol-relative). */
export function stripRemoteAssets(html: string): string {
  return html
    .replace(/<link\b[^>]*\bhref=["'](?:https?:)?\/\/[^"']*["'][^>]*>\s*/gi, '')
    .replace(/<script\b[^>]*\bsrc=["'](?:https?:)?\/\/[^"']*["'][^>]*>\s*<\/script>\s*/gi, '');
}
