// The page walk against a strict API (newest first, no pagination object, whole seconds) while
// bundles are created and deleted under it: the first pass skips bundles, the run notices and
// walks again, and every bundle that existed for the whole walk ends up mirrored.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundles } from '../../src/db/schema.js';
import { JOB } from '../../src/queue/jobs.js';
import type { ListBundlesQuery } from '../../src/tokportal/client.js';
import { runBackfill } from '../../src/worker/backfill.js';
import { processListPage } from '../../src/worker/list-page.js';
import { processors } from '../../src/worker/processors.js';
import { startStack, type Stack } from '../support/stack.js';

const BUNDLES = 450; // 5 pages of 100, the last one not full
let harness: Stack;

beforeAll(async () => {
  harness = await startStack({ label: 'pagewalk', fake: { bundles: BUNDLES, seed: 'page-walk', profile: 'strict' } });
});
afterAll(async () => harness?.close());

describe('page walk under creations and deletions', { timeout: 120_000 }, () => {
  it('mirrors every bundle that existed for the whole walk, though the first pass skipped some', async () => {
    const { fake } = harness;
    const existedAtStart = new Set(fake.listBundleIds());
    const deleted = new Set<string>();
    const created: string[] = [];

    // Every list call, as the walk made it: pass boundaries are where page 1 comes again.
    const calls: { page: number; ids: string[] }[] = [];
    const client = harness.ctx.client;
    const listBundles = client.listBundles.bind(client);
    client.listBundles = async (query: ListBundlesQuery = {}) => {
      const result = await listBundles(query);
      expect(result.pagination).toBeNull();
      calls.push({ page: query.page ?? 1, ids: result.data.map((item) => item.id) });
      return result;
    };

    // While the first pass walks: after an odd page, create 3 bundles (newest first: they land on
    // page 1, later pages shift back, items are seen twice); after an even page, delete 5 bundles
    // it has already listed (the pages behind the cursor shrink: later ones shift forward, items
    // are skipped).
    const worker = await harness.startWorker({
      concurrency: 1,
      processors: {
        ...processors,
        [JOB.listPage]: async (job, ctx) => {
          const outcome = await processListPage(job, ctx);
          const { pass } = job.data as { pass?: number };
          const last = calls.at(-1)!;
          const page = (job.data as { page: number }).page;
          if ((pass ?? 1) === 1 && last.ids.length === 100) {
            if (page % 2 === 1) {
              for (let i = 0; i < 3; i++) {
                created.push(fake.service.createBundle(fake.service.primaryKey, { bundle_type: 'account_only', platform: 'tiktok', country: 'US' }).id);
              }
            } else {
              for (const id of last.ids.filter((id) => !deleted.has(id) && existedAtStart.has(id)).slice(0, 5)) {
                fake.service.remove(id);
                deleted.add(id);
              }
            }
          }
          return outcome;
        },
      },
    });
    try {
      const result = await runBackfill(
        { ...harness.backfillDeps(), startWorker: async () => worker },
        { filters: {}, details: 'never' },
        { pollMs: 50 },
      );
      expect(result.outcome).toBe('completed');
      const passes = splitPasses(calls);
      const firstPass = new Set(passes[0]!.flat());
      const throughout = [...existedAtStart].filter((id) => !deleted.has(id));
      // The test has teeth: the first pass alone missed bundles that existed all along.
      expect(throughout.filter((id) => !firstPass.has(id)).length).toBeGreaterThan(0);
      expect(deleted.size).toBeGreaterThan(0);
      expect(result.progress.run.stats).toMatchObject({ unproven: 0 });
      expect(result.progress.run.stats.passes).toBeGreaterThanOrEqual(3);
      expect(result.progress.run.stats.duplicatesListed).toBeGreaterThan(0);
      expect(result.progress.run.stats.vanished).toBeGreaterThan(0);

      const mirrored = new Set((await harness.db.select({ id: bundles.bundleId }).from(bundles)).map((row) => row.id));
      expect(throughout.filter((id) => !mirrored.has(id))).toEqual([]);
      // Bundles created during the walk are there too (the later passes listed them).
      expect(created.filter((id) => !mirrored.has(id))).toEqual([]);
    } finally {
      await worker.close();
      client.listBundles = listBundles;
    }
  });
});

function splitPasses(calls: { page: number; ids: string[] }[]): string[][][] {
  const passes: string[][][] = [];
  for (const call of calls) {
    if (call.page === 1) passes.push([]);
    passes.at(-1)!.push(call.ids);
  }
  return passes;
}
