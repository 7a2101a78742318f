// A real stack on loopback, the one harness for every test that runs the application: a
// database of its own (cloned from the migrated template), a Redis prefix of its own, the fake
// TokPortal as a real HTTP server, and a runtime built by the composition root (src/app/), on
// which the test starts the receiver (127.0.0.1, a free port) and workers as production does.
//
//   const stack = await startStack({ label: 'lifecycle', fake: { bundles: 40 }, receiver: true, worker: true });
//   await stack.fake.advance(id); await stack.settle();   // webhooks delivered, inbox drained, queue idle
//   await stack.close();                                   // everything it opened, in reverse order
//
// Two knobs src/app/ does not expose start the module under test directly, on the same
// runtime's connections and exactly as src/app/ wires it: a receiver with its own inbox-writer
// batching or relay pace (src/receiver/server.ts), and a worker with a processor swapped
// (src/worker/worker.ts). Everything else goes through src/app/.
import type { Redis } from 'ioredis';
import { startFakeTokPortal, type FakeTokPortal, type FakeTokPortalOptions } from '../../fake-tokportal/index.js';
import {
  backfillDependencies,
  createRuntime,
  startReceiver as startAppReceiver,
  startWorker as startAppWorker,
  type Runtime,
  type WorkerTuning,
} from '../../src/app/index.js';
import { loadConfig, type Config } from '../../src/config.js';
import type { Database } from '../../src/db/connection.js';
import { silentLogger, type Logger } from '../../src/lib/logger.js';
import type { Metrics } from '../../src/observability/metrics.js';
import type { JobName } from '../../src/queue/jobs.js';
import { queueConnection, type SyncQueue } from '../../src/queue/sync-queue.js';
import { startReceiver as startReceiverServer, type ReceiverHandle, type ReceiverOptions } from '../../src/receiver/server.js';
import type { BackfillDependencies } from '../../src/worker/backfill.js';
import type { Processor, ProcessorContext } from '../../src/worker/processors.js';
import { startSyncWorker, type SyncWorkerHandle } from '../../src/worker/worker.js';
import { pendingInboxEvents } from './mirror.js';
import { createTestDatabase, type TestDatabase } from './postgres.js';
import { TEST_REDIS_URL, deleteRedisPrefix, uniquePrefix } from './redis.js';
import { waitFor, waitForIdleQueue } from './wait.js';
import { OLD_SECRET, SECRET } from './webhooks.js';

/** The admin token of tests that turn the admin routes on (env ADMIN_TOKEN). */
export const ADMIN_TOKEN = 'admin-token-for-tests-0123456789';

export type StackOptions = {
  /** Names the database and the Redis prefix (so a leftover says which test left it). */
  label: string;
  /**
   * The fake TokPortal: options for one of the stack's own (no rate limit unless set, closed
   * with the stack), one already running to share (left open), or none (the default).
   */
  fake?: FakeTokPortalOptions | FakeTokPortal;
  /**
   * Default: a fresh database cloned from the migrated template, dropped with the stack. A
   * TestDatabase to share (left alone), or false for none (env DATABASE_URL then says where).
   */
  database?: TestDatabase | false;
  /** The workers' queue-wide limit (default 60,000/min: it binds only when a test sets it). */
  rateLimitPerMin?: number;
  /** Worker concurrency (default 4). */
  concurrency?: number;
  /** Any setting, as the environment would give it; wins over the stack's own. */
  env?: Record<string, string>;
  /**
   * Parsed settings set after validation, for values the floors refuse operators on purpose
   * (a VERIFY_WITHIN of seconds, so a test sees a whole verification cycle).
   */
  config?: Partial<Config>;
  /** Default: silent. */
  logger?: Logger;
  /** Start the receiver now (true, or its options); the fake, if any, delivers its webhooks there. */
  receiver?: boolean | StackReceiverOptions;
  /** Start a worker now (true, or its options). */
  worker?: boolean | StackWorkerOptions;
};

export type StackReceiverOptions = {
  /** Settings of this receiver alone (its own runtime on the same database and prefix). */
  env?: Record<string, string>;
  /** Inbox-writer batching (src/app/ keeps the defaults). */
  writer?: ReceiverOptions['writer'];
  /** The relay's pace, or false for no relay (src/app/ runs one at the default pace). */
  relay?: ReceiverOptions['relay'];
};

export type StackWorkerOptions = WorkerTuning & {
  /** Replaces some processors of the registry (a test hooks into a job). */
  processors?: Partial<Record<JobName, Processor>>;
};

