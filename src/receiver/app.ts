// The receiver's Hono app, composed from small route modules: webhooks, health, admin.
import { Hono } from 'hono';
import type { Redis } from 'ioredis';
import type { Database } from '../db/connection.js';
import type { Logger } from '../lib/logger.js';
import type { Metrics } from '../observability/metrics.js';
import type { SyncQueue } from '../queue/sync-queue.js';
import { adminRoutes } from '../http/admin.js';
import { healthRoutes } from '../http/health.js';
import type { InboxWriter } from './inbox-writer.js';
import { webhookRoutes } from './webhook.js';

export type ReceiverAppOptions = {
  db: Database;
  redis: Redis;
  queue: SyncQueue;
  writer: InboxWriter;
  metrics: Metrics;
  logger: Logger;
  webhookSecrets: readonly string[];
  toleranceSeconds: number;
  adminToken: string | undefined;
  readinessTimeoutMs?: number;
};

export function createReceiverApp(options: ReceiverAppOptions): Hono {
  const { db, redis, queue, writer, metrics, logger } = options;
  const app = new Hono();
  app.route('/', healthRoutes({ db, redis, ...(options.readinessTimeoutMs ? { timeoutMs: options.readinessTimeoutMs } : {}) }));
  app.route(
    '/',
    webhookRoutes({ db, writer, metrics, logger, secrets: options.webhookSecrets, toleranceSeconds: options.toleranceSeconds }),
  );
  app.route('/', adminRoutes({ adminToken: options.adminToken, metrics, queues: [queue] }));
  app.notFound((c) => c.json({ error: { code: 'NOT_FOUND', message: 'no such route', details: {} } }, 404));
  app.onError((error, c) => {
    logger.error({ err: error.message, path: c.req.path }, 'receiver: unhandled error');
    return c.json({ error: { code: 'INTERNAL', message: 'internal error', details: {} } }, 500);
  });
  return app;
}
