// Benchmark 1: webhook receiver throughput against two anchors, at each connection level.
// - bare Hono: the same stack reading the body and answering 200, no I/O: the ceiling of the
//   HTTP stack on this machine.
// - the minimal durable receiver (bench/lib/anchor.ts): sixty lines keeping our promise (2xx
//   only after the Postgres commit and the enqueue) and nothing else: the yardstick our
//   receiver, which also validates, routes, counts and logs, should match or beat.
// Same load generator, same connections, the same number of requests per round, each server
// alone in its own process; ours is `tokportal-sync receiver` started as a user starts it. Servers are measured in rotating rounds so that a neighbour's load
// on this shared machine weighs on all of them rather than on whichever ran last.
import { count } from 'drizzle-orm';
import type { Database } from '../src/db/connection.js';
import { webhookEvents } from '../src/db/schema.js';
import { locateAnchor, startAnchor, type AnchorChild } from './lib/anchor.js';
import type { Benchmark } from './lib/benchmark.js';
import type { Cell } from './lib/table.js';
import { startCpuMeter } from './lib/cpu.js';
import { createBenchEnv } from './lib/env.js';
import { BENCH_WEBHOOK_SECRET, eventIdFactory } from './lib/events.js';
import { driveSignedWebhooks, type LoadFigures, type LoadSettings } from './lib/load.js';
import { cliEnv, freePort, startCliProcess } from './lib/cli-process.js';
import { startChild, type BenchChild } from './lib/processes.js';
import { target, type Figures, type Target } from './lib/results.js';
import { ratio, round, sleep } from './lib/stats.js';

const MiB = 2 ** 20;
const BUNDLE_IDS = Array.from({ length: 1_000 }, (_, i) => `bnd_bench_${String(i).padStart(5, '0')}`);

// Issue 14's targets.
const MIN_OVER_ANCHOR = 1.0;
const MIN_OVER_BARE = 0.45;
const MAX_P99_MS = 25;
const MAX_CPU_MS_PER_REQUEST = 0.3;

type Kind = 'bare' | 'anchor' | 'ours';

type Level = {
  rounds: LoadFigures[];
  /** Share of all cores busy during each measured round. */
  cpuBusy: number[];
  /** CPU seconds the server process used during the measured rounds (Postgres and Redis not included). */
  processCpuSeconds: number;
};

type Server = {
  kind: Kind;
  label: string;
  child: BenchChild;
  /** Committed inbox rows, for the servers that promise durability. */
  inboxRows: (() => Promise<number>) | null;
  nextEventId: () => string;
  /** Requests per second seen so far: sizes the next round to last about roundSeconds. */
  rateEstimate: number;
  levels: Map<number, Level>;
};

type Summary = {
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  ok2xx: number;
  failures: number;
  cpuMsPerRequest: number | null;
  machineBusyPct: number | null;
};

const LABELS: Record<Kind, string> = { bare: 'bare Hono', anchor: 'minimal durable anchor', ours: 'our receiver' };

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

/** A row count once two reads 200 ms apart agree (cut-off warm-up requests may still be committing). */
async function stableCount(read: () => Promise<number>): Promise<number> {
  let previous = -1;
  for (;;) {
    const current = await read();
    if (current === previous) return current;
    previous = current;
    await sleep(200);
  }
}

async function countOurInbox(db: Database): Promise<number> {
  const [row] = await db.select({ rows: count() }).from(webhookEvents);
  return row?.rows ?? 0;
}

/** Throughput over all rounds; latency percentiles are the mean of the rounds' (autocannon cannot merge histograms). */
function summarize(level: Level): Summary {
  const { rounds } = level;
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
    cpuMsPerRequest: ratio(level.processCpuSeconds * 1000, ok2xx),
    machineBusyPct: level.cpuBusy.length === 0 ? null : (level.cpuBusy.reduce((sum, x) => sum + x, 0) / level.cpuBusy.length) * 100,
  };
}

