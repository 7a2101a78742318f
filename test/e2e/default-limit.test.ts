// End to end under the real default rate limit on both sides (TokPortal's bucket of 120/min
// and the worker's limiter at 120/min): our own pace never causes a 429.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TokPortalClient } from '../../src/tokportal/client.js';
import { bundlesAtStep, compareWithApi, waitForMirror } from '../support/mirror.js';
import { startStack, type Stack } from '../support/stack.js';

const DEFAULT_LIMIT = 120;

describe('the default rate limit on both sides', () => {
  let live: Stack;
  beforeAll(async () => {
    live = await startStack({
      label: 'e2elimit',
      fake: { bundles: 120, seed: 'e2e-limit', rateLimitPerMin: DEFAULT_LIMIT },
      rateLimitPerMin: DEFAULT_LIMIT,
      receiver: true,
      worker: { concurrency: 4 },
    });
  });
  afterAll(async () => live?.close());

  it('causes no 429 by our own pace, even starting from a nearly empty bucket', async () => {
    // Leave 3 tokens: the bucket now refills at exactly the pace the worker may spend.
    const client = new TokPortalClient({ baseUrl: live.fake.baseUrl, apiKey: live.fake.apiKey });
    const probe = live.fake.listBundleIds()[0]!;
    for (let spent = 0; spent < DEFAULT_LIMIT - 3; spent += 13) {
      await Promise.all(Array.from({ length: Math.min(13, DEFAULT_LIMIT - 3 - spent) }, () => client.getBundle(probe)));
    }
    live.fake.resetStats();

    // Three rounds of changes on 4 bundles, each round seen before the next: 12 paced calls.
    const ids = bundlesAtStep(live.fake, 'account_in_review').slice(0, 4);
    expect(ids).toHaveLength(4);
    const rounds = [
      (id: string) => live.fake.advance(id),
      (id: string) => live.fake.patch(id, { title: 'retitled', events: ['bundle.published'] }),
      (id: string) => live.fake.remake(id),
    ];
    for (const round of rounds) {
      for (const id of ids) await round(id);
      await waitForMirror(live, ids, 25_000);
    }
    await live.settle(25_000);

    const stats = live.fake.stats();
    console.log(`default limit: ${stats.requests['GET /bundles/:id 200'] ?? 0} calls, ${stats.rateLimited} answers 429`);
    expect(stats.requests['GET /bundles/:id 200']).toBeGreaterThanOrEqual(ids.length * rounds.length);
    expect(stats.rateLimited).toBe(0);
    for (const result of await compareWithApi(live, ids)) expect(result.mirror).toEqual(result.api);
  });
});
