// Benchmark 7: scale-out. Two receivers behind a round-robin load balancer and three worker
// processes (two `tokportal-sync worker`, plus the `tokportal-sync backfill` running the cold
// backfill, itself a worker), every one started as users start them, share one Postgres and
// one Redis, against the fake TokPortal at a rate limit the workers can exceed. While the cold
// backfill runs, bundles change on the fake, which sends signed webhooks through the balancer.
// Judged: no 429 of our making, the limit used (achieved/allowed), API calls per touched
// bundle, and the mirror equal to the fake at the end (fields, videos, handles). Each process's
// CPU and peak RSS are reported.
import { count } from 'drizzle-orm';
import { startFakeTokPortal } from '../fake-tokportal/index.js';
import { webhookEvents } from '../src/db/schema.js';
import { compareMirror, readMirror, unknowableHandles, type BundleTruth } from '../src/demo/verify.js';
import { startBalancer } from './lib/balancer.js';
import type { Benchmark } from './lib/benchmark.js';
import { cliEnv, freePort, startCliProcess, type CliProcess } from './lib/cli-process.js';
import { startCpuMeter } from './lib/cpu.js';
import { createBenchEnv } from './lib/env.js';
import { BENCH_WEBHOOK_SECRET } from './lib/events.js';
import { countUnprocessedEvents } from './lib/inbox.js';
import { target } from './lib/results.js';
import { callsTo } from './lib/stage.js';
import { ratio, round, sleep, waitFor } from './lib/stats.js';

const MiB = 2 ** 20;
const RECEIVERS = 2;
const WORKERS = 2; // plus the backfill process

type Role = { label: string; process: CliProcess };