export const receiverBenchmark: Benchmark = {
  name: 'receiver',
  title: 'webhook receiver throughput vs bare Hono and the minimal durable anchor',
  async run(context) {
    const { connections: levels, durationSeconds, warmupSeconds } = context.sizes.receiver;
    const roundCount = context.smoke ? 1 : 4;
    const roundSeconds = durationSeconds / roundCount;
    const env = await createBenchEnv('receiver');
    const anchorLocation = locateAnchor();
    const notes: string[] = [];
    if (!anchorLocation.found) {
      const line = `minimal durable anchor skipped: ${anchorLocation.reason} (set BENCH_ANCHORS_DIR to its folder)`;
      context.log(line);
      notes.push(line);
    }
    const children: BenchChild[] = [];
    try {
      // Started together (start-up is not measured), each then loaded alone.
      const started = await Promise.allSettled([
        startChild('bare', {}),
        // Ours as users run it: `tokportal-sync receiver` from the clone, at the default log level.
        freePort().then((port) =>
          startCliProcess({
            flavour: 'clone',
            args: ['receiver'],
            env: cliEnv({ ...env, port, secret: BENCH_WEBHOOK_SECRET }),
            ready: { healthzPort: port },
          }),
        ),
        anchorLocation.found
          ? startAnchor(anchorLocation.source, { databaseUrl: env.databaseUrl, redisUrl: env.redisUrl, secret: BENCH_WEBHOOK_SECRET })
          : Promise.resolve(null),
      ]);
      for (const outcome of started) if (outcome.status === 'fulfilled' && outcome.value) children.push(outcome.value);
      for (const outcome of started) if (outcome.status === 'rejected') throw outcome.reason;
      const [bareChild, ourChild, anchorChild] = started.map((outcome) => (outcome.status === 'fulfilled' ? outcome.value : null)) as [
        BenchChild,
        BenchChild,
        AnchorChild | null,
      ];
      const server = (kind: Kind, child: BenchChild, inboxRows: Server['inboxRows']): Server => ({
        kind,
        label: LABELS[kind],
        child,
        inboxRows,
        nextEventId: eventIdFactory(),
        rateEstimate: 300,
        levels: new Map(),
      });
      const bare = server('bare', bareChild, null);
      const ours = server('ours', ourChild, () => countOurInbox(env.database.db));
      const anchor = anchorChild ? server('anchor', anchorChild, () => anchorChild.inboxRows()) : null;
      const servers = [bare, ...(anchor ? [anchor] : []), ours];

      const inboxCheck = new Map<number, Map<Kind, { rows: number; answered: number }>>();
      for (const connections of levels) {
        context.log(`${connections} connections: ${roundCount} rotating rounds of ~${round(roundSeconds, 1)}s per server`);
        // Warm-up, timed: JIT, pools and caches settle, and the rate it reaches sizes the rounds.
        for (const s of servers) await drive(s, connections, { seconds: warmupSeconds });
        const before = new Map<Kind, number>();
        for (const s of servers) if (s.inboxRows) before.set(s.kind, await stableCount(s.inboxRows));

        // Measured rounds have a fixed number of requests, all answered, so 2xx and rows must match exactly.
        for (const s of servers) s.levels.set(connections, { rounds: [], cpuBusy: [], processCpuSeconds: 0 });
        for (let i = 0; i < roundCount; i++) {
          const order = servers.map((_, j) => servers[(i + j) % servers.length]!);
          for (const s of order) {
            const level = s.levels.get(connections)!;
            const amount = Math.max(connections * 20, Math.round(s.rateEstimate * roundSeconds));
            const cpu = startCpuMeter();
            const cpuBefore = s.child.cpuSeconds();
            level.rounds.push(await drive(s, connections, { amount }));
            const busy = cpu();
            const cpuAfter = s.child.cpuSeconds();
            if (busy !== null) level.cpuBusy.push(busy);
            if (cpuBefore !== null && cpuAfter !== null) level.processCpuSeconds += cpuAfter - cpuBefore;
          }
        }
        // Every 2xx must be a committed inbox row: an acknowledged event that is not durable is a lost event.
        const checks = new Map<Kind, { rows: number; answered: number }>();
        for (const s of servers) {
          if (!s.inboxRows) continue;
          const rows = (await stableCount(s.inboxRows)) - before.get(s.kind)!;
          checks.set(s.kind, { rows, answered: summarize(s.levels.get(connections)!).ok2xx });
        }
        inboxCheck.set(connections, checks);
      }

      const peakRss = new Map<Kind, number>();
      for (const s of servers) peakRss.set(s.kind, (await s.child.stop()).maxRssBytes);
      children.length = 0;

      const figures: Figures = {};
      const targets: Target[] = [];
      const rows: Cell[][] = [];
      const low = Math.min(...levels);
      const high = Math.max(...levels);
      for (const connections of levels) {
        const sums = new Map(servers.map((s) => [s.kind, summarize(s.levels.get(connections)!)]));
        const o = sums.get('ours')!;
        const b = sums.get('bare')!;
        const a = sums.get('anchor') ?? null;
        const key = (name: string) => `c${connections}.${name}`;
        for (const [kind, s] of sums) {
          figures[key(`${kind}RequestsPerSecond`)] = round(s.requestsPerSecond, 1);
          figures[key(`${kind}P50Ms`)] = round(s.p50Ms, 2);
          figures[key(`${kind}P99Ms`)] = round(s.p99Ms, 2);
          figures[key(`${kind}CpuMsPerRequest`)] = round(s.cpuMsPerRequest, 3);
          figures[key(`${kind}2xx`)] = s.ok2xx;
          figures[key(`${kind}Failures`)] = s.failures;
        }
        const overBare = round(ratio(o.requestsPerSecond, b.requestsPerSecond));
        const overAnchor = a ? round(ratio(o.requestsPerSecond, a.requestsPerSecond)) : null;
        const anchorOverBare = a ? round(ratio(a.requestsPerSecond, b.requestsPerSecond)) : null;
        figures[key('oursOverBare')] = overBare;
        figures[key('oursOverAnchor')] = overAnchor;
        figures[key('anchorOverBare')] = anchorOverBare;
        const checks = inboxCheck.get(connections)!;
        for (const [kind, check] of checks) {
          figures[key(`${kind}InboxRows`)] = check.rows;
        }

        for (const s of servers) {
          const sum = sums.get(s.kind)!;
          rows.push([
            connections, s.label, round(sum.requestsPerSecond, 0), round(sum.p50Ms, 1), round(sum.p99Ms, 1), sum.maxMs, sum.ok2xx,
            sum.failures, round(sum.machineBusyPct, 0), round(sum.cpuMsPerRequest, 3),
          ]);
        }
        rows.push([connections, 'our / bare', overBare, null, null, null, null, null, null, null]);
        if (a) rows.push([connections, 'our / anchor (anchor / bare)', overAnchor, null, null, null, null, null, null, round(anchorOverBare, 3)]);
        for (const [kind, check] of checks) {
          rows.push([connections, `${LABELS[kind]}: inbox rows added vs 2xx`, check.rows, null, null, null, check.answered, null, null, null]);
        }

        const ourCheck = checks.get('ours')!;
        if (connections === high) {
          if (a) targets.push(target(`our/anchor req/s at ${connections} connections`, overAnchor, '>=', MIN_OVER_ANCHOR));
          targets.push(target(`our/bare req/s at ${connections} connections`, overBare, '>=', MIN_OVER_BARE));
        }
        if (connections === low) targets.push(target(`our p99 (ms) at ${connections} connections`, round(o.p99Ms, 1), '<=', MAX_P99_MS));
        targets.push(target(`our CPU ms/request at ${connections} connections`, round(o.cpuMsPerRequest, 3), '<=', MAX_CPU_MS_PER_REQUEST));
        targets.push(target(`|inbox rows - 2xx| at ${connections} connections`, Math.abs(ourCheck.rows - ourCheck.answered), '<=', 0));
        const anchorCheck = checks.get('anchor');
        if (anchorCheck && anchorCheck.rows !== anchorCheck.answered) {
          notes.push(`the anchor answered ${anchorCheck.answered} 2xx at ${connections} connections but committed ${anchorCheck.rows} rows`);
        }
        notes.push(
          `per-round req/s at ${connections} connections: ${servers
            .map((s) => `${s.kind} ${s.levels.get(connections)!.rounds.map((r) => Math.round(r.requestsPerSecond)).join(', ')}`)
            .join('; ')}`,
        );
      }
      for (const s of servers) figures[`${s.kind}PeakRssMiB`] = round(peakRss.get(s.kind)! / MiB, 1);

      notes.unshift(`peak RSS MiB: ${servers.map((s) => `${s.label} ${round(peakRss.get(s.kind)! / MiB, 1)}`).join(', ')}`);
      return {
        params: { connections: levels.join(','), durationSeconds, warmupSeconds, rounds: roundCount, distinctBundles: BUNDLE_IDS.length, anchor: anchorLocation.found },
        figures,
        targets,
        table: {
          header: ['conns', 'server', 'req/s', 'p50 ms', 'p99 ms', 'max ms', '2xx', 'failed', 'machine CPU %', 'process CPU ms/req'],
          rows,
        },
        notes,
      };
    } finally {
      for (const child of children) child.kill();
      await env.dispose();
    }
  },
};
