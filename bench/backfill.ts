// Benchmark 3: backfill under the rate limit. The fake is seeded with N bundles and allows
// a scaled-up rate (6,000/min instead of TokPortal's 120, so the run takes a minute, not
// hours). Cold: an empty mirror, every bundle listed and fetched. Warm: the same backfill
// again, where only what the list shows as possibly changed is fetched. The anchor is the
// allowed rate itself: a backfill cannot go faster and should not go much slower.
//
// When this machine cannot keep up with the scaled rate (the cold pass is CPU-bound, so the
// limit does not bind), a third, shorter cold pass runs at half the rate the machine reached:
// there the limit binds, and achieved/allowed measures the worker's pacing, which is what
// the ≥ 0.95 target is about.
import type { ProfileName } from '../fake-tokportal/index.js';
import { count } from 'drizzle-orm';
import { bundles } from '../src/db/schema.js';
import type { Benchmark } from './lib/benchmark.js';
import type { BenchContext } from './lib/context.js';
import { startCpuMeter } from './lib/cpu.js';
import { startChild } from './lib/processes.js';
import { target } from './lib/results.js';
import { startStage, type SyncStage } from './lib/stage.js';
import { ratio, round } from './lib/stats.js';

const MiB = 2 ** 20;
const BINDING_THRESHOLD = 0.95;

type PassLabel = 'cold' | 'warm' | 'paced cold';

type Pass = {
  label: PassLabel;
  outcome: string;
  bundles: number;
  allowedPerMin: number;
  calls: number;
  rateLimited429: number;
  /** The command's own duration: start (or resume) to the last detail stored. */
  durationSeconds: number;
  /** First to last API call, as the fake saw them: the window the rate limit applies to. */
  callWindowSeconds: number;
  achievedPerMin: number | null;
  achievedOverAllowed: number | null;
  mirrored: number;
  peakRssBytes: number;
  /** Share of all cores busy during the pass (worker, fake, Postgres, Redis and any neighbour). */
  machineCpuBusy: number | null;
};

type BackfillInfo = { outcome: string; durationMs: number };

/** Follows the fake's request counter to find when calls started and stopped. */
function watchCalls(stage: SyncStage): { stop(): { first: number | null; last: number | null; calls: number } } {
  let first: number | null = null;
  let last: number | null = null;
  let seen = 0;
  const sample = () => {
    const total = stage.fake.stats().requestsTotal;
    if (total === seen) return;
    const now = performance.now();
    if (first === null) first = now;
    last = now;
    seen = total;
  };
  const timer = setInterval(sample, 20);
  return {
    stop() {
      clearInterval(timer);
      sample();
      return { first, last, calls: seen };
    },
  };
}

async function runPass(
  context: BenchContext,
  stage: SyncStage,
  label: PassLabel,
  seeded: number,
  allowedPerMin: number,
  concurrency: number,
): Promise<Pass> {
  context.log(`${label} backfill of ${seeded} bundles at ${allowedPerMin}/min, worker concurrency ${concurrency}`);
  stage.fake.resetStats();
  // The budget: every bundle fetched twice at the allowed rate, plus start-up slack.
  const budgetMs = ((2 * seeded) / allowedPerMin) * 60_000 + 120_000;
  const watch = watchCalls(stage);
  const cpu = startCpuMeter();
  let info: BackfillInfo;
  let peakRssBytes: number;
  let window: ReturnType<ReturnType<typeof watchCalls>['stop']>;
  try {
    const child = await startChild(
      'backfill-worker',
      {
        databaseUrl: stage.env.databaseUrl,
        redisUrl: stage.env.redisUrl,
        queuePrefix: stage.env.queuePrefix,
        baseUrl: stage.fake.baseUrl,
        apiKey: stage.fake.apiKey,
        rateLimitPerMin: allowedPerMin,
        concurrency,
      },
      { readyTimeoutMs: budgetMs },
    );
    info = child.readyInfo as BackfillInfo;
    peakRssBytes = (await child.stop()).maxRssBytes;
  } finally {
    window = watch.stop();
  }
  const machineCpuBusy = cpu();
  const stats = stage.fake.stats();
  const [row] = await stage.env.database.db.select({ n: count() }).from(bundles);
  // n calls span n-1 intervals of the limiter; a one-call run has no rate.
  const windowSeconds = window.first !== null && window.last !== null ? (window.last - window.first) / 1000 : 0;
  const achievedPerMin = windowSeconds > 0 && stats.requestsTotal > 1 ? ((stats.requestsTotal - 1) / windowSeconds) * 60 : null;
  return {
    label,
    outcome: info.outcome,
    bundles: seeded,
    allowedPerMin,
    calls: stats.requestsTotal,
    rateLimited429: stats.rateLimited,
    durationSeconds: info.durationMs / 1000,
    callWindowSeconds: windowSeconds,
    achievedPerMin,
    achievedOverAllowed: ratio(achievedPerMin, allowedPerMin),
    mirrored: row?.n ?? 0,
    peakRssBytes,
    machineCpuBusy,
  };
}

