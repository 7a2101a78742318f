// The admin listener: a second HTTP server, apart from the public webhook port, for what only
// operators and Prometheus may reach: /metrics, the queue dashboard (/admin/queues) and, for a
// worker that has no public port, /healthz and /readyz. It binds ADMIN_HOST (127.0.0.1 by
// default), so publishing the webhook port never publishes the dashboard. Receiver, worker and
// `start` each run one; docker-compose.yml sets ADMIN_HOST=0.0.0.0 inside the private network so
// Prometheus can reach every replica, and publishes none of them.
import type { Redis } from 'ioredis';
import { Hono } from 'hono';
import type { Database } from '../db/connection.js';
import type { Metrics } from '../observability/metrics.js';
import type { SyncQueue } from '../queue/sync-queue.js';
import { ADMIN_APP_OPTIONS, adminRoutes } from './admin.js';
import { listenGracefully } from './graceful-server.js';
import { healthRoutes } from './health.js';
import { listenAddress } from './listen-address.js';

export type AdminListenerOptions = {
  metrics: Metrics;
  /** Queues the dashboard shows. */
  queues: SyncQueue[];
  adminToken: string | undefined;
  /** For /readyz. */
  db: Database;
  redis: Redis;
  port: number;
  host: string;
  /** Extra readiness condition (the receiver's database gate); false makes /readyz answer 503. */
  ready?: () => string | null;
};

export type AdminListener = { url: string; port: number; stop(): Promise<void> };

export function createAdminApp(options: Omit<AdminListenerOptions, 'port' | 'host'>): Hono {
  const app = new Hono(ADMIN_APP_OPTIONS);
  app.route('/', healthRoutes({ db: options.db, redis: options.redis, ...(options.ready ? { gate: options.ready } : {}) }));
  app.route('/', adminRoutes({ adminToken: options.adminToken, metrics: options.metrics, queues: options.queues }));
  app.notFound((c) => c.json({ error: { code: 'NOT_FOUND', message: 'no such route', details: {} } }, 404));
  return app;
}

export async function startAdminListener(options: AdminListenerOptions): Promise<AdminListener> {
  const app = createAdminApp(options);
  const { port, stop } = await listenGracefully(app.fetch, options.port, options.host);
  return { url: listenAddress(options.host, port), port, stop: () => stop(2_000) };
}
