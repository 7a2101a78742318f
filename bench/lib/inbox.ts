// Reading the webhook inbox from the benchmark: how many events still wait for their
// bundle to be refetched, and how long each waited.
import { and, count, isNotNull, isNull, sql } from 'drizzle-orm';
import type { Database } from '../../src/db/connection.js';
import { webhookEvents } from '../../src/db/schema.js';

/** Events accepted for a bundle whose refetch has not completed yet. */
export async function countUnprocessedEvents(db: Database): Promise<number> {
  const [row] = await db
    .select({ n: count() })
    .from(webhookEvents)
    .where(and(isNull(webhookEvents.processedAt), isNotNull(webhookEvents.bundleId), sql`${webhookEvents.status} in ('received', 'enqueued')`));
  return row?.n ?? 0;
}

/** received_at → processed_at of every processed event, in milliseconds. */
export async function processingLatenciesMs(db: Database): Promise<number[]> {
  const rows = await db
    .select({ ms: sql<number>`extract(epoch from (${webhookEvents.processedAt} - ${webhookEvents.receivedAt})) * 1000` })
    .from(webhookEvents)
    .where(isNotNull(webhookEvents.processedAt));
  return rows.map((row) => Number(row.ms));
}
