// Shared set-up for the receiver tests: a real receiver on 127.0.0.1:0 over a test database
// and a Redis prefix, plus a client that signs deliveries the way TokPortal does.
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { loadConfig, type Config } from '../../src/config.js';
import type { Database } from '../../src/db/connection.js';
import { silentLogger, type Logger } from '../../src/lib/logger.js';
import { createMetrics, type Metrics } from '../../src/observability/metrics.js';
import { createRedis } from '../../src/queue/redis.js';
import { createSyncQueue, type SyncQueue } from '../../src/queue/sync-queue.js';
import { startReceiver, type ReceiverHandle, type ReceiverOptions } from '../../src/receiver/server.js';
import { signatureHeader } from '../../src/tokportal/signature.js';
import { TEST_REDIS_URL } from '../support/redis.js';

export const SECRET = 'whsec_test_current_0123456789abcdef';
export const OLD_SECRET = 'whsec_test_previous_fedcba9876543210';
export const ADMIN_TOKEN = 'admin-token-for-tests-0123456789';

export function testConfig(env: Record<string, string> = {}): Config {
  return loadConfig({ TOKPORTAL_WEBHOOK_SECRETS: `${SECRET},${OLD_SECRET}`, LOG_LEVEL: 'silent', ...env });
}

export type TestReceiver = {
  receiver: ReceiverHandle;
  url: string;
  queue: SyncQueue;
  redis: Redis;
  metrics: Metrics;
  close(): Promise<void>;
};

export async function startTestReceiver(options: {
  db: Database;
  prefix: string;
  redisUrl?: string;
  config?: Config;
  logger?: Logger;
  relay?: ReceiverOptions['relay'];
  writer?: ReceiverOptions['writer'];
}): Promise<TestReceiver> {
  const redis = createRedis(options.redisUrl ?? TEST_REDIS_URL, 'producer');
  const queue = createSyncQueue(redis, options.prefix);
  const metrics = createMetrics();
  const receiver = await startReceiver({
    config: options.config ?? testConfig(),
    db: options.db,
    queue,
    redis,
    metrics,
    logger: options.logger ?? silentLogger,
    port: 0,
    host: '127.0.0.1',
    relay: options.relay ?? false,
    ...(options.writer ? { writer: options.writer } : {}),
  });
  return {
    receiver,
    url: receiver.url,
    queue,
    redis,
    metrics,
    async close() {
      await receiver.close();
      // A queue whose connection never became ready would wait forever in close().
      if (redis.status === 'ready') await queue.close();
      redis.disconnect();
    },
  };
}

export type EventFields = { id?: string; type?: string; bundleId?: string | null; data?: Record<string, unknown> };

export function makeEnvelope(fields: EventFields = {}): Record<string, unknown> {
  const { bundleId = 'bun_default', data = {} } = fields;
  return {
    id: fields.id ?? `evt_${randomUUID()}`,
    type: fields.type ?? 'account.in_review',
    api_version: '2026-05-25',
    created_at: new Date().toISOString(),
    data: bundleId === null ? data : { bundle_id: bundleId, ...data },
  };
}

export type DeliveryOptions = {
  secret?: string;
  timestamp?: number;
  /** Replaces the computed signature header; null sends none. */
  signature?: string | null;
  eventId?: string | null;
  eventType?: string | null;
};

/** POSTs a delivery signed like TokPortal does; headers default to the body's id and type. */
export async function deliver(
  baseUrl: string,
  body: Record<string, unknown> | string,
  options: DeliveryOptions = {},
): Promise<Response> {
  const raw = typeof body === 'string' ? body : JSON.stringify(body);
  const parsed = typeof body === 'string' ? {} : body;
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  const signature =
    options.signature === undefined ? signatureHeader(options.secret ?? SECRET, raw, options.timestamp) : options.signature;
  if (signature !== null) headers['tokportal-signature'] = signature;
  const eventId = options.eventId === undefined ? (parsed.id as string | undefined) : options.eventId;
  if (eventId) headers['tokportal-event-id'] = eventId;
  const eventType = options.eventType === undefined ? (parsed.type as string | undefined) : options.eventType;
  if (eventType) headers['tokportal-event-type'] = eventType;
  return fetch(`${baseUrl}/webhooks/tokportal`, { method: 'POST', headers, body: raw });
}

/** Sync jobs not yet run (prioritized is where BullMQ keeps jobs with a priority). */
export async function pendingSyncJobs(queue: SyncQueue) {
  return queue.getJobs(['prioritized', 'waiting', 'delayed']);
}

/** Sum of a counter/gauge's series whose labels include the given ones. */
export async function metricValue(metrics: Metrics, name: string, labels: Record<string, string> = {}): Promise<number> {
  const metric = (await metrics.registry.getMetricsAsJSON()).find((m) => m.name === name);
  return (metric?.values ?? [])
    .filter((value) =>
      Object.entries(labels).every(([key, expected]) => String((value.labels as Record<string, unknown>)[key]) === expected),
    )
    .reduce((sum, value) => sum + value.value, 0);
}
