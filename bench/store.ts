// Benchmark 5: how fast snapshots land in Postgres through the repository (the only way
// bundles are written): one transaction per bundle (applyBundleSnapshot, what a webhook
// refetch does) against batches (applyBundleSnapshots, what a backfill page does). One-by-one
// is the anchor. Each mode writes into its own fresh database, first as new bundles
// (created), then as a newer version of each (changed, with history rows).
import { startFakeTokPortal, type ProfileName } from '../fake-tokportal/index.js';
import { applyBundleSnapshot, applyBundleSnapshots } from '../src/db/repository.js';
import type { ApplyResult } from '../src/sync/apply-plan.js';
import type { Observation } from '../src/sync/observation.js';
import type { Database } from '../src/db/connection.js';
import { bundleDetailSchema, type BundleDetail } from '../src/tokportal/schemas.js';
import type { Benchmark } from './lib/benchmark.js';
import { createBenchEnv } from './lib/env.js';
import { target } from './lib/results.js';
import { ratio, round } from './lib/stats.js';

type Phase = 'insert' | 'update';
type Timing = { perSecond: number; seconds: number; outcomes: Record<string, number> };

/** Realistic details (accounts, videos, remakes) from the fake's seeded generator. */
async function sampleDetails(total: number, profile: ProfileName): Promise<BundleDetail[]> {
  const fake = await startFakeTokPortal({ bundles: total, seed: 'bench-store', rateLimitPerMin: 0, profile });
  try {
    return fake.listBundleIds().map((id) => bundleDetailSchema.parse(fake.getBundle(id)));
  } finally {
    await fake.close();
  }
}

/** The same bundle one minute later with a changed title: a real change, so history rows are written. */
function newerVersion(detail: BundleDetail): BundleDetail {
  const updatedAt = new Date(Date.parse(detail.updated_at) + 60_000).toISOString();
  return { ...detail, title: `${detail.title ?? 'untitled'} (v2)`, updated_at: updatedAt };
}

function tally(results: ApplyResult[]): Record<string, number> {
  const outcomes: Record<string, number> = {};
  for (const { outcome } of results) outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
  return outcomes;
}

async function timeSingle(db: Database, observations: Observation[]): Promise<Timing> {
  const results: ApplyResult[] = [];
  const start = performance.now();
  for (const observation of observations) results.push(await applyBundleSnapshot(db, observation, { source: 'backfill' }));
  const seconds = (performance.now() - start) / 1000;
  return { perSecond: observations.length / seconds, seconds, outcomes: tally(results) };
}

async function timeBatched(db: Database, observations: Observation[], batchSize: number): Promise<Timing> {
  const results: ApplyResult[] = [];
  const start = performance.now();
  for (let i = 0; i < observations.length; i += batchSize) {
    results.push(...(await applyBundleSnapshots(db, observations.slice(i, i + batchSize), { source: 'backfill' })));
  }
  const seconds = (performance.now() - start) / 1000;
  return { perSecond: observations.length / seconds, seconds, outcomes: tally(results) };
}

export const storeBenchmark: Benchmark = {
  name: 'store',
  title: 'snapshot upserts per second into Postgres, one by one vs batched',
  async run(context) {
    const { snapshots, batchSize } = context.sizes.store;
    const details = await sampleDetails(snapshots, context.fakeProfile);
    const phases: Record<Phase, Observation[]> = {
      insert: details.map((bundle) => ({ kind: 'detail', bundle })),
      update: details.map((bundle) => ({ kind: 'detail', bundle: newerVersion(bundle) })),
    };
    const timings: Record<'single' | 'batched', Record<Phase, Timing>> = {} as never;
    for (const mode of ['single', 'batched'] as const) {
      context.log(`${mode}: ${snapshots} snapshots${mode === 'batched' ? ` in batches of ${batchSize}` : ''}`);
      const env = await createBenchEnv(`store${mode}`);
      try {
        const db = env.database.db;
        const run = (observations: Observation[]) =>
          mode === 'single' ? timeSingle(db, observations) : timeBatched(db, observations, batchSize);
        timings[mode] = { insert: await run(phases.insert), update: await run(phases.update) };
      } finally {
        await env.dispose();
      }
    }
    const { single, batched } = timings;
    const insertRatio = round(ratio(batched.insert.perSecond, single.insert.perSecond), 2);
    const updateRatio = round(ratio(batched.update.perSecond, single.update.perSecond), 2);
    const expected = (timing: Timing, outcome: string) => timing.outcomes[outcome] ?? 0;
    const wrongOutcomes =
      snapshots * 4 -
      expected(single.insert, 'created') -
      expected(batched.insert, 'created') -
      expected(single.update, 'changed') -
      expected(batched.update, 'changed');
    const line = (mode: string, phase: Phase, timing: Timing, anchor: Timing) => [
      mode,
      phase,
      snapshots,
      round(timing.seconds, 2),
      round(timing.perSecond, 0),
      round(ratio(timing.perSecond, anchor.perSecond), 2),
      Object.entries(timing.outcomes).map(([k, v]) => `${k} ${v}`).join(', '),
    ];
    return {
      params: { snapshots, batchSize },
      figures: {
        singleInsertPerSecond: round(single.insert.perSecond, 0),
        batchedInsertPerSecond: round(batched.insert.perSecond, 0),
        batchedOverSingleInsert: insertRatio,
        singleUpdatePerSecond: round(single.update.perSecond, 0),
        batchedUpdatePerSecond: round(batched.update.perSecond, 0),
        batchedOverSingleUpdate: updateRatio,
        unexpectedOutcomes: wrongOutcomes,
      },
      targets: [target('snapshots not created/changed as expected', wrongOutcomes, '<=', 0)],
      table: {
        header: ['mode', 'phase', 'snapshots', 'seconds', 'upserts/s', 'x one-by-one', 'outcomes'],
        rows: [
          line('one by one (anchor)', 'insert', single.insert, single.insert),
          line(`batched (${batchSize})`, 'insert', batched.insert, single.insert),
          line('one by one (anchor)', 'update', single.update, single.update),
          line(`batched (${batchSize})`, 'update', batched.update, single.update),
        ],
      },
    };
  },
};
