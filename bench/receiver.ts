// Benchmark 1: webhook receiver throughput against its anchor. The bare Hono app (read the
// body, answer 200) is the stack's own ceiling on this machine; our receiver adds the
// signature check, the durable inbox insert and the enqueue. Same load generator, same
// connections, the same time under load, each server alone in its own process. The two
// are measured in alternating rounds so that a neighbour's load on this shared machine
// weighs on both rather than on whichever ran second.
import { count } from 'drizzle-orm';
import type { Database } from '../src/db/connection.js';
import { webhookEvents } from '../src/db/schema.js';
import type { Benchmark } from './lib/benchmark.js';
import { startCpuMeter } from './lib/cpu.js';
import { createBenchEnv } from './lib/env.js';
import { BENCH_WEBHOOK_SECRET, eventIdFactory } from './lib/events.js';
import { driveSignedWebhooks, type LoadFigures, type LoadSettings } from './lib/load.js';
import { startChild, type BenchChild } from './lib/processes.js';
import { target } from './lib/results.js';
import { ratio, round, sleep } from './lib/stats.js';

const MiB = 2 ** 20;
const BUNDLE_IDS = Array.from({ length: 1_000 }, (_, i) => `bnd_bench_${String(i).padStart(5, '0')}`);

type Server = {
  label: string;
  child: BenchChild;
  nextEventId: () => string;
  /** Requests per second seen so far: sizes the next round to last about roundSeconds. */
  rateEstimate: number;
  rounds: LoadFigures[];
  /** Share of all cores busy during each measured round. */
  cpuBusy: number[];
  /** CPU seconds the server process used during the measured rounds (Postgres and Redis not included). */
  processCpuSeconds: number;
};

type Summary = { requestsPerSecond: number; p50Ms: number; p99Ms: number; maxMs: number; ok2xx: number; failures: number };

async function drive(server: Server, connections: number, length: LoadSettings['length']): Promise<LoadFigures> {
  const load = await driveSignedWebhooks({
    origin: `http://127.0.0.1:${server.child.port}`,
    connections,
    length,
    bundleIds: BUNDLE_IDS,
    nextEventId: server.nextEventId,
    secret: BENCH_WEBHOOK_SECRET,
  });
  if (load.durationSeconds > 0) server.rateEstimate = load.ok2xx / load.durationSeconds;
  return load;
}

/** The inbox row count once two reads 200 ms apart agree. */
async function stableInboxCount(db: Database): Promise<number> {
  let previous = -1;
  for (;;) {
    const [row] = await db.select({ rows: count() }).from(webhookEvents);
    const current = row?.rows ?? 0;
    if (current === previous) return current;
    previous = current;
    await sleep(200);
  }
}

/** Throughput over all rounds; latency percentiles are the mean of the rounds' (autocannon cannot merge histograms). */
function summarize(rounds: LoadFigures[]): Summary {
  const mean = (pick: (r: LoadFigures) => number) => rounds.reduce((sum, r) => sum + pick(r), 0) / rounds.length;
  const ok2xx = rounds.reduce((sum, r) => sum + r.ok2xx, 0);
  const seconds = rounds.reduce((sum, r) => sum + r.durationSeconds, 0);
  return {
    requestsPerSecond: ok2xx / seconds,
    p50Ms: mean((r) => r.p50Ms),
    p99Ms: mean((r) => r.p99Ms),
    maxMs: Math.max(...rounds.map((r) => r.maxMs)),
    ok2xx,
    failures: rounds.reduce((sum, r) => sum + r.non2xx + r.errors, 0),
  };
}