/** A receiver listening on 127.0.0.1, with the connections it uses. */
export type TestReceiver = {
  receiver: ReceiverHandle;
  url: string;
  queue: SyncQueue;
  /** The queue's producer connection (the one the receiver checks before enqueueing). */
  redis: Redis;
  metrics: Metrics;
  runtime: Runtime;
  /** Stops the receiver (and its own runtime, if it has one). */
  close(): Promise<void>;
};

export type Stack = {
  label: string;
  prefix: string;
  /** Undefined with `database: false`. */
  database: TestDatabase | undefined;
  /** The runtime's connection to the mirror (the one the application writes with). */
  db: Database;
  config: Config;
  runtime: Runtime;
  metrics: Metrics;
  queue: SyncQueue;
  /** The fake TokPortal (a stack without one throws). */
  fake: FakeTokPortal;
  /** The receiver started with the `receiver` option (a stack without one throws). */
  receiver: TestReceiver;
  /** What a processor gets in production, for tests that call one directly. */
  ctx: ProcessorContext;
  startWorker(options?: StackWorkerOptions): Promise<SyncWorkerHandle>;
  startReceiver(options?: StackReceiverOptions): Promise<TestReceiver>;
  /** Another runtime on the same database, prefix and fake, with some settings changed. */
  openRuntime(env: Record<string, string>): Promise<Runtime>;
  /** A stack sharing this one's database and fake, on a Redis prefix of its own. */
  fork(label: string, options?: Pick<StackOptions, 'env' | 'rateLimitPerMin' | 'concurrency'>): Promise<Stack>;
  /** What `tokportal-sync backfill` gives runBackfill, on this runtime (or another one). */
  backfillDeps(runtime?: Runtime): BackfillDependencies;
  /** List and detail calls the fake answered with 200 since its last resetStats(). */
  calls(): { list: number; detail: number };
  /** Webhooks delivered, inbox drained, queue idle. */
  settle(timeoutMs?: number): Promise<void>;
  /** Closes everything the stack opened, in reverse order; what it was given is left open. */
  close(): Promise<void>;
};

const isRunningFake = (fake: FakeTokPortalOptions | FakeTokPortal): fake is FakeTokPortal =>
  typeof (fake as FakeTokPortal).close === 'function' && typeof (fake as FakeTokPortal).baseUrl === 'string';

export async function startStack(options: StackOptions): Promise<Stack> {
  const cleanups: (() => Promise<unknown>)[] = [];
  const closeAll = async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => {});
  };
  try {
    return await assemble(options, cleanups, closeAll);
  } catch (error) {
    await closeAll();
    throw error;
  }
}

