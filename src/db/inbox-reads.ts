// Read-only looks at the inbox (tokportal.webhook_events) for those who watch it rather than
// move it: the scrape-time gauges, `replay`'s selection, `webhooks test` waiting for its event,
// the demo counting what a step delivered. Events come in through inbox-insert.ts and move
// through their lifecycle in inbox.ts.
import { and, count, desc, eq, gt, gte, inArray, isNotNull, isNull, ne, sql } from 'drizzle-orm';
import type { Database } from './connection.js';
import { PENDING_EVENT_STATUSES } from './inbox.js';
import { webhookEvents, type WebhookEventRow } from './schema.js';

/** What the inbox gauges show: events not yet applied, not yet enqueued, and the oldest one's age. */
export type InboxSnapshot = { unprocessed: number; unenqueued: number; oldestAgeSeconds: number };

/** One statement for the three gauges; served by the partial index on open events. */
export async function readInboxSnapshot(db: Database): Promise<InboxSnapshot> {
  const [row] = await db
    .select({
      unprocessed: sql<number>`count(*)::int`,
      unenqueued: sql<number>`(count(*) filter (where ${webhookEvents.enqueuedAt} is null))::int`,
      oldestAge: sql<number>`coalesce(extract(epoch from now() - min(${webhookEvents.receivedAt})), 0)::float8`,
    })
    .from(webhookEvents)
    .where(inArray(webhookEvents.status, [...PENDING_EVENT_STATUSES]));
  return {
    unprocessed: Number(row?.unprocessed ?? 0),
    unenqueued: Number(row?.unenqueued ?? 0),
    oldestAgeSeconds: Math.max(0, Number(row?.oldestAge ?? 0)),
  };
}

/** Events in the inbox, or only those delivered at least `minDeliveries` times. */
export async function countInboxEvents(db: Database, minDeliveries = 1): Promise<number> {
  const [row] = await db
    .select({ n: count() })
    .from(webhookEvents)
    .where(minDeliveries > 1 ? gt(webhookEvents.deliveries, minDeliveries - 1) : undefined);
  return Number(row?.n ?? 0);
}

/** Which stored events a replay takes: received since a time, of one type. Rejected bodies never. */
export type ReplayFilter = { since?: Date; type?: string };

const replayable = (filter: ReplayFilter) =>
  and(
    ne(webhookEvents.status, 'rejected'),
    filter.since ? gte(webhookEvents.receivedAt, filter.since) : undefined,
    filter.type ? eq(webhookEvents.type, filter.type) : undefined,
  );

/** A bundle to refetch, with how many matching events name it and the latest one (its job's source_ref). */
export type ReplayTarget = { bundleId: string; events: number; latestEventId: string };

/** The matching events that name their bundle, one entry per bundle with its latest event. */
export async function replayableEventsByBundle(db: Database, filter: ReplayFilter): Promise<ReplayTarget[]> {
  const rows = await db
    .select({
      bundleId: webhookEvents.bundleId,
      events: sql<number>`count(*)::int`,
      latestEventId: sql<string>`(array_agg(${webhookEvents.eventId} order by ${webhookEvents.receivedAt} desc))[1]`,
    })
    .from(webhookEvents)
    .where(and(replayable(filter), isNotNull(webhookEvents.bundleId)))
    .groupBy(webhookEvents.bundleId);
  return rows.flatMap((row) => (row.bundleId ? [{ bundleId: row.bundleId, events: row.events, latestEventId: row.latestEventId }] : []));
}

export type EventWithoutBundle = { eventId: string; accountId: string | null; savedAccountId: string | null };

/** The matching events that arrived without a bundle id (account events can be traced back). */
export async function replayableEventsWithoutBundle(db: Database, filter: ReplayFilter): Promise<EventWithoutBundle[]> {
  return db
    .select({ eventId: webhookEvents.eventId, accountId: webhookEvents.accountId, savedAccountId: webhookEvents.savedAccountId })
    .from(webhookEvents)
    .where(and(replayable(filter), isNull(webhookEvents.bundleId)));
}

/**
 * The inbox row of one event, or, without an id, the newest event of `type` received since
 * `receivedSince`. Null when there is none (yet).
 */
export async function findInboxEvent(
  db: Database,
  lookup: { eventId: string } | { type: string; receivedSince: Date },
): Promise<WebhookEventRow | null> {
  const where =
    'eventId' in lookup
      ? eq(webhookEvents.eventId, lookup.eventId)
      : and(eq(webhookEvents.type, lookup.type), gte(webhookEvents.receivedAt, lookup.receivedSince));
  const [row] = await db.select().from(webhookEvents).where(where).orderBy(desc(webhookEvents.receivedAt)).limit(1);
  return row ?? null;
}
