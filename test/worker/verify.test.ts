// Every webhook dropped, the fake strict: changes made only to accounts, handles and videos (no
// bundle field, so updated_at does not move and no list item shows them) reach the mirror through
// rolling verification within VERIFY_WITHIN; `audit --all` names them before (exit 1) and finds
// nothing after (exit 0).
import { and, eq, inArray } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleVersions } from '../../src/db/schema.js';
import { runBackfill } from '../../src/worker/backfill.js';
import { ensureVerifyScheduler, removeVerifyScheduler } from '../../src/worker/verify.js';
import type { SyncWorkerHandle } from '../../src/worker/worker.js';
import { mirrorDifferences } from '../support/mirror.js';
import { startStack, type Stack } from '../support/stack.js';
import { runCli } from '../support/cli-process.js';
import { TEST_REDIS_URL } from '../support/redis.js';

const VERIFY_WITHIN_MS = 8_000;
let harness: Stack;
let worker: SyncWorkerHandle | undefined;

beforeAll(async () => {
  harness = await startStack({
    label: 'verify',
    fake: {
      bundles: 40,
      seed: 'verify-strict',
      profile: 'strict',
      // Every delivery is dropped: the mirror hears of nothing.
      webhookEndpoints: [{ url: 'http://127.0.0.1:9/hooks', secret: 'whsec_never_delivered' }],
      delivery: { dropRate: 1 },
    },
    // Below the 1h floor operators get: set on the parsed config, as only a test may.
    config: { verifyWithinMs: VERIFY_WITHIN_MS },
  });
  const backfill = await runBackfill(harness.backfillDeps(), { filters: {}, details: 'auto' }, { pollMs: 50 });
  expect(backfill.outcome).toBe('completed');
  expect(await mirrorDifferences(harness)).toEqual([]);
}, 60_000);
afterAll(async () => {
  await worker?.close();
  await harness?.close();
});

/** Delivered accounts with videos, not touched yet. */
function candidates(exclude: Set<string>): string[] {
  return harness.fake.listBundleIds().filter((id) => {
    const bundle = harness.fake.getBundle(id) as { saved_account_id: string | null; videos: unknown[]; bundle_type: string };
    return !exclude.has(id) && bundle.saved_account_id && bundle.videos.length > 0 && bundle.bundle_type === 'account_and_videos';
  });
}

/** Account, handle, video and remake changes only: no bundle field, so no updated_at move under strict. */
async function quietChanges(ids: string[], tag: string): Promise<void> {
  const [renamed, videos, remade] = ids;
  const before = ids.map((id) => (harness.fake.getBundle(id) as { updated_at: string }).updated_at);
  await harness.fake.patch(renamed!, { username: `${tag}.renamed`, biography: `changed ${tag}`, events: [] });
  await harness.fake.patch(videos!, { video_status: 'pending_corrections', events: [] });
  await harness.fake.remake(remade!);
  await harness.fake.flushWebhooks();
  expect(ids.map((id) => (harness.fake.getBundle(id) as { updated_at: string }).updated_at)).toEqual(before);
  expect((await mirrorDifferences(harness)).map((d) => d.bundleId).sort()).toEqual([...ids].sort());
}

async function audit(): Promise<{ code: number | null; json: any; stderr: string }> {
  const cli = runCli(['audit', '--all', '--json'], {
    DATABASE_URL: harness.database!.url,
    REDIS_URL: TEST_REDIS_URL,
    QUEUE_PREFIX: harness.prefix,
    TOKPORTAL_API_KEY: harness.fake.apiKey,
    TOKPORTAL_BASE_URL: harness.fake.baseUrl,
    TOKPORTAL_RATE_LIMIT_PER_MIN: '6000',
    LOG_LEVEL: 'warn',
  });
  const { code } = await cli.exited;
  const { stdout, stderr } = cli.output();
  return { code, json: stdout.trim() ? JSON.parse(stdout) : null, stderr };
}

describe('strict API, every webhook dropped', { timeout: 90_000 }, () => {
  const touched = new Set<string>();

  it('audit --all names what differs field by field and handle by handle, exits 1, and repairs it', async () => {
    const ids = candidates(touched).slice(0, 3);
    ids.forEach((id) => touched.add(id));
    await quietChanges(ids, 'audited');

    const found = await audit();
    expect(found.code, found.stderr).toBe(1);
    expect(found.json.audited).toBe(harness.fake.listBundleIds().length);
    expect(found.json.differing).toBe(3);
    const fieldsOf = (id: string) => found.json.differences.filter((d: any) => d.bundle_id === id).map((d: any) => d.field);
    expect(fieldsOf(ids[0]!)).toEqual(expect.arrayContaining(['username', 'biography', 'handle']));
    expect(fieldsOf(ids[1]!)).toEqual(expect.arrayContaining(['videos', 'bundle_videos']));
    expect(fieldsOf(ids[2]!)).toEqual(expect.arrayContaining(['remade_count', 'username', 'handle', 'saved_account_id']));
    expect(found.json.differences.find((d: any) => d.bundle_id === ids[0] && d.field === 'username')).toMatchObject({ api: 'audited.renamed' });
    expect(await mirrorDifferences(harness)).toEqual([]);
  });

  it('rolling verification brings quiet changes in within VERIFY_WITHIN, then audit --all exits 0', async () => {
    const ids = candidates(touched).slice(0, 3);
    ids.forEach((id) => touched.add(id));
    worker = await harness.startWorker();
    await ensureVerifyScheduler(harness.queue, VERIFY_WITHIN_MS);
    await quietChanges(ids, 'verified');
    const changedAt = Date.now();

    await expect.poll(async () => (await mirrorDifferences(harness)).length, { timeout: VERIFY_WITHIN_MS + 10_000, interval: 200 }).toBe(0);
    const convergedMs = Date.now() - changedAt;
    console.info(`rolling verification converged ${convergedMs} ms after the changes (VERIFY_WITHIN ${VERIFY_WITHIN_MS} ms)`);
    // Within VERIFY_WITHIN of the last look at each bundle (the audit above), plus one tick and the fetch.
    expect(convergedMs).toBeLessThan(VERIFY_WITHIN_MS + 2_000);

    // It was verification that saw them, and it counted the drift it repaired.
    const versions = await harness.db
      .select({ bundleId: bundleVersions.bundleId })
      .from(bundleVersions)
      .where(and(eq(bundleVersions.source, 'verify'), inArray(bundleVersions.bundleId, ids)));
    expect(new Set(versions.map((v) => v.bundleId))).toEqual(new Set(ids));
    const drift = await harness.metrics.registry.getSingleMetric('tokportal_sync_drift_total')!.get();
    const byField = Object.fromEntries(drift.values.map((v) => [v.labels.field, v.value]));
    expect(byField).toMatchObject({ username: expect.any(Number), videos: expect.any(Number), remade_count: expect.any(Number) });

    await removeVerifyScheduler(harness.queue);
    const clean = await audit();
    expect(clean.code, clean.stderr).toBe(0);
    expect(clean.json).toMatchObject({ differing: 0, differences: [], failed: [] });
  });
});
