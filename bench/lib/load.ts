// HTTP load with autocannon: every request is a freshly signed webhook with its own event
// id (setupRequest), so a receiver that deduplicates cannot take a shortcut on repeats.
import autocannon from 'autocannon';
import { signedBundleEvent, WEBHOOK_PATH } from './events.js';

export type LoadSettings = {
  origin: string;
  connections: number;
  /**
   * `amount`: a fixed number of requests, every one answered before the run ends; what
   * measured runs use. `seconds`: a timed run, which cuts the requests in flight at the
   * deadline (the server may still commit them unanswered); only for warm-up.
   */
  length: { amount: number } | { seconds: number };
  bundleIds: readonly string[];
  nextEventId: () => string;
  secret?: string;
};

export type LoadFigures = {
  /** Mean of autocannon's per-second samples. */
  requestsPerSecond: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  maxMs: number;
  ok2xx: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  durationSeconds: number;
};

export async function driveSignedWebhooks(settings: LoadSettings): Promise<LoadFigures> {
  let turn = 0;
  const result = await autocannon({
    url: `${settings.origin}${WEBHOOK_PATH}`,
    connections: settings.connections,
    ...('amount' in settings.length ? { amount: settings.length.amount } : { duration: settings.length.seconds }),
    pipelining: 1,
    timeout: 10,
    requests: [
      {
        method: 'POST',
        path: WEBHOOK_PATH,
        setupRequest: (request) => {
          const bundleId = settings.bundleIds[turn++ % settings.bundleIds.length]!;
          const delivery = signedBundleEvent(settings.nextEventId(), bundleId, settings.secret);
          return { ...request, method: 'POST', path: WEBHOOK_PATH, headers: delivery.headers, body: delivery.body };
        },
      },
    ],
  });
  return {
    requestsPerSecond: result.requests.average,
    p50Ms: result.latency.p50,
    p90Ms: result.latency.p90,
    p99Ms: result.latency.p99,
    maxMs: result.latency.max,
    ok2xx: result['2xx'],
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    durationSeconds: result.duration,
  };
}