export const receiverBenchmark: Benchmark = {
  name: 'receiver',
  title: 'webhook receiver throughput vs a bare Hono app (anchor)',
  async run(context) {
    const { connections, durationSeconds, warmupSeconds } = context.sizes.receiver;
    const roundCount = context.smoke ? 1 : 4;
    const roundSeconds = durationSeconds / roundCount;
    const env = await createBenchEnv('receiver');
    const children: BenchChild[] = [];
    try {
      // Started together (start-up is not measured), each then loaded alone.
      const started = await Promise.allSettled([
        startChild('bare', {}),
        startChild('receiver', {
          databaseUrl: env.databaseUrl,
          redisUrl: env.redisUrl,
          queuePrefix: env.queuePrefix,
          secret: BENCH_WEBHOOK_SECRET,
        }),
      ]);
      for (const outcome of started) if (outcome.status === 'fulfilled') children.push(outcome.value);
      for (const outcome of started) if (outcome.status === 'rejected') throw outcome.reason;
      const [bare, ours] = children.map(
        (child, i): Server => ({
          label: i === 0 ? 'bare Hono (anchor)' : 'our receiver',
          child,
          nextEventId: eventIdFactory(),
          rateEstimate: 300,
          rounds: [],
          cpuBusy: [],
          processCpuSeconds: 0,
        }),
      ) as [Server, Server];

      context.log(`${connections} connections, ${roundCount} alternating rounds of ~${round(roundSeconds, 1)}s per server`);
      // Warm-up, timed: JIT, pools and caches settle, and the rate it reaches sizes the rounds.
      for (const server of [bare, ours]) await drive(server, connections, { seconds: warmupSeconds });
      // The warm-up's cut-off requests may still commit: the inbox check starts once the count is still.
      const inboxBefore = await stableInboxCount(env.database.db);

      // Measured rounds have a fixed number of requests, all answered, so 2xx and rows must match exactly.
      for (let i = 0; i < roundCount; i++) {
        const order = i % 2 === 0 ? [bare, ours] : [ours, bare];
        for (const server of order) {
          const amount = Math.max(connections * 20, Math.round(server.rateEstimate * roundSeconds));
          const cpu = startCpuMeter();
          const cpuBefore = server.child.cpuSeconds();
          server.rounds.push(await drive(server, connections, { amount }));
          const busy = cpu();
          const cpuAfter = server.child.cpuSeconds();
          if (busy !== null) server.cpuBusy.push(busy);
          if (cpuBefore !== null && cpuAfter !== null) server.processCpuSeconds += cpuAfter - cpuBefore;
        }
      }
      // Every 2xx must be a committed inbox row: an acknowledged event that is not durable is a lost event.
      const inboxRows = (await stableInboxCount(env.database.db)) - inboxBefore;
      const answered2xx = ours.rounds.reduce((sum, r) => sum + r.ok2xx, 0);

      const bareRss = (await bare.child.stop()).maxRssBytes;
      const ourStop = await ours.child.stop();
      const ourRss = ourStop.maxRssBytes;
      // The inbox writer's own counters (whole run, warm-up included): how well group commit batched.
      const writer = (ourStop.info ?? {}) as { batches?: number; rows?: number; insertMs?: number; enqueueMs?: number };
      const rowsPerInsert = ratio(writer.rows ?? null, writer.batches ?? null);
      const insertMsAverage = ratio(writer.insertMs ?? null, writer.batches ?? null);
      const enqueueMsAverage = ratio(writer.enqueueMs ?? null, writer.batches ?? null);
      // CPU the server process itself burnt per answered request in the measured rounds.
      const cpuMsPerRequest = (server: Server) =>
        round(ratio(server.processCpuSeconds * 1000, summarize(server.rounds).ok2xx), 3);
      children.length = 0;
      context.memory.push(
        { process: 'bare Hono anchor', during: 'receiver', peakRssBytes: bareRss },
        { process: 'receiver', during: 'receiver', peakRssBytes: ourRss },
      );

      const b = summarize(bare.rounds);
      const o = summarize(ours.rounds);
      const busyPct = (server: Server) =>
        server.cpuBusy.length === 0 ? null : round((server.cpuBusy.reduce((sum, x) => sum + x, 0) / server.cpuBusy.length) * 100, 0);
      const throughputRatio = round(ratio(o.requestsPerSecond, b.requestsPerSecond));
      const line = (server: Server, s: Summary, rss: number) => [
        server.label, round(s.requestsPerSecond, 0), round(s.p50Ms, 1), round(s.p99Ms, 1), s.maxMs, s.ok2xx, s.failures,
        busyPct(server), cpuMsPerRequest(server), round(rss / MiB, 1),
      ];
      return {
        params: { connections, durationSeconds, warmupSeconds, rounds: roundCount, distinctBundles: BUNDLE_IDS.length },
        figures: {
          bareRequestsPerSecond: round(b.requestsPerSecond, 1),
          bareP50Ms: round(b.p50Ms, 2),
          bareP99Ms: round(b.p99Ms, 2),
          ourRequestsPerSecond: round(o.requestsPerSecond, 1),
          ourP50Ms: round(o.p50Ms, 2),
          ourP99Ms: round(o.p99Ms, 2),
          ourMaxMs: o.maxMs,
          ourBareRatio: throughputRatio,
          our2xx: answered2xx,
          ourFailures: o.failures,
          inboxRows,
          inboxInsertStatements: writer.batches ?? null,
          rowsPerInsert: round(rowsPerInsert, 1),
          insertMsAverage: round(insertMsAverage, 1),
          enqueueMsAverage: round(enqueueMsAverage, 1),
          bareProcessCpuMsPerRequest: cpuMsPerRequest(bare),
          ourProcessCpuMsPerRequest: cpuMsPerRequest(ours),
          bareMachineCpuBusyPct: busyPct(bare),
          ourMachineCpuBusyPct: busyPct(ours),
          barePeakRssMiB: round(bareRss / MiB, 1),
          receiverPeakRssMiB: round(ourRss / MiB, 1),
        },
        targets: [
          target('our/bare req/s', throughputRatio, '>=', 0.4),
          target('our p99 latency (ms)', round(o.p99Ms, 1), '<=', 25),
          target('|inbox rows - 2xx answers|', Math.abs(inboxRows - answered2xx), '<=', 0),
        ],
        table: {
          header: ['server', 'req/s', 'p50 ms', 'p99 ms', 'max ms', '2xx', 'failed', 'machine CPU %', 'process CPU ms/req', 'peak RSS MiB'],
          rows: [
            line(bare, b, bareRss),
            line(ours, o, ourRss),
            ['our / bare', throughputRatio, null, null, null, null, null, null, null, null],
            ['inbox rows added vs 2xx', inboxRows, null, null, null, answered2xx, null, null, null, null],
          ],
        },
        notes: [
          `inbox group commit: ${writer.rows ?? '?'} rows in ${writer.batches ?? '?'} inserts (${round(rowsPerInsert, 1)} rows, ${round(insertMsAverage, 1)} ms insert + ${round(enqueueMsAverage, 1)} ms enqueue per batch)`,
          `per-round req/s, bare: ${bare.rounds.map((r) => Math.round(r.requestsPerSecond)).join(', ')}; ours: ${ours.rounds.map((r) => Math.round(r.requestsPerSecond)).join(', ')}`,
        ],
      };
    } finally {
      for (const child of children) child.kill();
      await env.dispose();
    }
  },
};
