// End to end with an API that misbehaves (429 bursts, 5xx, connection resets): the final
// state is still exactly the API's, with every handle, and no job is lost.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundlesAtStep, compareWithApi, waitForMirror } from '../support/mirror.js';
import { startStack, type Stack } from '../support/stack.js';

/** Account delivered (in_review), then remade: two handles the mirror must both keep. */
async function deliverAndRemake(live: Stack, bundleId: string): Promise<void> {
  await live.fake.advance(bundleId);
  await waitForMirror(live, [bundleId], 25_000);
  await live.fake.remake(bundleId);
  await waitForMirror(live, [bundleId], 25_000);
}

describe('API answering 429 and 5xx', () => {
  let live: Stack;
  beforeAll(async () => {
    live = await startStack({ label: 'e2efaults', fake: { bundles: 80, seed: 'e2e-lifecycle' }, rateLimitPerMin: 6_000, receiver: true, worker: true });
  });
  afterAll(async () => live?.close());

  it('retries and pauses until the mirror holds the final state, with every handle and no failed job', async () => {
    const ids = bundlesAtStep(live.fake, 'account_in_review').slice(0, 3);
    expect(ids).toHaveLength(3);
    live.fake.setFaults({ errorRate: 0.3, resetRate: 0.05 });
    // A burst of 429s (another client spending the key) in the middle of the run.
    const burst = setTimeout(() => live.fake.setFaults({ rateLimitBurst: true }), 300);
    const burstEnd = setTimeout(() => live.fake.setFaults({ rateLimitBurst: false }), 1_000);
    try {
      await Promise.all(ids.map((id) => deliverAndRemake(live, id)));
    } finally {
      clearTimeout(burst);
      clearTimeout(burstEnd);
      live.fake.setFaults({ errorRate: 0, resetRate: 0, rateLimitBurst: false });
    }
    await live.settle();

    const stats = live.fake.stats();
    const serverErrors = Object.entries(stats.requests)
      .filter(([route]) => / 5\d\d$/.test(route))
      .reduce((sum, [, count]) => sum + count, 0);
    console.log(`faults: ${stats.rateLimited} answers 429, ${serverErrors} answers 5xx, all absorbed`);
    expect(stats.rateLimited + serverErrors).toBeGreaterThan(0);
    for (const result of await compareWithApi(live, ids)) {
      expect(result.mirror).toEqual(result.api);
      expect(result.timeline).toEqual(result.handles);
    }
    expect(await live.queue.getJobCounts('failed')).toEqual({ failed: 0 });
  });
});
