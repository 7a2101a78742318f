// The settings every benchmark reads, from the command line: which benchmarks, how big,
// where results go. Defaults give a run of a few minutes on 2 cores; --smoke shrinks
// everything to seconds so CI can prove the benchmarks still work.
import { isProfileName, type ProfileName } from '../../fake-tokportal/index.js';
import { parseArgs } from 'node:util';
import { DEFAULT_RESULTS_DIR, type BenchOutcome } from './results.js';

export const BENCHMARK_NAMES = ['receiver', 'coalescing', 'backfill', 'freshness', 'store', 'memory', 'scale'] as const;
export type BenchmarkName = (typeof BENCHMARK_NAMES)[number];

export type PerBenchSizes = {
  receiver: { durationSeconds: number; warmupSeconds: number; connections: number[] };
  coalescing: { events: number; bundles: number; ratePerMin: number };
  backfill: { bundles: number; ratePerMin: number; concurrency: number };
  freshness: { durationSeconds: number; eventsPerSecond: number; bundles: number; ratePerMin: number };
  store: { snapshots: number; batchSize: number };
  memory: { receiverSeconds: number; bundles: number; ratePerMin: number };
  scale: { bundles: number; ratePerMin: number; eventsPerSecond: number };
};

const FULL: PerBenchSizes = {
  // Issue 14 sets its targets at 10 connections (latency) and 50 (throughput against the anchors).
  receiver: { durationSeconds: 20, warmupSeconds: 3, connections: [10, 50] },
  // TokPortal's real limit: how fast the worker drains decides how much a burst can coalesce.
  coalescing: { events: 2_000, bundles: 100, ratePerMin: 120 },
  // The rate is 50x TokPortal's, so the worker gets more jobs in flight to keep up with it.
  backfill: { bundles: 5_000, ratePerMin: 6_000, concurrency: 16 },
  freshness: { durationSeconds: 30, eventsPerSecond: 5, bundles: 200, ratePerMin: 1_200 },
  store: { snapshots: 1_000, batchSize: 100 },
  // Issue 14: a cold backfill of 5,000 bundles, at the backfill benchmark's scaled-up rate.
  memory: { receiverSeconds: 10, bundles: 5_000, ratePerMin: 6_000 },
  // A rate three workers can exceed on 2 cores, so the limit binds.
  // About 5% of the bundles change during the backfill: each needs a second fetch when it
  // changes after its first, so calls per touched bundle stay near 1.05 when nothing is wasted.
  scale: { bundles: 600, ratePerMin: 600, eventsPerSecond: 0.5 },
};

const SMOKE: PerBenchSizes = {
  receiver: { durationSeconds: 1.5, warmupSeconds: 0.3, connections: [4] },
  coalescing: { events: 60, bundles: 10, ratePerMin: 6_000 },
  backfill: { bundles: 120, ratePerMin: 6_000, concurrency: 16 },
  freshness: { durationSeconds: 2, eventsPerSecond: 5, bundles: 20, ratePerMin: 6_000 },
  store: { snapshots: 60, batchSize: 30 },
  memory: { receiverSeconds: 1, bundles: 120, ratePerMin: 6_000 },
  scale: { bundles: 60, ratePerMin: 600, eventsPerSecond: 0.5 },
};

export type BenchContext = {
  smoke: boolean;
  /** The fake TokPortal's profile for every benchmark (default kind; strict: the least convenient documented API). */
  fakeProfile: ProfileName;
  sizes: PerBenchSizes;
  resultsDir: string;
  /** The outcomes of benchmarks already run in this invocation. */
  outcomes: Map<BenchmarkName, BenchOutcome>;
  log(message: string): void;
};

export const USAGE = `usage: npm run bench -- [${BENCHMARK_NAMES.join('|')} ...] [options]
  --smoke              tiny sizes (seconds), for CI
  --duration <s>       receiver: seconds of load per server; freshness: seconds of steady events
  --connections <n,..> receiver: concurrent connections, one level or a comma-separated list (default 10,50)
  --events <n>         coalescing: events in the burst; freshness: events per second; store: snapshots
  --bundles <n>        coalescing/freshness: bundles hit; backfill/memory/scale: bundles seeded
  --rate <n>           requests per minute the fake allows (backfill, coalescing, freshness, scale)
  --out <dir>          where JSON results go (default bench/results)
  --profile <name>     the fake TokPortal's profile: kind (default) or strict
environment: BENCH_VERBOSE=1 shows the children's output; BENCH_CPU_PROF=<dir> writes a CPU profile per child;
  BENCH_ANCHORS_DIR=<dir> where minimal-durable-receiver.mjs lives (default: the shared anchors folder beside the project);
  BENCH_NODE_OPTIONS='<flags>' Node flags for the application processes started as users run them (to try a setting)`;

export type Invocation = { names: BenchmarkName[]; context: BenchContext };

function positive(name: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`--${name} expects a positive number, got "${text}"`);
  return value;
}

export function parseInvocation(argv: string[]): Invocation {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      smoke: { type: 'boolean', default: false },
      duration: { type: 'string' },
      connections: { type: 'string' },
      events: { type: 'string' },
      bundles: { type: 'string' },
      rate: { type: 'string' },
      out: { type: 'string' },
      profile: { type: 'string', default: 'kind' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) throw new UsageRequested();
  const fakeProfile = values.profile ?? 'kind';
  if (!isProfileName(fakeProfile)) throw new Error(`--profile expects kind or strict, got "${fakeProfile}"\n${USAGE}`);
  for (const name of positionals) {
    if (!(BENCHMARK_NAMES as readonly string[]).includes(name)) throw new Error(`unknown benchmark "${name}"\n${USAGE}`);
  }
  const names = positionals.length > 0 ? (positionals as BenchmarkName[]) : [...BENCHMARK_NAMES];
  const base = structuredClone(values.smoke ? SMOKE : FULL);

  const duration = positive('duration', values.duration);
  const connections = values.connections?.split(',').map((level) => Math.round(positive('connections', level.trim())!));
  const events = positive('events', values.events);
  const bundles = positive('bundles', values.bundles);
  const rate = positive('rate', values.rate);
  if (duration !== undefined) {
    base.receiver.durationSeconds = duration;
    base.freshness.durationSeconds = duration;
  }
  if (connections !== undefined) base.receiver.connections = connections;
  if (events !== undefined) {
    base.coalescing.events = Math.round(events);
    base.freshness.eventsPerSecond = events;
    base.store.snapshots = Math.round(events);
  }
  if (bundles !== undefined) {
    base.coalescing.bundles = Math.round(bundles);
    base.freshness.bundles = Math.round(bundles);
    base.backfill.bundles = Math.round(bundles);
    base.memory.bundles = Math.round(bundles);
    base.scale.bundles = Math.round(bundles);
  }
  if (rate !== undefined) {
    base.coalescing.ratePerMin = rate;
    base.freshness.ratePerMin = rate;
    base.backfill.ratePerMin = rate;
    base.scale.ratePerMin = rate;
  }

  return {
    names,
    context: {
      smoke: values.smoke ?? false,
      fakeProfile,
      sizes: base,
      resultsDir: values.out ?? DEFAULT_RESULTS_DIR,
      outcomes: new Map(),
      log: (message) => process.stdout.write(`  ${message}\n`),
    },
  };
}

export class UsageRequested extends Error {
  constructor() {
    super(USAGE);
  }
}