export const scaleBenchmark: Benchmark = {
  name: 'scale',
  title: '2 receivers + 3 worker processes: cold backfill and live webhooks at a binding rate limit',
  async run(context) {
    const { bundles: seeded, ratePerMin, eventsPerSecond } = context.sizes.scale;
    const env = await createBenchEnv('scale');
    const fake = await startFakeTokPortal({ bundles: seeded, seed: 'bench-scale', rateLimitPerMin: ratePerMin });
    const roles: Role[] = [];
    const closers: (() => Promise<void>)[] = [];
    try {
      const common = { ...env, baseUrl: fake.baseUrl, apiKey: fake.apiKey, rateLimitPerMin: ratePerMin, secret: BENCH_WEBHOOK_SECRET };
      // Receivers and workers come up first (start-up is not measured), then the backfill starts.
      const ports = await Promise.all(Array.from({ length: RECEIVERS }, () => freePort()));
      const started = await Promise.all([
        ...ports.map((port, i) =>
          startCliProcess({ flavour: 'clone', args: ['receiver'], env: cliEnv({ ...common, port }), ready: { healthzPort: port }, label: `receiver ${i + 1}` }),
        ),
        ...Array.from({ length: WORKERS }, (_, i) =>
          startCliProcess({
            flavour: 'clone',
            args: ['worker', '--no-reconcile'],
            env: cliEnv(common),
            ready: { logMessage: 'sync worker started' },
            label: `worker ${i + 1}`,
          }),
        ),
      ]);
      started.forEach((process) => roles.push({ label: process.name, process }));
      const balancer = await startBalancer(ports.map((port) => `http://127.0.0.1:${port}`));
      closers.push(() => balancer.close());
      fake.addWebhookEndpoint({ url: `${balancer.url}/webhooks/tokportal`, secret: BENCH_WEBHOOK_SECRET });

      context.log(`${seeded} bundles, ${ratePerMin}/min allowed, ${eventsPerSecond} bundle changes/s during the backfill`);
      fake.resetStats();
      const cpu = startCpuMeter();
      // First and last API call as the fake sees them: the window the rate limit applies to.
      const calls = { first: null as number | null, last: null as number | null, seen: 0 };
      const callWatch = setInterval(() => {
        const total = fake.stats().requestsTotal;
        if (total === calls.seen) return;
        calls.first ??= performance.now();
        calls.last = performance.now();
        calls.seen = total;
      }, 10);
      const backfill = await startCliProcess({ flavour: 'clone', args: ['backfill'], env: cliEnv(common), ready: 'at-once', label: 'backfill (worker 3)' });
      roles.push({ label: 'backfill (worker 3)', process: backfill });

      // Bundles change while the backfill runs: some before their first fetch, some after.
      const ids = fake.listBundleIds();
      const changed = new Set<string>();
      let backfillDone = false;
      const changes = (async () => {
        for (let i = 0; !backfillDone; i++) {
          const id = ids[(i * 7919) % ids.length]!;
          try {
            await fake.advance(id);
            changed.add(id);
          } catch {
            continue; // at the end of its lifecycle (completed): another bundle changes instead
          }
          await sleep(1000 / eventsPerSecond);
        }
      })();
      const code = await backfill.exited;
      backfillDone = true;
      clearInterval(callWatch);
      await changes;
      if (code !== 0) throw new Error(`backfill exited with code ${code}`);

      // The webhooks of the last changes are delivered and applied.
      await fake.flushWebhooks();
      const settled = await waitFor(async () => (await countUnprocessedEvents(env.database.db)) === 0, 120_000, 200);
      const machineBusy = cpu();
      const stats = fake.stats();
      // n calls span n-1 intervals of the limiter, from the first call to the last one of the backfill.
      const windowSeconds = calls.first === null || calls.last === null ? 0 : (calls.last - calls.first) / 1000;
      const achievedPerMin = windowSeconds > 0 && calls.seen > 1 ? ((calls.seen - 1) / windowSeconds) * 60 : null;
      const detailCalls = callsTo(fake, 'GET /bundles/:id');
      const listCalls = callsTo(fake, 'GET /bundles');
      const touched = ids.length;
      const [inbox] = await env.database.db.select({ n: count() }).from(webhookEvents);

      // Changes here never remake an account, so which handles the mirror could see is decided by the seed (as in the demo).
      const truth = new Map<string, BundleTruth>();
      for (const id of ids) {
        const handles = fake.handles(id);
        const unknowable = unknowableHandles(handles, fake.service.store.get(id)?.remadeCount ?? 0);
        truth.set(id, { detail: fake.getBundle(id) as Record<string, unknown>, handles, unknowable });
      }
      const verification = compareMirror(truth, await readMirror(env.database.db));

      const perProcess = [];
      for (const role of roles) {
        const cpuSeconds = role.process.cpuSeconds() ?? 0;
        const { maxRssBytes } = await role.process.stop();
        perProcess.push({ label: role.label, cpuSeconds, peakRssMiB: round(maxRssBytes / MiB, 1) });
      }
      roles.length = 0;

      const achievedOverAllowed = round(ratio(achievedPerMin, ratePerMin));
      const callsPerBundle = round(ratio(detailCalls + listCalls, touched));
      return {
        params: { bundles: seeded, ratePerMin, eventsPerSecond, receivers: RECEIVERS, workerProcesses: WORKERS + 1 },
        figures: {
          apiCalls: stats.requestsTotal,
          detailCalls,
          listCalls,
          touchedBundles: touched,
          changedBundles: changed.size,
          callsPerTouchedBundle: callsPerBundle,
          achievedPerMin: round(achievedPerMin, 0),
          achievedOverAllowed,
          rateLimited429: stats.rateLimited,
          webhooksSent: stats.webhooksSent,
          webhooksFailed: stats.webhooksFailed,
          inboxEvents: inbox?.n ?? 0,
          mismatches: verification.mismatches.length,
          bundlesEqual: verification.bundlesEqual,
          backfillSeconds: round(windowSeconds, 1),
          machineCpuBusyPct: machineBusy === null ? null : round(machineBusy * 100, 0),
          ...Object.fromEntries(perProcess.flatMap((p) => [[`${p.label}.cpuSeconds`, round(p.cpuSeconds, 2)], [`${p.label}.peakRssMiB`, p.peakRssMiB]])),
        },
        targets: [
          target('429s of our making', stats.rateLimited, '<=', 0),
          target('achieved / allowed during the backfill', achievedOverAllowed, '>=', 0.95),
          target('API calls per touched bundle', callsPerBundle, '<=', 1.1),
          target('mirror mismatches against the fake', verification.mismatches.length + (settled ? 0 : 1), '<=', 0),
        ],
        table: {
          header: ['process', 'CPU s', 'peak RSS MiB'],
          rows: perProcess.map((p) => [p.label, round(p.cpuSeconds, 2), p.peakRssMiB]),
        },
        notes: [
          `API: ${stats.requestsTotal} calls (${listCalls} list, ${detailCalls} detail) for ${touched} bundles, ${changed.size} of them changed during the backfill; ${stats.rateLimited} × 429`,
          `rate: ${round(achievedPerMin, 0)}/min achieved of ${ratePerMin}/min allowed over the ${round(windowSeconds, 1)} s backfill (machine ${machineBusy === null ? '?' : Math.round(machineBusy * 100)}% busy)`,
          `webhooks: ${stats.webhooksSent} delivered through the balancer (${balancer.forwarded.join(' / ')} per receiver), ${stats.webhooksFailed} failed; ${inbox?.n ?? 0} inbox events`,
          `mirror: ${verification.bundlesEqual}/${verification.bundles} bundles equal to the fake${settled ? '' : '; the inbox did NOT settle within 120 s'}`,
          ...verification.mismatches.slice(0, 3).map((m) => `mismatch ${m.bundleId} ${m.what}: expected ${JSON.stringify(m.expected)}, got ${JSON.stringify(m.actual)}`),
        ],
      };
    } finally {
      for (const role of roles) role.process.kill();
      for (const close of closers) await close().catch(() => {});
      await fake.close();
      await env.dispose();
    }
  },
};
