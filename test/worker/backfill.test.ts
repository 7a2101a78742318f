// Backfill against the fake seeded with a few thousand bundles: cold, warm, and with changes
// in between, each checked against the fake's own state and its count of API calls.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EMPTY_STATS, getRun } from '../../src/db/sync-runs.js';
import { estimateEtaSeconds, runBackfill, sessionApiCalls } from '../../src/worker/backfill.js';
import { backfillProgress as progress, backfillRun as run } from '../support/backfill-progress.js';
import { mirrorDifferences, readHandles } from '../support/mirror.js';
import { startStack, type Stack } from '../support/stack.js';

// Big enough for several pages and a visible N/100; small enough that the cold run's one
// detail call per bundle stays within seconds on a busy 2-core machine.
const BUNDLES = 1_000;
const PAGES = BUNDLES / 100;
// A run walks two passes when nothing moves: the second proves the first (src/sync/page-walk.ts).
const LIST_CALLS = 2 * PAGES;

let harness: Stack;
const figures: Record<string, { listCalls: number; detailCalls: number; seconds: number }> = {};

beforeAll(async () => {
  harness = await startStack({ label: 'backfill', fake: { bundles: BUNDLES, seed: 'backfill' }, concurrency: 8 });
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
    for (const id of remade) expect(await readHandles(harness.db, id)).toEqual(fake.handles(id));
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

// What the CLI's report is computed from (its formatting is tested in test/cli/backfill/).
describe('backfill report', () => {
  it('counts the calls of one session: pages listed and details finished, including those pending at its start', () => {
    const initial = progress({ run: run({ stats: { ...EMPTY_STATS, apiCalls: 10, detailsEnqueued: 500 } }), pendingDetails: 200, detailsDone: 300 });
    const final = progress({ run: run({ stats: { ...EMPTY_STATS, apiCalls: 30, detailsEnqueued: 900 } }), pendingDetails: 0, detailsDone: 900 });
    expect(sessionApiCalls(initial, final)).toBe(20 + 400 + 200);
  });

  it('estimates the time left from the calls left at the allowed rate, details of unlisted pages included', () => {
    // 3 of 10 pages listed, 300 details so far: 7 pages and ~700 details ahead, 250 queued, at 120/min.
    // The second pass that proves the first adds its 10 pages.
    expect(estimateEtaSeconds({ pages: 3, detailsEnqueued: 300 }, 10, 250, 120)).toBe(Math.ceil(((7 + 10 + 700 + 250) * 60) / 120));
    // A warm run brings no details: pages only.
    expect(estimateEtaSeconds({ pages: 3, detailsEnqueued: 0 }, 10, 0, 120)).toBe(9);
    expect(estimateEtaSeconds({ pages: 0, detailsEnqueued: 0 }, null, 0, 120)).toBeNull();
    // In the proving pass: its own pages left and the queued details only.
    expect(estimateEtaSeconds({ pages: 4, detailsEnqueued: 1_000 }, 10, 20, 120, 2)).toBe(13);
    expect(estimateEtaSeconds({ pages: 10, detailsEnqueued: 1_000 }, 10, 0, 120, 2)).toBe(0);
  });
});
