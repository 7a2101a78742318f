// Runtime wiring shared by every long-running command (receiver, worker, start, backfill, ...):
// config, logger, metrics, the migrated database, Redis connections, the sync queue and the
// API client, plus one ordered shutdown. Commands compose what they need instead of each
// repeating the same setup, and everything opened here is closed by `close()`.
import { Redis } from 'ioredis';
import { loadConfig, requireSetting, type Config } from '../config.js';
import { openDatabase, type Database, type DatabaseHandle } from '../db/connection.js';
import { PgliteBusyError } from '../db/pglite-lock.js';
import { describeError, FatalError } from '../lib/fatal-error.js';
import { createLogger, type Logger } from '../lib/logger.js';
import { createMetrics, type Metrics } from '../observability/metrics.js';
import { createRedis } from '../queue/redis.js';
import { createSyncQueue, type SyncQueue } from '../queue/sync-queue.js';
export type { SyncQueue };
import { TokPortalClient, type ApiCallInfo } from '../tokportal/client.js';

export type Runtime = {
  config: Config;
  logger: Logger;
  metrics: Metrics;
  database: DatabaseHandle;
  db: Database;
  /** A new Redis connection for the role; closed with the runtime. */
  redis(role: 'producer' | 'worker'): Redis;
  /** The sync queue on a shared producer connection (fails fast when Redis is down). */
  queue(): SyncQueue;
  /** The TokPortal client, its calls counted in metrics. Needs TOKPORTAL_API_KEY. */
  client(): TokPortalClient;
  /** Registers a cleanup; cleanups run in reverse order before the connections close. */
  onClose(cleanup: () => Promise<void> | void): void;
  close(): Promise<void>;
};

export type RuntimeOptions = {
  config?: Config;
  logger?: Logger;
  metrics?: Metrics;
  /** Apply pending migrations at start (default true). */
  migrate?: boolean;
  /**
   * Embedded PGlite is one process's private database: only `start` (everything in one
   * process) and one-shot commands may use it; a separate worker or receiver would not
   * see the other's writes.
   */
  allowPglite?: boolean;
  /** Why the command needs the database, for the error when DATABASE_URL is missing. */
  purpose?: string;
  maxConnections?: number;
};

export async function createRuntime(options: RuntimeOptions = {}): Promise<Runtime> {
  const config = options.config ?? loadConfig();
  if (!options.allowPglite) {
    requireSetting(config, 'databaseUrl', options.purpose ?? 'this command shares the mirror with other processes');
  }
  const logger = options.logger ?? createLogger({ level: config.logLevel });
  const metrics = options.metrics ?? createMetrics();
  const database = await openDatabase({
    databaseUrl: config.databaseUrl,
    pgliteDir: config.pgliteDir,
    ...(options.maxConnections === undefined ? {} : { maxConnections: options.maxConnections }),
  }).catch((error: unknown) => {
    // Two processes in one PGlite folder corrupt it: one line naming the holder instead.
    if (error instanceof PgliteBusyError) throw new FatalError(`${error.message}: stop it first, or set DATABASE_URL to share a Postgres`);
    throw error;
  });
  try {
    if (options.migrate ?? true) await database.migrate();
  } catch (error) {
    await database.close().catch(() => {});
    throw new FatalError(`The database is not usable (${database.kind}): ${describeError(error)}`);
  }

  const connections: Redis[] = [];
  const cleanups: (() => Promise<void> | void)[] = [];
  let queue: SyncQueue | undefined;
  let queueConnection: Redis | undefined;
  let client: TokPortalClient | undefined;
  let closing: Promise<void> | undefined;

  const runtime: Runtime = {
    config,
    logger,
    metrics,
    database,
    db: database.db,
    redis(role) {
      const connection = createRedis(config.redisUrl, role);
      // ioredis reports every reconnect attempt as an error; one line per outage is enough.
      let down = false;
      connection.on('error', (error: Error) => {
        if (!down) logger.warn({ role, redis: redactUrl(config.redisUrl), err: error.message }, 'redis unreachable, reconnecting');
        down = true;
      });
      connection.on('ready', () => {
        if (down) logger.info({ role }, 'redis reachable again');
        down = false;
      });
      connections.push(connection);
      return connection;
    },
    queue() {
      if (!queue) {
        queueConnection = runtime.redis('producer');
        queue = createSyncQueue(queueConnection, config.queuePrefix);
      }
      return queue;
    },
    client() {
      client ??= new TokPortalClient({
        baseUrl: config.baseUrl,
        apiKey: requireSetting(config, 'apiKey', 'the worker reads bundles from the TokPortal API'),
        timeoutMs: config.requestTimeoutMs,
        onCall: recordApiCall(metrics),
      });
      return client;
    },
    onClose(cleanup) {
      cleanups.push(cleanup);
    },
    close() {
      closing ??= (async () => {
        for (const cleanup of cleanups.reverse()) {
          await settle(cleanup(), logger, 'cleanup');
        }
        // Closing a queue whose connection never became ready would wait forever.
        if (queue && queueConnection?.status === 'ready') await settle(queue.close(), logger, 'queue close');
        for (const connection of connections) {
          if (connection.status === 'ready') await settle(connection.quit(), logger, 'redis quit');
          connection.disconnect();
        }
        await settle(database.close(), logger, 'database close');
      })();
      return closing;
    },
  };
  return runtime;
}

/** Counts every API call by route and status, and tracks the rate-limit budget TokPortal reports. */
export function recordApiCall(metrics: Metrics): (info: ApiCallInfo) => void {
  return (info) => {
    metrics.apiRequests.inc({ endpoint: info.route, status: info.status === null ? 'error' : String(info.status) });
    if (info.status === 429) metrics.apiRateLimited.inc();
    const remaining = info.rateLimit?.remaining;
    if (remaining !== null && remaining !== undefined) metrics.apiRateLimitRemaining.set(remaining);
  };
}

/**
 * Fails with one actionable line when Redis does not answer. Used before starting anything
 * that cannot work without the queue, so the user is not left reading reconnect warnings.
 */
export async function assertRedisReachable(url: string, timeoutMs = 3_000): Promise<void> {
  const probe = new Redis(url, {
    lazyConnect: true,
    connectTimeout: timeoutMs,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    retryStrategy: () => null,
  });
  probe.on('error', () => {});
  try {
    await probe.connect();
    await probe.ping();
  } catch {
    throw new FatalError(
      `Redis is not reachable at ${redactUrl(url)}: start a local redis-server or \`docker compose up -d redis\``,
    );
  } finally {
    probe.disconnect();
  }
}

/** A URL fit for a message: the password (if any) never leaves the process. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString().replace(/\/$/, '');
  } catch {
    return '(unparseable URL)';
  }
}

async function settle(work: Promise<unknown> | unknown, logger: Logger, what: string): Promise<void> {
  try {
    await work;
  } catch (error) {
    logger.warn({ err: describeError(error) }, `${what} failed`);
  }
}
