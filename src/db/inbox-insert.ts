// The receiver's write into the inbox (tokportal.webhook_events): a batch of accepted deliveries
// in one statement, each event id stored once however often it is delivered. The hot path of
// the receiver, so the statement text is built once at load and only its parameter changes.
import { and, eq, getTableColumns, is, SQL, sql } from 'drizzle-orm';
import { PgDialect } from 'drizzle-orm/pg-core';
import { replaceLoneSurrogates } from '../lib/lone-surrogates.js';
import { executePrepared, type Database } from './connection.js';
import { webhookEvents, type NewWebhookEventRow } from './schema.js';

/**
 * Inserts a batch of events in ONE multi-row statement. An id already in the inbox (or
 * repeated inside the batch) is a duplicate delivery: its row only gets `deliveries` bumped.
 * `inserted` lists ids new to the inbox; `duplicates` lists one entry per duplicate delivery.
 */
export async function insertInboxEvents(
  db: Database,
  rows: NewWebhookEventRow[],
): Promise<{ inserted: string[]; duplicates: string[] }> {
  // Postgres refuses to touch one row twice in a statement, so repeats in the batch are
  // folded into the first occurrence and reported as duplicates here.
  // A usable delivery outranks a rejected one of the same id (see replaceRejectedEvents).
  const firstById = new Map<string, NewWebhookEventRow>();
  const repeated: string[] = [];
  for (const row of rows) {
    const first = firstById.get(row.eventId);
    if (first) {
      const deliveries = (first.deliveries ?? 1) + (row.deliveries ?? 1);
      if (isRejected(first) && !isRejected(row)) firstById.set(row.eventId, { ...row, deliveries });
      else first.deliveries = deliveries;
      repeated.push(row.eventId);
    } else {
      firstById.set(row.eventId, { ...row });
    }
  }
  if (firstById.size === 0) return { inserted: [], duplicates: [] };

  // The whole batch is ONE jsonb parameter unpacked by jsonb_to_recordset: the statement text is
  // the same for every batch size and is rendered once, where drizzle used to build rows × columns
  // parameters per batch (the receiver's largest CPU cost after the request object itself).
  // Still a parameterised statement: no value is ever spliced into the SQL.
  // Prepared: the text never changes, so each connection parses it once and a batch costs one round trip.
  const batch = JSON.stringify([...firstById.values()].map(inboxRecord));
  const results = (await executePrepared(db, INSERT_INBOX_TEXT, [batch])) as { event_id: string; inserted: boolean }[];

  const inserted: string[] = [];
  let duplicates: string[] = [];
  for (const row of results) (row.inserted ? inserted : duplicates).push(row.event_id);
  const replaced = await replaceRejectedEvents(
    db,
    duplicates.flatMap((id) => {
      const row = firstById.get(id);
      return row && !isRejected(row) ? [row] : [];
    }),
  );
  if (replaced.size > 0) {
    inserted.push(...replaced);
    duplicates = duplicates.filter((id) => !replaced.has(id));
  }
  return { inserted, duplicates: [...duplicates, ...repeated] };
}

const isRejected = (row: NewWebhookEventRow): boolean => row.status === 'rejected';

/**
 * A usable delivery of an event id first stored as rejected (its body was cut, or its headers
 * disagreed with it) takes the rejected row's place and is processed: answering it "duplicate"
 * would make TokPortal stop retrying and lose the change. Only rejected rows are replaced, each
 * by one conditional UPDATE, so two such deliveries racing replace it once. Rare by nature: it
 * runs only for duplicates of usable deliveries.
 */
