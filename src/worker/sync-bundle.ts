// The sync-bundle job: refetch one bundle (GET /bundles/:id) and apply it to the mirror.
// The webhook was only a trigger; what lands in Postgres is what the API says now, so
// duplicated, reordered or lost deliveries cannot leave the mirror wrong.
import type { Job } from 'bullmq';
import type { Database } from '../db/connection.js';
import { databaseNow } from '../db/clock.js';
import {
  closeBundleEvents,
  coveredBundleEvents,
  markEventsStatus,
  recordBundleEventsError,
  type CoveredEvent,
} from '../db/inbox.js';
import { applyBundleSnapshot, markBundleNotOwned, tombstoneBundle } from '../db/repository.js';
import type { Metrics } from '../observability/metrics.js';
import type { SyncBundleData } from '../queue/jobs.js';
import type { ApplyResult } from '../sync/apply-plan.js';
import type { ObservationSource } from '../sync/observation.js';
import type { TokPortalClient } from '../tokportal/client.js';
import { isTokPortalApiError } from '../tokportal/errors.js';
import { classifyFailure } from './failure-policy.js';
import type { ApiAnswer } from '../sync/audit.js';
import type { ProcessorContext } from './processor-context.js';

export type BundleRefresh =
  | { kind: 'applied'; result: ApplyResult; eventsProcessed: number }
  /** 404: the bundle is gone; the row is kept with deleted_at. */
  | { kind: 'tombstoned'; bundleId: string; changed: boolean; eventsProcessed: number }
  /** 403: the key no longer owns it; kept, flagged, and its events closed with the reason. */
  | { kind: 'not_owned'; bundleId: string; changed: boolean; eventsProcessed: number };

export type RefreshDependencies = { db: Database; client: TokPortalClient; metrics?: Metrics };

/** Sees the API's answer before it is applied (audit compares it with the mirror as it was). */
export type AnswerInspector = (answer: ApiAnswer) => Promise<void>;

export const NOT_OWNED_REASON = 'BUNDLE_NOT_OWNED: the API key does not own this bundle';

/**
 * Fetches and applies one bundle. Shared by the queue job and `tokportal-sync sync <id>`.
 * Throws the API error for anything but 404/403 (the caller decides: retry, pause, stop).
 */
export async function refreshBundle(
  deps: RefreshDependencies,
  request: SyncBundleData,
  inspect?: AnswerInspector,
): Promise<BundleRefresh> {
  const { db, client, metrics } = deps;
  const { bundleId } = request;
  // Events received before the fetch started are answered by it; later ones have their own job.
  // The same instant orders this answer against others with the same updated_at (staleness.ts).
  const fetchStartedAt = await databaseNow(db);
  const source: ObservationSource = { source: request.reason, sourceRef: request.sourceRef ?? null, observedAt: fetchStartedAt };

  let outcome: BundleRefresh;
  try {
    const bundle = await client.getBundle(bundleId);
    await inspect?.({ kind: 'detail', bundle });
    const result = await applyBundleSnapshot(db, { kind: 'detail', bundle }, source);
    if (result.outcome === 'stale') metrics?.staleObservations.inc();
    if (result.remakeDetected) metrics?.remakesSeen.inc();
    outcome = { kind: 'applied', result, eventsProcessed: 0 };
  } catch (error) {
    if (!isTokPortalApiError(error) || (error.status !== 404 && error.status !== 403)) throw error;
    await inspect?.({ kind: 'gone', status: error.status });
    if (error.status === 404) {
      const changed = await tombstoneBundle(db, bundleId, source);
      outcome = { kind: 'tombstoned', bundleId, changed, eventsProcessed: 0 };
    } else {
      const changed = await markBundleNotOwned(db, bundleId, source);
      const events = await coveredBundleEvents(db, bundleId, fetchStartedAt);
      await markEventsStatus(
        db,
        events.map((event) => event.eventId),
        'not_applicable',
        NOT_OWNED_REASON,
      );
      observeLag(metrics, events);
      return { kind: 'not_owned', bundleId, changed, eventsProcessed: events.length };
    }
  }

  const covered = await closeBundleEvents(db, bundleId, fetchStartedAt);
  observeLag(metrics, covered);
  return { ...outcome, eventsProcessed: covered.length };
}

function observeLag(metrics: Metrics | undefined, events: CoveredEvent[]): void {
  for (const event of events) metrics?.syncLagSeconds.observe(event.waitedSeconds);
}

/** What a rolling-verification re-read found different: counted as drift, by field (it is repaired already). */
export function countDrift(metrics: Metrics, refresh: BundleRefresh): void {
  const fields =
    refresh.kind === 'applied'
      ? refresh.result.outcome === 'changed'
        ? refresh.result.changedFields
        : refresh.result.outcome === 'created'
          ? ['row']
          : []
      : refresh.changed
        ? [refresh.kind === 'tombstoned' ? 'deleted_at' : 'not_owned_at']
        : [];
  for (const field of fields) metrics.drift.inc({ field });
}

/** The queue processor for JOB.syncBundle. */
export async function processSyncBundle(job: Job, ctx: ProcessorContext): Promise<BundleRefresh> {
  const request = job.data as SyncBundleData;
  try {
    const refresh = await refreshBundle(ctx, request);
    if (request.reason === 'verify') countDrift(ctx.metrics, refresh);
    ctx.logger.debug({ jobId: job.id, bundleId: request.bundleId, kind: refresh.kind }, 'bundle synced');
    return refresh;
  } catch (error) {
    // A 429 is the queue pausing, not a failure of the bundle's events.
    if (classifyFailure(error).kind !== 'rate-limited') {
      const message = error instanceof Error ? error.message : String(error);
      await recordBundleEventsError(ctx.db, request.bundleId, message).catch((recordError: unknown) =>
        ctx.logger.warn({ bundleId: request.bundleId, err: String(recordError) }, 'could not record the error on the inbox'),
      );
    }
    throw error;
  }
}
