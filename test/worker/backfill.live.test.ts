// A backfill and live webhooks share one queue and one rate limit: a webhook that arrives
// while hundreds of backfill detail fetches wait must not queue behind them.
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundles, webhookEvents } from '../../src/db/schema.js';
import { getRun } from '../../src/db/sync-runs.js';
import { countPendingBackfillDetails, runBackfill, type BackfillProgress } from '../../src/worker/backfill.js';
import { fakeComparable } from '../support/mirror.js';
import { startStack, type Stack } from '../support/stack.js';

const BUNDLES = 600;
const REVOKED_KEY = `sk_${'0'.repeat(64)}`;

let harness: Stack;

beforeAll(async () => {
  // 50 calls a second: the detail phase of this backfill lasts about 12 s.
  // The fake delivers its webhooks to the stack's receiver.
  harness = await startStack({
    label: 'bflive',
    fake: { bundles: BUNDLES, seed: 'live', revokedApiKeys: [REVOKED_KEY] },
    rateLimitPerMin: 3_000,
    concurrency: 4,
    receiver: true,
  });
});

afterAll(async () => {
  await harness?.close();
});

async function mirroredUpdatedAt(bundleId: string): Promise<string | undefined> {
  const [row] = await harness.db.select({ at: bundles.apiUpdatedAt }).from(bundles).where(eq(bundles.bundleId, bundleId));
  return row?.at.toISOString();
}

describe('webhooks during a backfill', { timeout: 120_000 }, () => {
  it('are synced ahead of the waiting backfill detail fetches', async () => {
    const abort = new AbortController();
    let latest: BackfillProgress | undefined;
    const backfill = runBackfill(harness.backfillDeps(), { filters: {}, details: 'auto' }, {
      signal: abort.signal,
      pollMs: 20,
      onProgress: (progress) => (latest = progress),
    });
    try {
      await expect.poll(() => latest?.phase, { timeout: 60_000, interval: 20 }).toBe('details');

      // A bundle already detail-synced by the backfill changes on TokPortal, which sends a webhook.
      const rows = await harness.db.select({ id: bundles.bundleId, at: bundles.detailSyncedAt }).from(bundles);
      expect(rows).toHaveLength(BUNDLES);
      const detailed = new Set(rows.filter((row) => row.at).map((row) => row.id));
      let target: string | undefined;
      for (const id of harness.fake.listBundleIds().filter((candidate) => detailed.has(candidate))) {
        try {
          await harness.fake.advance(id);
          target = id;
          break;
        } catch {
          // This one has no next lifecycle step.
        }
      }
      if (!target) throw new Error('no bundle could advance');
      const pendingAtWebhook = await countPendingBackfillDetails(harness.queue);
      expect(pendingAtWebhook).toBeGreaterThan(BUNDLES / 2);

      const expected = fakeComparable(harness.fake, target).apiUpdatedAt;
      await expect.poll(() => mirroredUpdatedAt(target), { timeout: 30_000, interval: 10 }).toBe(expected);
      const pendingAfterWebhook = await countPendingBackfillDetails(harness.queue);
      // The webhook's sync went ahead: most of the backfill's detail fetches still wait.
      expect(pendingAtWebhook - pendingAfterWebhook).toBeLessThan(pendingAtWebhook / 4);
      const events = await harness.db.select().from(webhookEvents).where(eq(webhookEvents.bundleId, target));
      expect(events.length).toBeGreaterThan(0);
      await expect
        .poll(async () => (await harness.db.select().from(webhookEvents).where(eq(webhookEvents.bundleId, target))).map((e) => e.status))
        .toEqual(events.map(() => 'processed'));
    } finally {
      abort.abort();
    }
    const result = await backfill;
    expect(result.outcome).toBe('interrupted');
  });
});

describe('a backfill that cannot go on', { timeout: 60_000 }, () => {
  beforeAll(async () => {
    // The interrupted backfill above left its detail fetches queued; these runs need none of them.
    await harness.queue.obliterate({ force: true });
  });

  it('fails its run on a request no retry can fix, and says why', async () => {
    const result = await runBackfill(harness.backfillDeps(), { filters: { bundle_type: 'no_such_type' }, details: 'auto' }, { pollMs: 20 });
    expect(result.outcome).toBe('failed');
    expect(result.progress.run).toMatchObject({ status: 'failed', stats: { errors: 1, apiCalls: 1, pages: 0 } });
    expect(result.progress.run.lastError).toMatch(/VALIDATION_ERROR|400/);
  });

  it('stops when TokPortal rejects the key, leaving the run resumable', async () => {
    // The same workspace seen through a key TokPortal revoked: another runtime on the same mirror and queue.
    const revoked = await harness.openRuntime({ TOKPORTAL_API_KEY: REVOKED_KEY });
    try {
      const result = await runBackfill(harness.backfillDeps(revoked), { filters: { platform: 'tiktok' }, details: 'never' }, { pollMs: 20 });
      expect(result.outcome).toBe('auth-rejected');
      expect(result.authError?.message).toContain('TokPortal rejected the API key (AUTH_REVOKED_KEY)');
      expect(result.authError?.message).not.toContain(REVOKED_KEY);
      expect(await getRun(harness.db, result.start.run.id)).toMatchObject({ status: 'interrupted', nextPage: 1 });
    } finally {
      await revoked.close();
    }
    // With the key fixed, the same command resumes the run: the page job waited untouched.
    const resumed = await runBackfill(harness.backfillDeps(), { filters: { platform: 'tiktok' }, details: 'never' }, { pollMs: 20 });
    expect(resumed.outcome).toBe('completed');
    expect(resumed.start.resumed).toBe(true);
  });
});
