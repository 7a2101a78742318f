// After a receiver outage: list the deliveries TokPortal failed to make and ask it to
// re-send them (same event id, fresh signature), paced by the installation's shared API rate limit. The
// receiver dedupes on event id, so a re-send of something already stored is harmless;
// still, only the newest failed delivery of each event is retried, to spend one call per event.
import { TokPortalApiError } from './errors.js';
import type { TokPortalClient } from './client.js';
import type { WebhookDelivery } from './webhook-endpoints.js';

/**
 * What paces every call of a recovery. In production it is the installation's one shared rate
 * limit (src/queue/shared-rate-limit.ts, the workers' own budget in Redis), never a limiter of its
 * own: two limiters side by side would together spend twice the key's budget.
 */
export type CallPacer = {
  /** Waits for a slot of the budget and takes it. */
  wait(): Promise<void>;
  /** After a 429: holds every caller sharing the budget for `ms`. */
  pushBack(ms: number): Promise<void>;
  /** The spacing the budget allows, the least a 429 is waited out. */
  readonly intervalMs: number;
};

export type RetryPlan = { toRetry: WebhookDelivery[]; duplicates: WebhookDelivery[] };

/** One retry per event: the newest failed delivery of each event id (deliveries without one stand alone). */
export function planRetries(deliveries: readonly WebhookDelivery[], since?: Date): RetryPlan {
  const newestByEvent = new Map<string, WebhookDelivery>();
  const duplicates: WebhookDelivery[] = [];
  const sinceMs = since?.getTime();
  for (const delivery of deliveries) {
    const createdMs = delivery.created_at ? Date.parse(delivery.created_at) : Number.NaN;
    // The API filters on `since` too; this keeps the promise if a server ignores the parameter.
    if (sinceMs !== undefined && !Number.isNaN(createdMs) && createdMs < sinceMs) continue;
    const key = delivery.event_id ?? `delivery:${delivery.id}`;
    const kept = newestByEvent.get(key);
    if (!kept) {
      newestByEvent.set(key, delivery);
    } else if (isNewer(delivery, kept)) {
      duplicates.push(kept);
      newestByEvent.set(key, delivery);
    } else {
      duplicates.push(delivery);
    }
  }
  return { toRetry: [...newestByEvent.values()], duplicates };
}

function isNewer(a: WebhookDelivery, b: WebhookDelivery): boolean {
  const aMs = a.created_at ? Date.parse(a.created_at) : Number.NaN;
  const bMs = b.created_at ? Date.parse(b.created_at) : Number.NaN;
  return !Number.isNaN(aMs) && !Number.isNaN(bMs) && aMs > bMs;
}

export type RecoveryOptions = {
  endpointId: string;
  /** Only deliveries created at or after this instant. */
  since?: Date;
  /** The shared rate limit every call goes through. */
  pacer: CallPacer;
  /** List and plan, retry nothing. */
  dryRun?: boolean;
  onRetry?: (result: RetryOutcome) => void;
  /** Give up on a call after this many 429s in a row. */
  maxRateLimitedWaits?: number;
};

export type RetryOutcome = {
  delivery: WebhookDelivery;
  /** `sent`: TokPortal accepted the retry; `failed`: the retry call itself failed. */
  result: 'sent' | 'failed';
  /** What TokPortal said about the new attempt, when it said something. */
  delivered: boolean | null;
  statusCode: number | null;
  error: string | null;
};

export type RecoverySummary = {
  failedDeliveries: number;
  events: number;
  duplicatesSkipped: number;
  retried: number;
  retryCallsFailed: number;
  /** Retries TokPortal made but whose new attempt was reported as failed again. */
  deliveredAgainFailed: number;
  apiCalls: number;
  rateLimitedWaits: number;
  durationMs: number;
};

const PAGE_SIZE = 100;

export async function recoverFailedDeliveries(client: TokPortalClient, options: RecoveryOptions): Promise<RecoverySummary> {
  const started = performance.now();
  const { pacer } = options;
  const counters = { apiCalls: 0, rateLimitedWaits: 0 };
  const call = <T>(fn: () => Promise<T>) =>
    pacedCall(fn, pacer, counters, options.maxRateLimitedWaits ?? 5);

  // Collect every page first: retries add new deliveries to the log and would shift the pages under us.
  const failed: WebhookDelivery[] = [];
  for (let page = 1; ; page++) {
    const result = await call(() =>
      client.webhooks.listDeliveries(options.endpointId, {
        success: false,
        since: options.since?.toISOString(),
        page,
        per_page: PAGE_SIZE,
      }),
    );
    failed.push(...result.data.filter((delivery) => delivery.success !== true));
    if (!result.pagination || result.data.length === 0 || page >= result.pagination.total_pages) break;
  }

  const plan = planRetries(failed, options.since);
  const summary: RecoverySummary = {
    failedDeliveries: failed.length,
    events: plan.toRetry.length,
    duplicatesSkipped: plan.duplicates.length,
    retried: 0,
    retryCallsFailed: 0,
    deliveredAgainFailed: 0,
    apiCalls: 0,
    rateLimitedWaits: 0,
    durationMs: 0,
  };
  if (!options.dryRun) {
    for (const delivery of plan.toRetry) {
      const outcome = await retryOne(client, options.endpointId, delivery, call);
      if (outcome.result === 'sent') summary.retried++;
      else summary.retryCallsFailed++;
      if (outcome.delivered === false) summary.deliveredAgainFailed++;
      options.onRetry?.(outcome);
    }
  }
  summary.apiCalls = counters.apiCalls;
  summary.rateLimitedWaits = counters.rateLimitedWaits;
  summary.durationMs = performance.now() - started;
  return summary;
}

async function retryOne(
  client: TokPortalClient,
  endpointId: string,
  delivery: WebhookDelivery,
  call: <T>(fn: () => Promise<T>) => Promise<T>,
): Promise<RetryOutcome> {
  try {
    const answer = await call(() => client.webhooks.retryDelivery(endpointId, delivery.id));
    const delivered = typeof answer['success'] === 'boolean' ? answer['success'] : null;
    const statusCode = typeof answer['status_code'] === 'number' ? answer['status_code'] : null;
    return { delivery, result: 'sent', delivered, statusCode, error: null };
  } catch (error) {
    // A rejected key stops the whole run: every further call would fail the same way.
    if (error instanceof TokPortalApiError && error.status === 401) throw error;
    const message = error instanceof Error ? error.message : String(error);
    return { delivery, result: 'failed', delivered: null, statusCode: null, error: message };
  }
}

/** One API call under the pacer; a 429 waits Retry-After (at least one interval) and tries the same call again. */
async function pacedCall<T>(
  fn: () => Promise<T>,
  pacer: CallPacer,
  counters: { apiCalls: number; rateLimitedWaits: number },
  maxWaits: number,
): Promise<T> {
  for (let waits = 0; ; waits++) {
    await pacer.wait();
    counters.apiCalls++;
    try {
      return await fn();
    } catch (error) {
      const rateLimited = error instanceof TokPortalApiError && error.status === 429;
      if (!rateLimited || waits >= maxWaits) throw error;
      counters.rateLimitedWaits++;
      const waitMs = Math.max((error.retryAfterSeconds ?? 1) * 1000, pacer.intervalMs);
      await pacer.pushBack(waitMs);
    }
  }
}
