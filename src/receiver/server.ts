// Starts the receiver: HTTP server, inbox writer and relay, and stops them in the order that
// loses nothing: stop accepting → let in-flight requests finish (their rows commit) → flush
// the writer → stop the relay. Database and Redis pools belong to the caller.
import type { Redis } from 'ioredis';
import { requireWebhookSecrets, type Config } from '../config.js';
import type { Database } from '../db/connection.js';
import type { Logger } from '../lib/logger.js';
import type { Metrics } from '../observability/metrics.js';
import type { SyncQueue } from '../queue/sync-queue.js';
import { createReceiverApp } from './app.js';
import { listenGracefully } from '../http/graceful-server.js';
import { InboxWriter, type InboxWriterOptions } from './inbox-writer.js';
import { Relay, type RelayOptions } from './relay.js';

export type ReceiverOptions = {
  config: Config;
  db: Database;
  queue: SyncQueue;
  /** The queue's producer connection (createRedis(url, 'producer')). */
  redis: Redis;
  metrics: Metrics;
  logger: Logger;
  /** Default config.port / config.host; tests pass 0 and 127.0.0.1. */
  port?: number;
  host?: string;
  writer?: Partial<Pick<InboxWriterOptions, 'maxBatchSize' | 'maxWaitMs' | 'maxConcurrentBatches' | 'enqueueTimeoutMs'>>;
  /** Relay tuning, or false to run no relay in this process. */
  relay?: Partial<Pick<RelayOptions, 'intervalMs' | 'maxBackoffMs' | 'batchSize' | 'graceMs'>> | false;
  /** How long close() lets in-flight requests finish before cutting connections (default 10 s). */
  shutdownTimeoutMs?: number;
};

export type ReceiverHandle = {
  url: string;
  port: number;
  writer: InboxWriter;
  relay: Relay | null;
  close(): Promise<void>;
};

export async function startReceiver(options: ReceiverOptions): Promise<ReceiverHandle> {
  const { config, db, queue, redis, metrics, logger } = options;
  const webhookSecrets = requireWebhookSecrets(config);
  const writer = new InboxWriter({ db, queue, redis, metrics, logger, ...options.writer });
  const relay = options.relay === false ? null : new Relay({ db, queue, redis, logger, ...options.relay });
  metrics.trackQueue(queue);
  metrics.trackInbox(db);

  const app = createReceiverApp({
    db,
    redis,
    queue,
    writer,
    metrics,
    logger,
    webhookSecrets,
    toleranceSeconds: config.webhookToleranceSeconds,
    adminToken: config.adminToken,
  });

  const host = options.host ?? config.host;
  const { port, stop } = await listenGracefully(app.fetch, options.port ?? config.port, host);
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  relay?.start();
  logger.info({ url, admin: config.adminToken ? 'on' : 'off (set ADMIN_TOKEN)', signingSecretCount: webhookSecrets.length }, 'receiver listening');

  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      await stop(options.shutdownTimeoutMs ?? 10_000);
      await writer.close();
      await relay?.stop();
      logger.info('receiver stopped');
    })());

  return { url, port, writer, relay, close };
}
