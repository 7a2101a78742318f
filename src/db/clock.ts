// The database's clock. Inbox times (received_at) are stamped by Postgres, so anything compared
// with them must come from the same clock: a skewed worker host must not mark an event
// processed by a fetch that started before the event arrived.
import { sql } from 'drizzle-orm';
import type { Database } from './connection.js';
import { rowsOf } from './result-rows.js';

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