async function withStage<T>(
  label: string,
  seeded: number,
  ratePerMin: number,
  profile: ProfileName,
  body: (stage: SyncStage) => Promise<T>,
): Promise<T> {
  const stage = await startStage({ label, bundles: seeded, ratePerMin, receiver: false, worker: false, fake: { profile } });
  try {
    return await body(stage);
  } finally {
    await stage.close();
  }
}

export const backfillBenchmark: Benchmark = {
  name: 'backfill',
  title: 'cold and warm backfill against the rate limit',
  async run(context) {
    const { bundles: seeded, ratePerMin, concurrency } = context.sizes.backfill;
    const passes = await withStage('backfill', seeded, ratePerMin, context.fakeProfile, async (stage) => [
      await runPass(context, stage, 'cold', seeded, ratePerMin, concurrency),
      await runPass(context, stage, 'warm', seeded, ratePerMin, concurrency),
    ]);
    const [cold, warm] = passes as [Pass, Pass];

    const limitBound = (cold.achievedOverAllowed ?? 0) >= BINDING_THRESHOLD;
    let paced: Pass | undefined;
    if (!limitBound && cold.achievedPerMin !== null) {
      const pacedRate = Math.max(120, Math.floor((cold.achievedPerMin * 0.5) / 60) * 60);
      // About half a minute of calls at that rate (a few seconds in smoke runs).
      const pacedBundles = Math.min(seeded, Math.max(50, Math.round(pacedRate * (context.smoke ? 0.05 : 0.5))));
      paced = await withStage('backfillpaced', pacedBundles, pacedRate, context.fakeProfile, (stage) =>
        runPass(context, stage, 'paced cold', pacedBundles, pacedRate, concurrency),
      );
      passes.push(paced);
    }
    const binding = limitBound ? cold : paced;
    const total429 = passes.reduce((sum, p) => sum + p.rateLimited429, 0);

    return {
      params: { bundles: seeded, ratePerMin, concurrency },
      figures: {
        coldCalls: cold.calls,
        coldSeconds: round(cold.durationSeconds, 2),
        coldAchievedPerMin: round(cold.achievedPerMin, 0),
        coldAchievedOverAllowed: round(cold.achievedOverAllowed),
        coldLimitBound: limitBound ? 1 : 0,
        coldMachineCpuBusyPct: cold.machineCpuBusy === null ? null : round(cold.machineCpuBusy * 100, 0),
        cold429s: cold.rateLimited429,
        coldBundlesMirrored: cold.mirrored,
        warmCalls: warm.calls,
        warmSeconds: round(warm.durationSeconds, 2),
        warmAchievedOverAllowed: round(warm.achievedOverAllowed),
        warm429s: warm.rateLimited429,
        warmCallsSavedPct: round((1 - warm.calls / cold.calls) * 100, 1),
        pacedAllowedPerMin: paced?.allowedPerMin ?? null,
        pacedCalls: paced?.calls ?? null,
        pacedAchievedOverAllowed: round(paced?.achievedOverAllowed ?? null),
        bindingAchievedOverAllowed: round(binding?.achievedOverAllowed ?? null),
        total429s: total429,
        workerPeakRssMiB: round(Math.max(...passes.map((p) => p.peakRssBytes)) / MiB, 1),
      },
      targets: [
        target(`achieved / allowed where the limit binds (${binding?.label ?? 'none'})`, round(binding?.achievedOverAllowed ?? null), '>=', BINDING_THRESHOLD),
        target('429s caused by us (all passes)', total429, '<=', 0),
        target('bundles missing from the mirror after cold', seeded - cold.mirrored, '<=', 0),
      ],
      table: {
        header: ['pass', 'outcome', 'bundles', 'allowed/min', 'API calls', 'seconds', 'calls/min', 'achieved/allowed', '429s', 'mirrored', 'CPU busy %', 'peak RSS MiB'],
        rows: passes.map((p) => [
          p.label,
          p.outcome,
          p.bundles,
          p.allowedPerMin,
          p.calls,
          round(p.durationSeconds, 2),
          round(p.achievedPerMin, 0),
          round(p.achievedOverAllowed),
          p.rateLimited429,
          p.mirrored,
          p.machineCpuBusy === null ? null : round(p.machineCpuBusy * 100, 0),
          round(p.peakRssBytes / MiB, 1),
        ]),
      },
      notes: limitBound
        ? []
        : [
            `cold pass reached ${round(cold.achievedPerMin, 0)}/min of ${ratePerMin}/min allowed with the machine ${cold.machineCpuBusy === null ? '?' : Math.round(cold.machineCpuBusy * 100)}% busy; the paced pass at ${paced?.allowedPerMin}/min (half what the cold pass reached) is where the limit surely binds, so it judges the worker's pacing`,
          ],
    };
  },
};