async function replaceRejectedEvents(db: Database, rows: NewWebhookEventRow[]): Promise<Set<string>> {
  const replaced = new Set<string>();
  for (const row of rows) {
    const updated = await db
      .update(webhookEvents)
      .set({
        type: row.type,
        apiVersion: row.apiVersion ?? null,
        bundleId: row.bundleId ?? null,
        accountId: row.accountId ?? null,
        savedAccountId: row.savedAccountId ?? null,
        payload: row.payload ?? null,
        rawBody: null,
        status: row.status ?? 'received',
        statusReason: row.statusReason ?? null,
        eventCreatedAt: row.eventCreatedAt ?? null,
        // Received now: a fetch that started before this delivery must not count as covering it.
        receivedAt: sql`now()`,
        enqueuedAt: null,
        processedAt: null,
        attempts: 0,
        lastError: null,
      })
      .where(and(eq(webhookEvents.eventId, row.eventId), eq(webhookEvents.status, 'rejected')))
      .returning({ eventId: webhookEvents.eventId });
    if (updated.length > 0) replaced.add(row.eventId);
  }
  return replaced;
}

// Built once from the Drizzle schema, so a column added there is inserted here too. The text
// around the batch parameter is rendered to SQL once: per batch only the parameter changes.
const INBOX_COLUMNS = Object.entries(getTableColumns(webhookEvents));
const staticSql = (query: SQL): string => {
  const { sql: text, params } = new PgDialect().sqlToQuery(query);
  if (params.length > 0) throw new Error('inbox insert: the static SQL must carry no parameters');
  return text;
};
/** A schema default as SQL: `now()` stays SQL, a constant ('received', 1, 0) becomes its literal. */
const defaultSql = (value: unknown): SQL => {
  if (is(value, SQL)) return value;
  if (typeof value === 'number' && Number.isFinite(value)) return sql.raw(String(value));
  if (typeof value === 'string') return sql.raw(`'${value.replaceAll("'", "''")}'`);
  throw new Error(`inbox insert: unsupported column default ${String(value)}`);
};
// A value left out (undefined or null) takes the column's default, as in a Drizzle insert.
const INSERT_INBOX_HEAD = staticSql(sql`insert into ${webhookEvents} (${sql.join(
  INBOX_COLUMNS.map(([, column]) => sql.identifier(column.name)),
  sql`, `,
)}) select ${sql.join(
  INBOX_COLUMNS.map(([, column]) => {
    const value = sql`r.${sql.identifier(column.name)}`;
    return column.hasDefault ? sql`coalesce(${value}, ${defaultSql(column.default)})` : value;
  }),
  sql`, `,
)} from jsonb_to_recordset(`);
const INSERT_INBOX_TAIL = staticSql(sql`::jsonb) as r(${sql.raw(INBOX_COLUMNS.map(([, column]) => `"${column.name}" ${column.getSQLType()}`).join(', '))})
  on conflict (${sql.identifier(webhookEvents.eventId.name)}) do update
    set ${sql.identifier(webhookEvents.deliveries.name)} = ${webhookEvents.deliveries} + excluded.${sql.identifier(webhookEvents.deliveries.name)}
  -- xmax is 0 only for a row this statement inserted (an update stamps our transaction id).
  returning ${webhookEvents.eventId} as event_id, (xmax = 0) as inserted`);
/** The whole statement; its one parameter ($1) is the batch as a JSON array. */
const INSERT_INBOX_TEXT = `${INSERT_INBOX_HEAD}$1${INSERT_INBOX_TAIL}`;

/** One row as the JSON object jsonb_to_recordset reads: column names as keys, absent values left out. */
function inboxRecord(row: NewWebhookEventRow): Record<string, unknown> {
  const record: Record<string, unknown> = {};
  for (const [key, column] of INBOX_COLUMNS) {
    const value = (row as Record<string, unknown>)[key];
    if (value === undefined || value === null) continue;
    // A text parameter turned a lone UTF-16 surrogate into U+FFFD on the way out; JSON would carry
    // it as an escape Postgres refuses. Payloads were checked for this before (parse-delivery.ts).
    record[column.name] = typeof value === 'string' ? replaceLoneSurrogates(value) : value;
  }
  return record;
}
