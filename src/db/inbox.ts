// The webhook inbox (tokportal.webhook_events): every delivery we accepted, keyed by
// TokPortal's event id, so a retry of the same event is recognised and never processed twice.
// Life of an event: received → enqueued (a sync job exists) → processed (a worker applied a
// fetch that started after it arrived). Side exits: ignored (unknown type), not_applicable
// (no bundle to sync), rejected (valid signature, unusable body).
import { and, asc, desc, eq, getTableColumns, inArray, is, isNotNull, isNull, lt, lte, or, SQL, sql } from 'drizzle-orm';
import { PgDialect } from 'drizzle-orm/pg-core';
import type { Database } from './connection.js';
import { bundleAccounts, bundles, webhookEvents, type NewWebhookEventRow, type WebhookEventRow } from './schema.js';

export type InboxEventStatus = 'received' | 'enqueued' | 'processed' | 'ignored' | 'not_applicable' | 'rejected';

/** Events still waiting for a worker to apply their bundle. */
export const PENDING_EVENT_STATUSES = ['received', 'enqueued'] as const satisfies readonly InboxEventStatus[];

/** Bounds the text stored in last_error / status_reason. */
const MAX_REASON_LENGTH = 2_000;
const clip = (text: string): string => (text.length > MAX_REASON_LENGTH ? `${text.slice(0, MAX_REASON_LENGTH)}…` : text);

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
  const batch = JSON.stringify([...firstById.values()].map(inboxRecord));
  const result = await db.execute(sql`${INSERT_INBOX_HEAD}${batch}${INSERT_INBOX_TAIL}`);
  const results = (Array.isArray(result) ? result : ((result as { rows?: unknown[] }).rows ?? [])) as { event_id: string; inserted: boolean }[];

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
const staticSql = (query: SQL) => {
  const { sql: text, params } = new PgDialect().sqlToQuery(query);
  if (params.length > 0) throw new Error('inbox insert: the static SQL must carry no parameters');
  return sql.raw(text);
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

/** One row as the JSON object jsonb_to_recordset reads: column names as keys, absent values left out. */
function inboxRecord(row: NewWebhookEventRow): Record<string, unknown> {
  const record: Record<string, unknown> = {};
  for (const [key, column] of INBOX_COLUMNS) {
    const value = (row as Record<string, unknown>)[key];
    if (value === undefined || value === null) continue;
    // A text parameter turned a lone UTF-16 surrogate into U+FFFD on the way out; JSON would carry
    // it as an escape Postgres refuses. Payloads were checked for this before (delivery.ts).
    record[column.name] = typeof value === 'string' && LONE_SURROGATES.test(value) ? value.replace(LONE_SURROGATES_ALL, '\uFFFD') : value;
  }
  return record;
}

const LONE_SURROGATES = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const LONE_SURROGATES_ALL = new RegExp(LONE_SURROGATES.source, 'g');

/** The relay and the receiver call this once the sync jobs of these events exist. */
export async function markEventsEnqueued(db: Database, eventIds: string[]): Promise<void> {
  if (eventIds.length === 0) return;
  await db
    .update(webhookEvents)
    .set({ enqueuedAt: sql`now()`, status: sql`case when ${webhookEvents.status} = 'received' then 'enqueued' else ${webhookEvents.status} end` })
    .where(and(inArray(webhookEvents.eventId, eventIds), isNull(webhookEvents.enqueuedAt)));
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

/** An inbox event a fetch covered, with how long it waited for it (the sync-lag metric). */
export type CoveredEvent = { eventId: string; waitedSeconds: number };

/**
 * A worker applied a fetch of this bundle that started at `receivedUpTo`: every pending
 * event of the bundle received before then is covered by it. One statement marks them and
 * says how long each waited, so no event is counted that another worker marked meanwhile.
 */
export async function closeBundleEvents(db: Database, bundleId: string, receivedUpTo: Date): Promise<CoveredEvent[]> {
  const rows = await db
    .update(webhookEvents)
    .set({ status: 'processed', processedAt: sql`now()`, lastError: null })
    .where(
      and(
        eq(webhookEvents.bundleId, bundleId),
        inArray(webhookEvents.status, [...PENDING_EVENT_STATUSES]),
        lte(webhookEvents.receivedAt, receivedUpTo),
      ),
    )
    .returning({
      eventId: webhookEvents.eventId,
      waitedSeconds: sql<number>`extract(epoch from clock_timestamp() - ${webhookEvents.receivedAt})::float8`,
    });
  return rows.map((row) => ({ eventId: row.eventId, waitedSeconds: Math.max(0, Number(row.waitedSeconds)) }));
}

/** closeBundleEvents, counting what it marked. */
export async function markBundleEventsProcessed(db: Database, bundleId: string, receivedUpTo: Date): Promise<number> {
  return (await closeBundleEvents(db, bundleId, receivedUpTo)).length;
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
