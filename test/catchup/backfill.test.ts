// Backfill against the fake seeded with a few thousand bundles: cold, warm, and with changes
// in between, each checked against the fake's own state and its count of API calls.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getRun } from '../../src/db/sync-runs.js';
import { runBackfill } from '../../src/worker/backfill.js';
import { mirrorDifferences, mirroredHandles, startCatchupHarness, type CatchupHarness } from './harness.js';

// Big enough for several pages and a visible N/100; small enough that the cold run's one
// detail call per bundle stays within seconds on a busy 2-core machine.
const BUNDLES = 1_000;
const PAGES = BUNDLES / 100;
// A run walks two passes when nothing moves: the second proves the first (src/sync/page-walk.ts).
const LIST_CALLS = 2 * PAGES;

let harness: CatchupHarness;
const figures: Record<string, { listCalls: number; detailCalls: number; seconds: number }> = {};

beforeAll(async () => {
  harness = await startCatchupHarness({ label: 'backfill', fake: { bundles: BUNDLES, seed: 'backfill' } });
});

afterAll(async () => {
  // The closing note asks for these figures; they land in the test log.
  if (Object.keys(figures).length > 0) console.info('backfill figures', JSON.stringify(figures));
  await harness?.close();
});

async function backfill(label: string, request: Parameters<typeof runBackfill>[1] = { filters: {}, details: 'auto' }) {
  harness.fake.resetStats();
  const result = await runBackfill(harness.backfillDeps(), request, { pollMs: 50 });
  const calls = harness.calls();
  figures[label] = { listCalls: calls.list, detailCalls: calls.detail, seconds: Math.round(result.durationMs / 100) / 10 };
  return { result, calls };
}

describe('backfill', { timeout: 120_000 }, () => {
  it('mirrors a cold workspace bundle for bundle: one list call per 100 bundles, one detail call per bundle', async () => {
    const { result, calls } = await backfill('cold');
    expect(result.outcome).toBe('completed');
    expect(result.start.resumed).toBe(false);
    expect(calls).toEqual({ list: LIST_CALLS, detail: BUNDLES });
    expect(result.progress.run.stats).toMatchObject({
      pages: LIST_CALLS,
      passes: 2,
      duplicatesListed: 0,
      vanished: 0,
      unproven: 0,
      listed: 2 * BUNDLES,
      created: BUNDLES,
      detailsEnqueued: BUNDLES,
      apiCalls: LIST_CALLS,
      errors: 0,
    });
    expect(result.progress.pendingDetails).toBe(0);
    expect(result.sessionApiCalls).toBe(LIST_CALLS + BUNDLES);
    expect(await mirrorDifferences(harness)).toEqual([]);
    expect((await getRun(harness.db, result.start.run.id))?.status).toBe('completed');
  });

  it('re-lists an unchanged workspace with N/100 calls and no detail call', async () => {
    const { result, calls } = await backfill('warm');
    expect(result.outcome).toBe('completed');
    expect(calls).toEqual({ list: LIST_CALLS, detail: 0 });
    expect(result.progress.run.stats).toMatchObject({ listed: 2 * BUNDLES, unchanged: 2 * BUNDLES, changed: 0, created: 0, detailsEnqueued: 0 });
  });

  it('picks up changes made between two backfills with one detail call per changed bundle', async () => {
    const { fake } = harness;
    const ids = fake.listBundleIds();
    const changed = new Set<string>();
    // Lifecycle steps (status, account_status, videos) on bundles that still have one to take.
    for (const id of ids) {
      if (changed.size >= 4) break;
      try {
        await fake.advance(id);
        changed.add(id);
      } catch {
        // A finished bundle has no next step.
      }
    }
    // Remakes swap the handle: detail-only fields, visible in the list only through remade_count.
    const remade = ids.filter((id) => !changed.has(id) && fake.handles(id).length > 0).slice(0, 2);
    for (const id of remade) {
      await fake.remake(id);
      changed.add(id);
    }
    const retitled = ids.filter((id) => !changed.has(id)).slice(-2);
    for (const id of retitled) {
      await fake.patch(id, { title: `Retitled ${id}` });
      changed.add(id);
    }
    expect(changed.size).toBe(8);

    const { result, calls } = await backfill('changes');
    expect(calls).toEqual({ list: LIST_CALLS, detail: changed.size });
    expect(result.progress.run.stats).toMatchObject({ changed: changed.size, unchanged: 2 * BUNDLES - changed.size, detailsEnqueued: changed.size });
    expect(await mirrorDifferences(harness)).toEqual([]);
    for (const id of remade) expect(await mirroredHandles(harness.db, id)).toEqual(fake.handles(id));
  });

  it('lists only what the filters select, and a --details never run makes the next auto run fetch what it skipped', async () => {
    const { fake } = harness;
    const target = fake.listBundleIds()[10]!;
    await fake.patch(target, { external_ref: 'campaign-backfill-filter' });
    const never = await backfill('filtered-never', { filters: { external_ref: 'campaign-backfill-filter' }, details: 'never' });
    expect(never.calls).toEqual({ list: 2, detail: 0 });
    expect(never.result.progress.run.stats).toMatchObject({ listed: 2, changed: 1 });

    // The list observation moved api_updated_at but the detail is older: auto must notice.
    const auto = await backfill('filtered-auto', { filters: { external_ref: 'campaign-backfill-filter' }, details: 'auto' });
    expect(auto.calls).toEqual({ list: 2, detail: 1 });
    expect(await mirrorDifferences(harness, [target])).toEqual([]);
  });
});
