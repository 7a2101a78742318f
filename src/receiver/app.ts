// The receiver's public Hono app: POST /webhooks/tokportal, /healthz and /readyz, nothing else.
// /metrics and the queue dashboard live on the admin listener (src/http/admin-listener.ts), so
// publishing this port to TokPortal publishes no operator route.
import { Hono } from 'hono';
import type { Redis } from 'ioredis';
import type { Database } from '../db/connection.js';
import type { Logger } from '../lib/logger.js';
import type { Metrics } from '../observability/metrics.js';
import { healthRoutes } from '../http/health.js';
import type { InboxWriter } from './inbox-writer.js';
import { webhookRoutes } from './webhook.js';

export type ReceiverAppOptions = {
  db: Database;
  redis: Redis;
  writer: InboxWriter;
  metrics: Metrics;
  logger: Logger;
  webhookSecrets: readonly string[];
  toleranceSeconds: number;
  readinessTimeoutMs?: number;
  /** Why the receiver cannot store events yet (database gate), or null when it can. */
  notAccepting?: () => string | null;
};

export function createReceiverApp(options: ReceiverAppOptions): Hono {
  const { db, redis, writer, metrics, logger } = options;
  const app = new Hono();
  const gate = options.notAccepting;
  app.route(
    '/',
    healthRoutes({
      db,
      redis,
      ...(options.readinessTimeoutMs ? { timeoutMs: options.readinessTimeoutMs } : {}),
      ...(gate ? { gate } : {}),
    }),
  );
  app.route(
    '/',
    webhookRoutes({
      db,
      writer,
      metrics,
      logger,
      secrets: options.webhookSecrets,
      toleranceSeconds: options.toleranceSeconds,
      ...(gate ? { accepting: () => gate() === null } : {}),
    }),
  );
  app.notFound((c) => c.json({ error: { code: 'NOT_FOUND', message: 'no such route', details: {} } }, 404));
  app.onError((error, c) => {
    logger.error({ err: error.message, path: c.req.path }, 'receiver: unhandled error');
    return c.json({ error: { code: 'INTERNAL', message: 'internal error', details: {} } }, 500);
  });
  return app;
}
