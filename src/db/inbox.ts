// The webhook inbox (tokportal.webhook_events): every delivery we accepted, keyed by
// TokPortal's event id, so a retry of the same event is recognised and never processed twice.
// Life of an event: received → enqueued (a sync job exists) → processed (a worker applied a
// fetch that started after it arrived). Side exits: ignored (unknown type), not_applicable
// (no bundle to sync), rejected (valid signature, unusable body). Events come in through
// inbox-insert.ts; read-only looks for operators are in inbox-reads.ts.
import { and, asc, desc, eq, inArray, isNotNull, isNull, lt, lte, or, sql } from 'drizzle-orm';
import type { Database } from './connection.js';
import { bundleAccounts, bundles, webhookEvents, type WebhookEventRow } from './schema.js';

export type InboxEventStatus = 'received' | 'enqueued' | 'processed' | 'ignored' | 'not_applicable' | 'rejected';

/** Events still waiting for a worker to apply their bundle. */
export const PENDING_EVENT_STATUSES = ['received', 'enqueued'] as const satisfies readonly InboxEventStatus[];

/** Bounds the text stored in last_error / status_reason. */
const MAX_REASON_LENGTH = 2_000;
const clip = (text: string): string => (text.length > MAX_REASON_LENGTH ? `${text.slice(0, MAX_REASON_LENGTH)}…` : text);

/** The relay and the receiver call this once the sync jobs of these events exist. */
export async function markEventsEnqueued(db: Database, eventIds: string[]): Promise<void> {
  if (eventIds.length === 0) return;
  await db
    .update(webhookEvents)
    .set({ enqueuedAt: sql`now()`, status: sql`case when ${webhookEvents.status} = 'received' then 'enqueued' else ${webhookEvents.status} end` })
    .where(and(inArray(webhookEvents.eventId, eventIds), isNull(webhookEvents.enqueuedAt)));
}

/**
 * The receiver inserts events it is about to enqueue already marked `enqueued`; when the enqueue
 * fails it hands them back to the relay with this (only rows no worker has closed meanwhile).
 */
export async function unmarkEventsEnqueued(db: Database, eventIds: string[]): Promise<void> {
  if (eventIds.length === 0) return;
  await db
    .update(webhookEvents)
    .set({ enqueuedAt: null, status: 'received' })
    .where(and(inArray(webhookEvents.eventId, eventIds), eq(webhookEvents.status, 'enqueued')));
}

/**
 * Committed events whose sync job was never created (Redis was down), oldest first.
 * `receivedBefore` lets the relay skip events the receiver is enqueueing right now.
 */
export async function findUnenqueuedEvents(
  db: Database,
  limit: number,
  options: { receivedBefore?: Date } = {},
): Promise<WebhookEventRow[]> {
  return db
    .select()
    .from(webhookEvents)
    .where(
      and(
        isNull(webhookEvents.enqueuedAt),
        eq(webhookEvents.status, 'received'),
        isNotNull(webhookEvents.bundleId),
        options.receivedBefore ? lt(webhookEvents.receivedAt, options.receivedBefore) : undefined,
      ),
    )
    .orderBy(asc(webhookEvents.receivedAt))
    .limit(limit);
}

/**
 * Events enqueued long ago that no worker has applied or even tried (no last_error): their job
 * was lost, e.g. Redis restarted without persistence. A job that ran and failed is left to
 * the failed set and `replay --failed`, so a broken bundle is not retried forever.
 */
export async function findOverdueEnqueuedEvents(db: Database, limit: number, enqueuedBefore: Date): Promise<WebhookEventRow[]> {
  return db
    .select()
    .from(webhookEvents)
    .where(
      and(
        eq(webhookEvents.status, 'enqueued'),
        isNull(webhookEvents.lastError),
        isNotNull(webhookEvents.bundleId),
        lt(webhookEvents.enqueuedAt, enqueuedBefore),
      ),
    )
    .orderBy(asc(webhookEvents.enqueuedAt))
    .limit(limit);
}

/** Restarts the overdue clock of events whose job was just created again. */
export async function markEventsRequeued(db: Database, eventIds: string[]): Promise<void> {
  if (eventIds.length === 0) return;
  await db
    .update(webhookEvents)
    .set({ enqueuedAt: sql`now()` })
    .where(and(inArray(webhookEvents.eventId, eventIds), eq(webhookEvents.status, 'enqueued')));
}

/** An inbox event a fetch covers, with how long it has waited for it (the sync-lag metric). */
export type CoveredEvent = { eventId: string; waitedSeconds: number };

