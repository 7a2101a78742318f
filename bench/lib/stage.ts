// The stage for the end-to-end benchmarks: a fresh database and queue prefix, the fake
// TokPortal in this process (so its counters are read directly), and the receiver and/or
// worker each in their own child process, wired as in production.
import { startFakeTokPortal, type FakeTokPortal, type FakeTokPortalOptions } from '../../fake-tokportal/index.js';
import { createBenchEnv, type BenchEnv } from './env.js';
import { BENCH_WEBHOOK_SECRET } from './events.js';
import { startChild, type BenchChild } from './processes.js';
import { watchQueue, type QueueWatch } from './queue.js';

export type StageOptions = {
  label: string;
  bundles: number;
  ratePerMin: number;
  receiver: boolean;
  worker: boolean;
  workerConcurrency?: number;
  seed?: string;
  fake?: Omit<FakeTokPortalOptions, 'bundles' | 'seed' | 'rateLimitPerMin'>;
};

export type SyncStage = {
  env: BenchEnv;
  fake: FakeTokPortal;
  receiver: BenchChild | undefined;
  worker: BenchChild | undefined;
  /** http://127.0.0.1:PORT of the receiver. */
  receiverOrigin: string | undefined;
  queue: QueueWatch;
  /** Stops children (reporting their peak RSS), the fake and the env, whatever failed before. */
  close(): Promise<{ receiverPeakRssBytes: number | null; workerPeakRssBytes: number | null }>;
};

export async function startStage(options: StageOptions): Promise<SyncStage> {
  const env = await createBenchEnv(options.label);
  const opened: { fake?: FakeTokPortal; receiver?: BenchChild; worker?: BenchChild; queue?: QueueWatch } = {};
  const closeAll = async () => {
    const receiverStop = opened.receiver ? await opened.receiver.stop().catch(() => null) : null;
    const workerStop = opened.worker ? await opened.worker.stop().catch(() => null) : null;
    await opened.queue?.close().catch(() => {});
    await opened.fake?.close().catch(() => {});
    await env.dispose();
    return {
      receiverPeakRssBytes: receiverStop?.maxRssBytes ?? null,
      workerPeakRssBytes: workerStop?.maxRssBytes ?? null,
    };
  };
  try {
    opened.fake = await startFakeTokPortal({
      ...options.fake,
      bundles: options.bundles,
      seed: options.seed ?? `bench-${options.label}`,
      rateLimitPerMin: options.ratePerMin,
    });
    const fake = opened.fake;
    const settings = { databaseUrl: env.databaseUrl, redisUrl: env.redisUrl, queuePrefix: env.queuePrefix };
    // Both children boot in parallel; a failure of either still closes the other.
    const [receiver, worker] = await Promise.allSettled([
      options.receiver ? startChild('receiver', { ...settings, secret: BENCH_WEBHOOK_SECRET }) : undefined,
      options.worker
        ? startChild('worker', {
            ...settings,
            baseUrl: fake.baseUrl,
            apiKey: fake.apiKey,
            rateLimitPerMin: options.ratePerMin,
            ...(options.workerConcurrency === undefined ? {} : { concurrency: options.workerConcurrency }),
          })
        : undefined,
    ]);
    if (receiver.status === 'fulfilled') opened.receiver = receiver.value;
    if (worker.status === 'fulfilled') opened.worker = worker.value;
    if (receiver.status === 'rejected') throw receiver.reason;
    if (worker.status === 'rejected') throw worker.reason;
    opened.queue = watchQueue(env.redisUrl, env.queuePrefix);
    return {
      env,
      fake,
      receiver: opened.receiver,
      worker: opened.worker,
      receiverOrigin: opened.receiver ? `http://127.0.0.1:${opened.receiver.port}` : undefined,
      queue: opened.queue,
      close: closeAll,
    };
  } catch (error) {
    await closeAll().catch(() => {});
    throw error;
  }
}

/** Sum of the fake's request counters whose key starts with the route, e.g. "GET /bundles/:id". */
export function callsTo(fake: FakeTokPortal, route: string): number {
  let total = 0;
  for (const [key, count] of Object.entries(fake.stats().requests)) {
    if (key === route || key.startsWith(`${route} `)) total += count;
  }
  return total;
}
