// Reads of the inbox the sync-bundle job needs beyond src/db/inbox.ts: which pending events
// of a bundle a fetch covers, and how long they waited. Times come from the database clock,
// the same clock that stamped received_at, so a skewed worker host cannot mark an event
// processed by a fetch that started before it arrived.
import { and, eq, inArray, lte, sql } from 'drizzle-orm';
import type { Database } from '../db/connection.js';
import { PENDING_EVENT_STATUSES, type CoveredEvent } from '../db/inbox.js';
import { rowsOf } from '../db/reports.js';
import { webhookEvents } from '../db/schema.js';

/**
 * Now, on the database's clock, floored to the millisecond (a Date's precision): an event
 * received in that same millisecond is left to its own job rather than assumed covered.
 */
export async function databaseNow(db: Database): Promise<Date> {
  const [row] = rowsOf(await db.execute(sql`select (extract(epoch from clock_timestamp()) * 1000)::float8 as ms`));
  const ms = Number(row?.ms);
  if (!Number.isFinite(ms)) throw new Error('the database returned no clock_timestamp()');
  return new Date(Math.floor(ms));
}

/** A pending event of the bundle and its wait so far (the shape closeBundleEvents returns). */
export type PendingEvent = CoveredEvent;

/** The bundle's events still pending that were received up to `receivedUpTo`, with their wait so far. */
export async function pendingBundleEvents(db: Database, bundleId: string, receivedUpTo: Date): Promise<PendingEvent[]> {
  const rows = await db
    .select({
      eventId: webhookEvents.eventId,
      waitedSeconds: sql<number>`extract(epoch from clock_timestamp() - ${webhookEvents.receivedAt})::float8`,
    })
    .from(webhookEvents)
    .where(
      and(
        eq(webhookEvents.bundleId, bundleId),
        inArray(webhookEvents.status, [...PENDING_EVENT_STATUSES]),
        lte(webhookEvents.receivedAt, receivedUpTo),
      ),
    );
  return rows.map((row) => ({ eventId: row.eventId, waitedSeconds: Math.max(0, Number(row.waitedSeconds)) }));
}
