// Benchmark 2: coalescing. A burst of W webhook events on B bundles goes through the real
// receiver and worker against the fake; the ideal is one GET /bundles/:id per bundle, since
// the worker refetches the whole bundle whatever the event said.
import type { Benchmark } from './lib/benchmark.js';
import { eventIdFactory, postDelivery, signedBundleEvent } from './lib/events.js';
import { countUnprocessedEvents } from './lib/inbox.js';
import { target } from './lib/results.js';
import { callsTo, startStage } from './lib/stage.js';
import { ratio, round, waitFor } from './lib/stats.js';

/** Concurrent POSTs during the burst, as TokPortal's delivery workers would send them. */
const BURST_CONCURRENCY = 16;

/** Deterministic shuffle (mulberry32) so every run sends the same interleaving. */
function shuffled<T>(items: T[], seed: number): T[] {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

export const coalescingBenchmark: Benchmark = {
  name: 'coalescing',
  title: 'API calls per bundle for a burst of webhook events',
  async run(context) {
    const { events, bundles, ratePerMin } = context.sizes.coalescing;
    const stage = await startStage({ label: 'coalescing', bundles, ratePerMin, receiver: true, worker: true, fake: { profile: context.fakeProfile } });
    try {
      const bundleIds = stage.fake.listBundleIds().slice(0, bundles);
      // Every bundle gets W/B events, interleaved across the whole burst: the hard case, where
      // a bundle's refetch may already be running when its next event lands.
      const targets = shuffled(
        Array.from({ length: events }, (_, i) => bundleIds[i % bundleIds.length]!),
        20_260_525,
      );
      stage.fake.resetStats();
      context.log(`${events} events on ${bundleIds.length} bundles, worker limited to ${ratePerMin}/min`);

      const nextEventId = eventIdFactory();
      const statuses = new Map<number, number>();
      const burstStart = performance.now();
      let cursor = 0;
      await Promise.all(
        Array.from({ length: BURST_CONCURRENCY }, async () => {
          while (cursor < targets.length) {
            const bundleId = targets[cursor++]!;
            const status = await postDelivery(stage.receiverOrigin!, signedBundleEvent(nextEventId(), bundleId));
            statuses.set(status, (statuses.get(status) ?? 0) + 1);
          }
        }),
      );
      const burstSeconds = (performance.now() - burstStart) / 1000;

      // Drain budget: two calls per bundle at the allowed rate, plus slack for a slow machine.
      const drainBudgetMs = ((2 * bundleIds.length) / ratePerMin) * 60_000 + 60_000;
      const drained = await waitFor(
        async () => (await countUnprocessedEvents(stage.env.database.db)) === 0 && (await stage.queue.pending()) === 0,
        drainBudgetMs,
        200,
      );
      const totalSeconds = (performance.now() - burstStart) / 1000;
      const detailCalls = callsTo(stage.fake, 'GET /bundles/:id');
      const stats = stage.fake.stats();
      const accepted = [...statuses].filter(([status]) => status >= 200 && status < 300).reduce((n, [, c]) => n + c, 0);
      const callsPerBundle = ratio(detailCalls, bundleIds.length);
      const unprocessed = await countUnprocessedEvents(stage.env.database.db);
      // The anchor: a bundle refetched while its events are still arriving needs one more call
      // (keepLastIfActive), so at most as many extra calls as the limiter allowed during the burst.
      // Limiter windows that open during the burst, the first at its start: ceil, not floor.
      const callsAllowedDuringBurst = Math.ceil((burstSeconds * ratePerMin) / 60);
      const extraCalls = detailCalls - bundleIds.length;

      return {
        params: { events, bundles: bundleIds.length, ratePerMin, burstConcurrency: BURST_CONCURRENCY },
        figures: {
          accepted2xx: accepted,
          burstSeconds: round(burstSeconds, 2),
          drainSeconds: round(totalSeconds, 2),
          detailCalls,
          apiCallsTotal: stats.requestsTotal,
          apiCallsPerBundle: round(callsPerBundle),
          eventsPerApiCall: round(ratio(accepted, detailCalls), 1),
          rateLimited429: stats.rateLimited,
          unprocessedEvents: unprocessed,
          callsAllowedDuringBurst,
          extraCalls,
        },
        targets: [
          target('API calls / bundle', round(callsPerBundle), '<=', 1.1),
          target('extra calls - calls allowed during the burst', extraCalls - callsAllowedDuringBurst, '<=', 0),
          target('events left unprocessed', unprocessed, '<=', 0),
        ],
        table: {
          header: ['events', 'bundles', '2xx', 'burst s', 'drained s', 'GET /bundles/:id', 'calls/bundle', 'extra calls', 'calls allowed during burst', '429s'],
          rows: [
            [
              events, bundleIds.length, accepted, round(burstSeconds, 2), round(totalSeconds, 2), detailCalls,
              round(callsPerBundle), extraCalls, callsAllowedDuringBurst, stats.rateLimited,
            ],
          ],
        },
        notes: [
          `the burst lasted ${round(burstSeconds, 1)} s (receiver throughput on this machine); the worker may refetch ${callsAllowedDuringBurst} bundles meanwhile, each of which then needs one more call`,
          ...(drained ? [] : [`queue not drained within ${Math.round(drainBudgetMs / 1000)} s: figures are partial`]),
        ],
      };
    } finally {
      await stage.close();
    }
  },
};