/**
 * The events a fetch of this bundle that started at `receivedUpTo` answers: still pending, and
 * received before the fetch started (a later one has its own job).
 */
const coveredBy = (bundleId: string, receivedUpTo: Date) =>
  and(
    eq(webhookEvents.bundleId, bundleId),
    inArray(webhookEvents.status, [...PENDING_EVENT_STATUSES]),
    lte(webhookEvents.receivedAt, receivedUpTo),
  );

/** Seconds since the event arrived, on the database clock that stamped received_at. */
const waitedSeconds = sql<number>`extract(epoch from clock_timestamp() - ${webhookEvents.receivedAt})::float8`;

const toCovered = (row: { eventId: string; waitedSeconds: number }): CoveredEvent => ({
  eventId: row.eventId,
  waitedSeconds: Math.max(0, Number(row.waitedSeconds)),
});

/** The events a fetch covers, left pending (the caller gives them another status). */
export async function coveredBundleEvents(db: Database, bundleId: string, receivedUpTo: Date): Promise<CoveredEvent[]> {
  const rows = await db
    .select({ eventId: webhookEvents.eventId, waitedSeconds })
    .from(webhookEvents)
    .where(coveredBy(bundleId, receivedUpTo));
  return rows.map(toCovered);
}

/**
 * A worker applied a fetch of this bundle that started at `receivedUpTo`: the events it covers
 * are processed. One statement marks them and says how long each waited, so no event is
 * counted that another worker marked meanwhile.
 */
export async function closeBundleEvents(db: Database, bundleId: string, receivedUpTo: Date): Promise<CoveredEvent[]> {
  const rows = await db
    .update(webhookEvents)
    .set({ status: 'processed', processedAt: sql`now()`, lastError: null })
    .where(coveredBy(bundleId, receivedUpTo))
    .returning({ eventId: webhookEvents.eventId, waitedSeconds });
  return rows.map(toCovered);
}

/** A sync attempt for this bundle failed: count it on its pending events, keep the last error. */
export async function recordBundleEventsError(db: Database, bundleId: string, error: string): Promise<void> {
  await db
    .update(webhookEvents)
    .set({ attempts: sql`${webhookEvents.attempts} + 1`, lastError: clip(error) })
    .where(and(eq(webhookEvents.bundleId, bundleId), inArray(webhookEvents.status, [...PENDING_EVENT_STATUSES])));
}

export async function markEventsStatus(
  db: Database,
  eventIds: string[],
  status: 'ignored' | 'not_applicable',
  reason: string,
): Promise<void> {
  if (eventIds.length === 0) return;
  await db
    .update(webhookEvents)
    .set({ status, statusReason: clip(reason) })
    .where(inArray(webhookEvents.eventId, eventIds));
}

/**
 * Finds the bundle an account event belongs to when the event carries no bundle id:
 * first the mirror (current account, then any past incarnation), then earlier events
 * that named both the account and its bundle.
 */
export async function resolveBundleIdForAccount(
  db: Database,
  ids: { savedAccountId?: string | null; accountListingId?: string | null },
): Promise<string | null> {
  const saved = ids.savedAccountId ?? null;
  const listing = ids.accountListingId ?? null;
  if (!saved && !listing) return null;

  const current = await db
    .select({ bundleId: bundles.bundleId })
    .from(bundles)
    .where(
      or(
        saved ? eq(bundles.savedAccountId, saved) : undefined,
        listing ? eq(bundles.accountListingId, listing) : undefined,
      ),
    )
    // A saved account can move between bundles only through history; prefer the live one.
    .orderBy(sql`${bundles.deletedAt} is not null`, desc(bundles.apiUpdatedAt))
    .limit(1);
  if (current[0]) return current[0].bundleId;

  if (saved) {
    const past = await db
      .select({ bundleId: bundleAccounts.bundleId })
      .from(bundleAccounts)
      .where(eq(bundleAccounts.savedAccountId, saved))
      .orderBy(desc(bundleAccounts.lastSeenAt))
      .limit(1);
    if (past[0]) return past[0].bundleId;
  }

  const earlier = await db
    .select({ bundleId: webhookEvents.bundleId })
    .from(webhookEvents)
    .where(
      and(
        isNotNull(webhookEvents.bundleId),
        or(
          saved ? eq(webhookEvents.savedAccountId, saved) : undefined,
          listing ? eq(webhookEvents.accountId, listing) : undefined,
        ),
      ),
    )
    .orderBy(desc(webhookEvents.receivedAt))
    .limit(1);
  return earlier[0]?.bundleId ?? null;
}
