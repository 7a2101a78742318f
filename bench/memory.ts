// Benchmark 6: peak resident memory of the receiver and of a worker, measured as users run them:
// `tokportal-sync <command>` from a clone (the bin script) and from the production image's
// compiled dist/ (the Dockerfile's ENTRYPOINT; `npm run build` first when dist/ is missing or
// older than the source). Peak RSS is the kernel's high-water mark (VmHWM) of each process.
// - receiver: under signed webhooks from 50 connections;
// - worker: `tokportal-sync backfill` (which runs the sync worker in its own process) doing a
//   cold backfill of the seeded bundles against the fake TokPortal, at the default concurrency.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { count } from 'drizzle-orm';
import { startFakeTokPortal } from '../fake-tokportal/index.js';
import { bundles } from '../src/db/schema.js';
import { PACKAGE_ROOT } from '../src/lib/package-root.js';
import type { Benchmark } from './lib/benchmark.js';
import type { BenchContext } from './lib/context.js';
import { cliEnv, distStaleness, freePort, startCliProcess, type Flavour } from './lib/cli-process.js';
import { createBenchEnv } from './lib/env.js';
import { BENCH_WEBHOOK_SECRET, eventIdFactory } from './lib/events.js';
import { driveSignedWebhooks } from './lib/load.js';
import { target, type Figures, type Target } from './lib/results.js';
import { round } from './lib/stats.js';
import type { Cell } from './lib/table.js';

const MiB = 2 ** 20;
// Issue 14's targets.
const MAX_RECEIVER_MIB = 120;
const MAX_WORKER_MIB = 150;
const BUNDLE_IDS = Array.from({ length: 1_000 }, (_, i) => `bnd_mem_${i}`);

type Measure = { flavour: Flavour; process: string; during: string; peakRssBytes: number; cpuSeconds: number; detail: string };

async function measureReceiver(flavour: Flavour, seconds: number): Promise<Measure> {
  const env = await createBenchEnv(`mem${flavour}recv`);
  try {
    const port = await freePort();
    const child = await startCliProcess({
      flavour,
      args: ['receiver'],
      env: cliEnv({ ...env, port, secret: BENCH_WEBHOOK_SECRET }),
      ready: { healthzPort: port },
    });
    try {
      const load = await driveSignedWebhooks({
        origin: `http://127.0.0.1:${port}`,
        connections: 50,
        length: { seconds },
        bundleIds: BUNDLE_IDS,
        nextEventId: eventIdFactory(),
        secret: BENCH_WEBHOOK_SECRET,
      });
      const cpuSeconds = child.cpuSeconds() ?? 0;
      const { maxRssBytes } = await child.stop();
      return {
        flavour,
        process: 'receiver',
        during: `${seconds}s of webhooks, 50 connections`,
        peakRssBytes: maxRssBytes,
        cpuSeconds,
        detail: `${load.ok2xx} answered 2xx, ${Math.round(load.ok2xx / load.durationSeconds)} req/s`,
      };
    } finally {
      child.kill();
    }
  } finally {
    await env.dispose();
  }
}

async function measureBackfill(flavour: Flavour, seeded: number, ratePerMin: number): Promise<Measure> {
  const env = await createBenchEnv(`mem${flavour}bf`);
  const fake = await startFakeTokPortal({ bundles: seeded, seed: 'bench-memory', rateLimitPerMin: ratePerMin });
  try {
    const child = await startCliProcess({
      flavour,
      args: ['backfill'],
      env: cliEnv({ ...env, baseUrl: fake.baseUrl, apiKey: fake.apiKey, rateLimitPerMin: ratePerMin }),
      ready: 'at-once',
    });
    const budgetMs = ((2 * seeded) / ratePerMin) * 60_000 + 180_000;
    const timer = setTimeout(() => child.kill(), budgetMs);
    const code = await child.exited;
    clearTimeout(timer);
    const cpuSeconds = child.cpuSeconds() ?? 0;
    const { maxRssBytes } = await child.stop();
    const [row] = await env.database.db.select({ n: count() }).from(bundles);
    if (code !== 0) throw new Error(`${flavour} backfill exited with code ${code}`);
    return {
      flavour,
      process: 'worker (backfill command)',
      during: `cold backfill of ${seeded} bundles at ${ratePerMin}/min`,
      peakRssBytes: maxRssBytes,
      cpuSeconds,
      detail: `${row?.n ?? 0} bundles mirrored, ${fake.stats().requestsTotal} API calls`,
    };
  } finally {
    await fake.close();
    await env.dispose();
  }
}

/** dist/ as the image builds it: `npm run build` when it is missing or older than the source. */
async function ensureDist(context: BenchContext): Promise<void> {
  const stale = distStaleness();
  if (!stale) return;
  context.log(`${stale}: npm run build`);
  await promisify(execFile)('npm', ['run', 'build'], { cwd: PACKAGE_ROOT, maxBuffer: 16 * MiB });
}

export const memoryBenchmark: Benchmark = {
  name: 'memory',
  title: 'peak RSS of the receiver and a worker, run from a clone and from dist/',
  async run(context) {
    const { receiverSeconds, bundles: seeded, ratePerMin } = context.sizes.memory;
    // A smoke run measures the clone only: building dist/ takes longer than the whole smoke run.
    const flavours: Flavour[] = context.smoke ? ['clone'] : ['clone', 'dist'];
    if (flavours.includes('dist')) await ensureDist(context);
    const measures: Measure[] = [];
    for (const flavour of flavours) {
      context.log(`${flavour}: receiver under load, then a cold backfill of ${seeded} bundles`);
      measures.push(await measureReceiver(flavour, receiverSeconds));
      measures.push(await measureBackfill(flavour, seeded, ratePerMin));
    }
    const figures: Figures = {};
    const targets: Target[] = [];
    for (const m of measures) {
      const kind = m.process === 'receiver' ? 'receiver' : 'worker';
      const mib = round(m.peakRssBytes / MiB, 1);
      figures[`${m.flavour}.${kind}PeakRssMiB`] = mib;
      figures[`${m.flavour}.${kind}CpuSeconds`] = round(m.cpuSeconds, 2);
      targets.push(target(`${kind} peak RSS MiB (${m.flavour})`, mib, '<=', kind === 'receiver' ? MAX_RECEIVER_MIB : MAX_WORKER_MIB));
    }
    return {
      params: { receiverSeconds, bundles: seeded, ratePerMin, flavours: flavours.join(',') },
      figures,
      targets,
      notes: context.smoke ? ['smoke run: dist/ not measured'] : [],
      table: {
        header: ['run from', 'process', 'during', 'peak RSS MiB', 'CPU s', 'what it did'],
        rows: measures.map((m): Cell[] => [m.flavour, m.process, m.during, round(m.peakRssBytes / MiB, 1), round(m.cpuSeconds, 2), m.detail]),
      },
    };
  },
};
