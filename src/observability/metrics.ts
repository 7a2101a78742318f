// Prometheus metrics for every part of the sync (receiver, queue, worker, API client).
// Each call builds its own Registry instead of using prom-client's global one: tests run
// many apps in one process, and a second registration of a name on the global registry throws.
// Queue depth and inbox lag are read at scrape time (collect), so they are never stale.
//
// Each process exports only the series it owns (`role`): a receiver's /metrics carries webhooks,
// signatures and the inbox; a worker's carries jobs, API calls, 429s, the rate-limit budget,
// sync lag and the queue depth. A series a process never moves would otherwise be scraped as a
// constant 0 (`api_rate_limit_remaining 0` on every receiver) and hide the worker's real value
// in any sum or max across targets. Every counter exists in every role, so code can count
// unconditionally; only the owner's registry exposes it.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Queue } from 'bullmq';
import type { Database } from '../db/connection.js';
import { readInboxSnapshot, type InboxSnapshot } from '../db/inbox-reads.js';
import { withTimeout } from '../lib/with-timeout.js';

export const METRIC_PREFIX = 'tokportal_sync_';
/** A scrape must answer even when Redis or Postgres does not (a queue on a dead connection waits forever). */
const SCRAPE_TIMEOUT_MS = 1_000;

/** Queue states reported as depth; `completed` is bounded by removeOnComplete, still useful as a rate. */
export const QUEUE_STATES = ['waiting', 'prioritized', 'active', 'delayed', 'failed', 'completed', 'paused', 'waiting-children'] as const;

export type WebhookOutcome =
  | 'accepted'
  | 'duplicate'
  | 'ignored'
  | 'not_applicable'
  | 'rejected'
  | 'unauthorized'
  | 'too_large'
  | 'unavailable';

export type Metrics = {
  registry: Registry;
  webhooksReceived: Counter<'type' | 'outcome'>;
  signatureFailures: Counter<'reason'>;
  apiRequests: Counter<'endpoint' | 'status'>;
  apiRateLimited: Counter;
  apiRateLimitRemaining: Gauge;
  /** TOKPORTAL_RATE_LIMIT_PER_MIN of this worker: the budget the remaining calls are measured against. */
  apiRateLimitPerMinute: Gauge;
  jobs: Counter<'name' | 'outcome'>;
  /** Seconds from an event (or API updated_at) to the mirror holding it. */
  syncLagSeconds: Histogram;
  staleObservations: Counter;
  remakesSeen: Counter;
  /** Enqueue attempts that failed (Redis down): the relay picks these events up later. */
  enqueueFailures: Counter;
  /** Fields found different from the API by rolling verification or audit (then repaired). */
  drift: Counter<'field'>;
  /** Adds the scrape-time gauge of the oldest verification's age, read by `read` (seconds). */
  trackVerification(read: () => Promise<number>): void;
  /** Adds scrape-time gauges of the queue's job counts by state (labelled by queue name). */
  trackQueue(queue: Queue): void;
  /** Adds scrape-time gauges of the inbox: events not yet processed, not yet enqueued, oldest age. */
  trackInbox(db: Database): void;
};

/** Which process the metrics describe: `all` is `start` (receiver and worker in one process). */
export type MetricsRole = 'receiver' | 'worker' | 'all';

export type MetricsOptions = {
  /** Default `all`: every series (tests, `start`, the demo). */
  role?: MetricsRole;
  /** Node process metrics (CPU, memory, event loop); off by default so tests stay light. */
  processMetrics?: boolean;
};

/** Series that prom-client's default metrics name against Prometheus conventions (`promtool check metrics`). */
const NONCONFORMING_DEFAULT_METRICS = ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total'];

