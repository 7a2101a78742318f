// Benchmark 4: freshness. Webhook events arrive at a steady rate below the API limit; for
// each, the time from the receiver accepting it (webhook_events.received_at) to the worker
// having written the refetched bundle (processed_at). The anchor is the limiter's own
// spacing: a refetch cannot start sooner than one slot after the previous one.
import type { Benchmark } from './lib/benchmark.js';
import { eventIdFactory, postDelivery, signedBundleEvent } from './lib/events.js';
import { countUnprocessedEvents, processingLatenciesMs } from './lib/inbox.js';
import { target } from './lib/results.js';
import { callsTo, startStage } from './lib/stage.js';
import { percentile, round, sleep, waitFor } from './lib/stats.js';

export const freshnessBenchmark: Benchmark = {
  name: 'freshness',
  title: 'webhook received → bundle row updated, at a steady rate below the limit',
  async run(context) {
    const { durationSeconds, eventsPerSecond, bundles, ratePerMin } = context.sizes.freshness;
    const stage = await startStage({ label: 'freshness', bundles, ratePerMin, receiver: true, worker: true, fake: { profile: context.fakeProfile } });
    try {
      const bundleIds = stage.fake.listBundleIds();
      const total = Math.max(1, Math.round(durationSeconds * eventsPerSecond));
      context.log(`${total} events at ${eventsPerSecond}/s on ${bundleIds.length} bundles, limit ${ratePerMin}/min`);
      stage.fake.resetStats();

      const nextEventId = eventIdFactory();
      const sends: Promise<number>[] = [];
      const start = performance.now();
      for (let i = 0; i < total; i++) {
        // Scheduled against the start, not the previous send, so the rate does not drift.
        const due = start + (i * 1000) / eventsPerSecond;
        const wait = due - performance.now();
        if (wait > 0) await sleep(wait);
        const bundleId = bundleIds[(i * 7919) % bundleIds.length]!;
        sends.push(postDelivery(stage.receiverOrigin!, signedBundleEvent(nextEventId(), bundleId)));
      }
      const statuses = await Promise.all(sends);
      const accepted = statuses.filter((status) => status >= 200 && status < 300).length;
      const drained = await waitFor(async () => (await countUnprocessedEvents(stage.env.database.db)) === 0, 60_000, 100);

      const latencies = await processingLatenciesMs(stage.env.database.db);
      const unprocessed = await countUnprocessedEvents(stage.env.database.db);
      const slotMs = 60_000 / ratePerMin;
      const p50 = percentile(latencies, 50);
      const p90 = percentile(latencies, 90);
      const p99 = percentile(latencies, 99);
      const max = percentile(latencies, 100);
      const detailCalls = callsTo(stage.fake, 'GET /bundles/:id');
      // Where the time goes: waiting in the queue (limiter, busy worker) vs the job itself (GET + write).
      const jobs = await stage.queue.completedJobTimings();
      const queueWaitP50 = percentile(jobs.waitMs, 50);
      const jobRunP50 = percentile(jobs.runMs, 50);
      return {
        params: { durationSeconds, eventsPerSecond, events: total, bundles: bundleIds.length, ratePerMin },
        figures: {
          accepted2xx: accepted,
          processedEvents: latencies.length,
          unprocessedEvents: unprocessed,
          p50Ms: round(p50, 1),
          p90Ms: round(p90, 1),
          p99Ms: round(p99, 1),
          maxMs: round(max, 1),
          limiterSlotMs: round(slotMs, 1),
          queueWaitP50Ms: round(queueWaitP50, 1),
          queueWaitP99Ms: round(percentile(jobs.waitMs, 99), 1),
          jobRunP50Ms: round(jobRunP50, 1),
          jobRunP99Ms: round(percentile(jobs.runMs, 99), 1),
          detailCalls,
          rateLimited429: stage.fake.stats().rateLimited,
        },
        targets: [target('events left unprocessed', unprocessed, '<=', 0)],
        table: {
          header: ['events', 'rate/s', 'processed', 'p50 ms', 'p90 ms', 'p99 ms', 'max ms', 'limiter slot ms', 'queue wait p50', 'job run p50', 'API calls', '429s'],
          rows: [
            [
              total, eventsPerSecond, latencies.length, round(p50, 1), round(p90, 1), round(p99, 1), round(max, 1),
              round(slotMs, 1), round(queueWaitP50, 1), round(jobRunP50, 1), detailCalls, stage.fake.stats().rateLimited,
            ],
          ],
        },
        notes: drained ? [] : ['some events were still unprocessed 60 s after the last send'],
      };
    } finally {
      await stage.close();
    }
  },
};
