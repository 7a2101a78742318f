// A burst of 1,000 webhooks on 50 bundles: coalescing makes it cost about one API call per
// bundle, not per event. Figures are printed for the report.
import { sql } from 'drizzle-orm';
import type { Job } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SyncBundleData } from '../../src/queue/jobs.js';
import { waitFor } from '../support/wait.js';
import { compareWithApi, pendingInboxEvents } from '../support/mirror.js';
import { startStack, type Stack } from '../support/stack.js';

const BUNDLES = 50;
const EVENTS_PER_BUNDLE = 20;
const DETAIL_CALLS = 'GET /bundles/:id 200';

let live: Stack;
let ids: string[];

beforeAll(async () => {
  live = await startStack({ label: 'e2eburst', fake: { bundles: BUNDLES, seed: 'e2e-burst' }, rateLimitPerMin: 6_000, receiver: true });
  ids = live.fake.listBundleIds();
});
afterAll(async () => live?.close());

/** EVENTS_PER_BUNDLE real changes per bundle, interleaved across bundles like a busy workspace. */
async function burst(round: string): Promise<void> {
  for (let i = 0; i < EVENTS_PER_BUNDLE; i++) {
    for (const id of ids) await live.fake.patch(id, { title: `${round} change ${i}`, events: ['bundle.published'] });
  }
}

async function receivedAtById(): Promise<Map<string, number[]>> {
  const rows = (await live.db.execute(
    sql`select bundle_id, (extract(epoch from received_at) * 1000)::float8 as at from tokportal.webhook_events`,
  )) as unknown as { bundle_id: string; at: number }[];
  const byBundle = new Map<string, number[]>();
  for (const row of rows) byBundle.set(row.bundle_id, [...(byBundle.get(row.bundle_id) ?? []), Number(row.at)]);
  return byBundle;
}

describe('burst of 1,000 events on 50 bundles', () => {
  it('arriving while no worker runs: exactly one API call per bundle', async () => {
    await burst('quiet');
    await waitFor(() => live.fake.stats().webhooksPending === 0, { what: 'deliveries', timeoutMs: 25_000 });
    expect(live.fake.stats().webhooksSent).toBe(BUNDLES * EVENTS_PER_BUNDLE);
    const waiting = await live.queue.getJobCounts('prioritized', 'waiting');
    expect((waiting.prioritized ?? 0) + (waiting.waiting ?? 0)).toBe(BUNDLES);

    await live.startWorker({ concurrency: 4 });
    await live.settle();
    const calls = live.fake.stats().requests[DETAIL_CALLS] ?? 0;
    console.log(`burst, worker idle: ${BUNDLES * EVENTS_PER_BUNDLE} events on ${BUNDLES} bundles → ${calls} API calls`);
    expect(calls).toBe(BUNDLES);
    for (const result of await compareWithApi(live, ids)) expect(result.mirror).toEqual(result.api);
  });

  it('arriving while the worker runs: one call per bundle plus one per bundle whose job was running, none wasted', async () => {
    await live.queue.clean(0, 10_000, 'completed');
    live.fake.resetStats();
    await burst('busy');
    await live.settle(25_000);
    expect(await pendingInboxEvents(live.db)).toBe(0);

    const calls = live.fake.stats().requests[DETAIL_CALLS] ?? 0;
    const jobs = (await live.queue.getJobs(['completed'])) as Job<SyncBundleData>[];
    expect(jobs).toHaveLength(calls);
    // A bundle's second (third, ...) fetch is justified only by an event that arrived after
    // the previous fetch had started: the running fetch may have read the API before it.
    const receivedAt = await receivedAtById();
    const byBundle = new Map<string, Job<SyncBundleData>[]>();
    for (const job of jobs) byBundle.set(job.data.bundleId, [...(byBundle.get(job.data.bundleId) ?? []), job]);
    let extraCalls = 0;
    for (const [bundleId, bundleJobs] of byBundle) {
      const runs = bundleJobs.sort((a, b) => a.processedOn! - b.processedOn!);
      for (let k = 1; k < runs.length; k++) {
        const [previousStart, start] = [runs[k - 1]!.processedOn!, runs[k]!.processedOn!];
        const arrivals = receivedAt.get(bundleId) ?? [];
        // 50 ms: received_at is the database clock, processedOn the worker's.
        expect(arrivals.some((at) => at >= previousStart - 50 && at <= start + 50)).toBe(true);
        extraCalls += 1;
      }
    }
    console.log(
      `burst, worker busy: ${BUNDLES * EVENTS_PER_BUNDLE} events on ${BUNDLES} bundles → ${calls} API calls ` +
        `(${byBundle.size} bundles + ${extraCalls} refetches for events that arrived during a running fetch)`,
    );
    expect(byBundle.size).toBe(BUNDLES);
    expect(calls).toBe(BUNDLES + extraCalls);
    expect(calls).toBeLessThan((BUNDLES * EVENTS_PER_BUNDLE) / 4);
    for (const result of await compareWithApi(live, ids)) expect(result.mirror).toEqual(result.api);
  });
});
