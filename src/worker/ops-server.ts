// A small HTTP server for a standalone worker process: the worker's own counters (API calls,
// rate-limit budget, job outcomes) live in its process, so without this they could not be
// scraped. Same routes and guard as the receiver's: /healthz, /readyz, and behind ADMIN_TOKEN
// /metrics and the queue dashboard.
import { Hono } from 'hono';
import type { Redis } from 'ioredis';
import type { Database } from '../db/connection.js';
import type { Metrics } from '../observability/metrics.js';
import type { SyncQueue } from '../queue/sync-queue.js';
import { adminRoutes } from '../http/admin.js';
import { listenGracefully } from '../http/graceful-server.js';
import { healthRoutes } from '../http/health.js';

export type WorkerOpsServerOptions = {
  db: Database;
  /** The worker's Redis connection, for readiness. */
  redis: Redis;
  queue: SyncQueue;
  metrics: Metrics;
  adminToken: string;
  port: number;
  host: string;
};

export type WorkerOpsServer = { url: string; stop(): Promise<void> };

export async function startWorkerOpsServer(options: WorkerOpsServerOptions): Promise<WorkerOpsServer> {
  const app = new Hono();
  app.route('/', healthRoutes({ db: options.db, redis: options.redis }));
  app.route('/', adminRoutes({ adminToken: options.adminToken, metrics: options.metrics, queues: [options.queue] }));
  options.metrics.trackQueue(options.queue);
  const { port, stop } = await listenGracefully(app.fetch, options.port, options.host);
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;
  return { url: `http://${host}:${port}`, stop: () => stop(2_000) };
}