async function assemble(
  options: StackOptions,
  cleanups: (() => Promise<unknown>)[],
  closeAll: () => Promise<void>,
): Promise<Stack> {
  const prefix = uniquePrefix(options.label);
  const database = options.database === false ? undefined : (options.database ?? (await createTestDatabase(options.label)));
  if (database && options.database === undefined) cleanups.push(() => database.drop());
  let fake: FakeTokPortal | undefined;
  if (options.fake && isRunningFake(options.fake)) fake = options.fake;
  else if (options.fake) {
    // The fake as deployed tests meet it: its own delivery timing, no rate limit unless asked.
    const own = await startFakeTokPortal({ rateLimitPerMin: 0, ...options.fake });
    cleanups.push(() => own.close());
    fake = own;
  }

  const settings: Record<string, string> = {
    ...(database ? { DATABASE_URL: database.url } : {}),
    REDIS_URL: TEST_REDIS_URL,
    QUEUE_PREFIX: prefix,
    ...(fake ? { TOKPORTAL_API_KEY: fake.apiKey, TOKPORTAL_BASE_URL: fake.baseUrl } : {}),
    TOKPORTAL_WEBHOOK_SECRETS: `${SECRET},${OLD_SECRET}`,
    TOKPORTAL_RATE_LIMIT_PER_MIN: String(options.rateLimitPerMin ?? 60_000),
    TOKPORTAL_TIMEOUT_MS: '10000',
    WORKER_CONCURRENCY: String(options.concurrency ?? 4),
    LOG_LEVEL: 'silent',
    ...options.env,
  };
  const openRuntime = async (env: Record<string, string> = {}): Promise<Runtime> => {
    const config = { ...loadConfig({ ...settings, ...env }), ...options.config };
    const runtime = await createRuntime({ config, logger: options.logger ?? silentLogger, migrate: false });
    cleanups.push(() => runtime.close());
    return runtime;
  };
  const runtime = await openRuntime();
  if (settings.REDIS_URL === TEST_REDIS_URL) {
    cleanups.unshift(() => deleteRedisPrefix(prefix));
    // Connected before anything is timed: a receiver's first enqueue has 2 s, and a loaded
    // machine can spend that on the connection alone.
    await runtime.queue().waitUntilReady();
  }

  let ctx: ProcessorContext | undefined;
  const processorContext = (): ProcessorContext =>
    (ctx ??= {
      db: runtime.db,
      client: runtime.client(),
      queue: runtime.queue(),
      metrics: runtime.metrics,
      logger: runtime.logger,
      config: runtime.config,
    });

  const startWorker = async (worker: StackWorkerOptions = {}): Promise<SyncWorkerHandle> => {
    const { processors, ...tuning } = worker;
    const handle = processors
      ? await startSyncWorker({
          ctx: processorContext(),
          connection: runtime.redis('worker'),
          prefix: runtime.config.queuePrefix,
          concurrency: tuning.concurrency ?? runtime.config.workerConcurrency,
          rateLimitPerMin: runtime.config.rateLimitPerMin,
          processors,
          ...(tuning.lockDurationMs === undefined ? {} : { lockDurationMs: tuning.lockDurationMs }),
          ...(tuning.stalledIntervalMs === undefined ? {} : { stalledIntervalMs: tuning.stalledIntervalMs }),
        })
      : await startAppWorker(runtime, tuning);
    cleanups.push(() => handle.close());
    return handle;
  };

  const startReceiver = async (receiver: StackReceiverOptions = {}): Promise<TestReceiver> => {
    const own = receiver.env ? await openRuntime(receiver.env) : runtime;
    // The admin listener on a free port too: test files run side by side.
    const listen = { port: 0, host: '127.0.0.1', admin: { port: 0, host: '127.0.0.1' } };
    const queue = own.queue();
    const redis = queueConnection(queue) ?? own.redis('producer');
    const handle =
      receiver.writer || receiver.relay !== undefined
        ? await startReceiverServer({
            config: own.config,
            db: own.db,
            queue,
            redis,
            metrics: own.metrics,
            logger: own.logger,
            ...listen,
            ...(receiver.writer ? { writer: receiver.writer } : {}),
            ...(receiver.relay === undefined ? {} : { relay: receiver.relay }),
          })
        : await startAppReceiver(own, listen);
    const close = async () => {
      await handle.close();
      if (own !== runtime) await own.close();
    };
    cleanups.push(close);
    return { receiver: handle, url: handle.url, queue, redis, metrics: own.metrics, runtime: own, close };
  };

  let started: TestReceiver | undefined;
  const stack: Stack = {
    label: options.label,
    prefix,
    database,
    db: runtime.db,
    config: runtime.config,
    runtime,
    metrics: runtime.metrics,
    get queue() {
      return runtime.queue();
    },
    get fake() {
      if (!fake) throw new Error(`stack ${options.label} has no fake TokPortal (pass the fake option)`);
      return fake;
    },
    get receiver() {
      if (!started) throw new Error(`stack ${options.label} started no receiver (pass the receiver option)`);
      return started;
    },
    get ctx() {
      return processorContext();
    },
    startWorker,
    startReceiver,
    openRuntime,
    async fork(label, fork = {}) {
      const child = await startStack({
        label,
        database: database ?? false,
        ...(fake ? { fake } : {}),
        rateLimitPerMin: fork.rateLimitPerMin ?? options.rateLimitPerMin ?? 60_000,
        concurrency: fork.concurrency ?? options.concurrency ?? 4,
        env: { ...options.env, ...fork.env },
        ...(options.logger ? { logger: options.logger } : {}),
      });
      cleanups.push(() => child.close());
      return child;
    },
    backfillDeps: (on = runtime) => backfillDependencies(on),
    calls() {
      const { requests } = stack.fake.stats();
      return { list: requests['GET /bundles 200'] ?? 0, detail: requests['GET /bundles/:id 200'] ?? 0 };
    },
    async settle(timeoutMs = 20_000) {
      await waitFor(() => stack.fake.stats().webhooksPending === 0, { timeoutMs, what: 'webhook deliveries' });
      await waitFor(async () => (await pendingInboxEvents(runtime.db)) === 0, { timeoutMs, what: 'an empty inbox' });
      await waitForIdleQueue(runtime.queue(), timeoutMs);
    },
    close: closeAll,
  };

  if (options.receiver) {
    started = await startReceiver(options.receiver === true ? {} : options.receiver);
    fake?.addWebhookEndpoint({ url: `${started.url}/webhooks/tokportal`, secret: SECRET });
  }
  if (options.worker) await startWorker(options.worker === true ? {} : options.worker);
  return stack;
}