export function createMetrics(options: MetricsOptions = {}): Metrics {
  const role = options.role ?? 'all';
  const registry = new Registry();
  const owned = [registry];
  const receiverSeries = role === 'worker' ? [] : owned;
  const workerSeries = role === 'receiver' ? [] : owned;
  if (options.processMetrics) {
    // Unprefixed, as every Node exporter names them (process_cpu_seconds_total...), so stock
    // dashboards and alerts apply. Three gauges are named `_total` like counters: `promtool check
    // metrics` refuses them, and their per-type siblings (nodejs_active_handles{type}) hold the same.
    collectDefaultMetrics({ register: registry });
    for (const name of NONCONFORMING_DEFAULT_METRICS) registry.removeSingleMetric(name);
  }

  const queues = new Set<Queue>();
  new Gauge({
    name: `${METRIC_PREFIX}queue_jobs`,
    help: 'Jobs in the sync queue by state (read from Redis at scrape time)',
    labelNames: ['queue', 'state'] as const,
    registers: workerSeries,
    async collect() {
      this.reset();
      await Promise.all(
        [...queues].map(async (queue) => {
          try {
            const counts = await withTimeout(queue.getJobCounts(...QUEUE_STATES), SCRAPE_TIMEOUT_MS, 'queue counts');
            for (const state of QUEUE_STATES) this.set({ queue: queue.name, state }, counts[state] ?? 0);
          } catch {
            // Redis unreachable: report no series rather than stale numbers; readiness says why.
          }
        }),
      );
    },
  });

  let inboxDb: Database | null = null;
  const readInbox = sharedPerScrape(async (): Promise<InboxSnapshot | null> => {
    if (!inboxDb) return null;
    try {
      return await withTimeout(readInboxSnapshot(inboxDb), SCRAPE_TIMEOUT_MS, 'inbox snapshot');
    } catch {
      return null; // Postgres unreachable: no series; readiness reports the outage.
    }
  });
  const inboxGauge = (name: string, help: string, pick: (snapshot: InboxSnapshot) => number) =>
    new Gauge({
      name: `${METRIC_PREFIX}${name}`,
      help,
      registers: receiverSeries,
      async collect() {
        this.reset();
        const snapshot = await readInbox();
        if (snapshot) this.set(pick(snapshot));
      },
    });
  inboxGauge('inbox_unprocessed_events', 'Inbox events received but not yet applied by a worker', (s) => s.unprocessed);
  inboxGauge('inbox_unenqueued_events', 'Inbox events committed but not yet enqueued (Redis was down)', (s) => s.unenqueued);
  inboxGauge('inbox_oldest_unprocessed_age_seconds', 'Age of the oldest unprocessed inbox event (0 if none)', (s) => s.oldestAgeSeconds);

  let readVerificationAge: (() => Promise<number>) | null = null;
  new Gauge({
    name: `${METRIC_PREFIX}oldest_verification_age_seconds`,
    help: 'Seconds since the least recently verified live bundle was last re-read in detail (rolling verification)',
    registers: workerSeries,
    async collect() {
      this.reset();
      if (!readVerificationAge) return;
      try {
        this.set(await withTimeout(readVerificationAge(), SCRAPE_TIMEOUT_MS, 'verification age'));
      } catch {
        // Postgres unreachable: no series; readiness reports the outage.
      }
    },
  });

  return {
    registry,
    webhooksReceived: new Counter({
      name: `${METRIC_PREFIX}webhooks_received_total`,
      help: 'Webhook deliveries by event type and outcome',
      labelNames: ['type', 'outcome'] as const,
      registers: receiverSeries,
    }),
    signatureFailures: new Counter({
      name: `${METRIC_PREFIX}webhook_signature_failures_total`,
      help: 'Webhook deliveries refused for their signature (missing, malformed, stale, mismatch)',
      labelNames: ['reason'] as const,
      registers: receiverSeries,
    }),
    apiRequests: new Counter({
      name: `${METRIC_PREFIX}api_requests_total`,
      help: 'TokPortal API calls by endpoint and HTTP status (or error code)',
      labelNames: ['endpoint', 'status'] as const,
      registers: workerSeries,
    }),
    apiRateLimited: new Counter({
      name: `${METRIC_PREFIX}api_rate_limited_total`,
      help: 'TokPortal API answers with status 429',
      registers: workerSeries,
    }),
    apiRateLimitRemaining: new Gauge({
      name: `${METRIC_PREFIX}api_rate_limit_remaining`,
      help: 'X-RateLimit-Remaining of the latest TokPortal API answer',
      registers: workerSeries,
    }),
    apiRateLimitPerMinute: new Gauge({
      name: `${METRIC_PREFIX}api_rate_limit_per_minute`,
      help: 'API calls a minute the installation may spend (TOKPORTAL_RATE_LIMIT_PER_MIN), shared by every worker through Redis',
      registers: workerSeries,
    }),
    jobs: new Counter({
      name: `${METRIC_PREFIX}jobs_total`,
      help: 'Queue jobs processed by job name and outcome',
      labelNames: ['name', 'outcome'] as const,
      registers: workerSeries,
    }),
    syncLagSeconds: new Histogram({
      name: `${METRIC_PREFIX}sync_lag_seconds`,
      help: 'Seconds between a change (webhook received or API updated_at) and the mirror holding it',
      buckets: [0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 120, 300, 900, 1800, 3600],
      registers: workerSeries,
    }),
    staleObservations: new Counter({
      name: `${METRIC_PREFIX}stale_observations_total`,
      help: 'Observations skipped because the mirror already held a newer state',
      registers: workerSeries,
    }),
    remakesSeen: new Counter({
      name: `${METRIC_PREFIX}remakes_seen_total`,
      help: 'Account remakes detected while applying snapshots',
      registers: workerSeries,
    }),
    enqueueFailures: new Counter({
      name: `${METRIC_PREFIX}enqueue_failures_total`,
      help: 'Enqueue attempts that failed (Redis unreachable); the relay retries them from the inbox',
      registers: receiverSeries,
    }),
    drift: new Counter({
      name: `${METRIC_PREFIX}drift_total`,
      help: 'Fields the mirror held differently from the API, found by rolling verification or audit (and repaired)',
      labelNames: ['field'] as const,
      registers: workerSeries,
    }),
    trackVerification(read) {
      readVerificationAge = read;
    },
    trackQueue(queue) {
      queues.add(queue);
    },
    trackInbox(db) {
      inboxDb = db;
    },
  };
}

/**
 * prom-client collects all metrics of a scrape in parallel; several gauges fed by one
 * query share the promise of a read that started less than a second ago.
 */
function sharedPerScrape<T>(read: () => Promise<T>, maxAgeMs = 1_000): () => Promise<T> {
  let last: { at: number; promise: Promise<T> } | null = null;
  return () => {
    const now = Date.now();
    if (!last || now - last.at > maxAgeMs) last = { at: now, promise: read() };
    return last.promise;
  };
}
