// Group commit for the webhook inbox. Concurrent deliveries wait a few milliseconds (or until
// the batch is full) and go to Postgres as ONE multi-row insert, then to BullMQ as ONE bulk
// enqueue. Each request is answered only after its row is committed, so batching costs no
// durability: a 2xx always means the event is in Postgres.
// While a batch is being written the next one fills up, so batches grow with load by themselves.
//
// Rows that will get a job are inserted already marked `enqueued` when Redis is up: marking them
// afterwards was a second write of every row (an UPDATE touching every index of the inbox, as
// costly to Postgres as the insert itself). If the enqueue then fails, the marks are taken back
// so the relay enqueues those events; if the process dies between the commit and the enqueue
// (the request is then unanswered, so TokPortal retries it), the relay's lost-job sweep
// re-enqueues them like any job lost with Redis, and the scheduled reconcile remains the net.
import type { Redis } from 'ioredis';
import type { Database } from '../db/connection.js';
import { markEventsEnqueued, unmarkEventsEnqueued } from '../db/inbox.js';
import { insertInboxEvents } from '../db/inbox-insert.js';
import type { NewWebhookEventRow } from '../db/schema.js';
import type { Logger } from '../lib/logger.js';
import type { Metrics } from '../observability/metrics.js';
import { isRedisReady } from '../queue/redis.js';
import { enqueueWebhookEventSyncs, type SyncQueue } from '../queue/sync-queue.js';
import { withTimeout } from '../lib/with-timeout.js';

export type InboxWriteResult = {
  /** The event id was already in the inbox (or earlier in the same batch): no new job. */
  duplicate: boolean;
  /** A sync job was created for it now; false when none was needed or Redis was unreachable. */
  enqueued: boolean;
};

export type InboxWriterOptions = {
  db: Database;
  queue: SyncQueue;
  /** The queue's producer connection: when it is not ready, enqueueing is left to the relay at once. */
  redis: Redis;
  metrics: Metrics;
  logger: Logger;
  /** Most rows in one insert (default 500). */
  maxBatchSize?: number;
  /** How long the first row of a batch waits for company (default 2 ms). */
  maxWaitMs?: number;
  /** Inserts running at the same time (default 4): commits overlap while the next batch fills. */
  maxConcurrentBatches?: number;
  /** Bound on one bulk enqueue, so a hung Redis never hangs the webhook (default 2 s). */
  enqueueTimeoutMs?: number;
};

type Pending = { row: NewWebhookEventRow; resolve: (result: InboxWriteResult) => void; reject: (error: unknown) => void };

/** A row that asks for a sync job: new events of a known type that name a bundle. */
const wantsJob = (row: NewWebhookEventRow): boolean => (row.status ?? 'received') === 'received' && Boolean(row.bundleId);

export class InboxWriterClosedError extends Error {
  override name = 'InboxWriterClosedError';
}

export class InboxWriter {
  /** Insert statements issued, rows written and time spent per stage, for tests and the benchmark. */
  readonly stats = { batches: 0, rows: 0, largestBatch: 0, insertMs: 0, enqueueMs: 0 };
  private pending: Pending[] = [];
  private timer: NodeJS.Timeout | null = null;
  /** Batches whose insert is running: they hold a slot. */
  private readonly inserting = new Set<Promise<void>>();
  /** Batches past their insert (enqueue, answers): they hold no slot. */
  private readonly settling = new Set<Promise<void>>();
  /** Priority raises of folded jobs still running (see trackPromotions). */
  private readonly promoting = new Set<Promise<void>>();
  private closed = false;
  private enqueueWarned = false;
  private readonly maxBatchSize: number;
  private readonly maxWaitMs: number;
  private readonly maxConcurrentBatches: number;
  private readonly enqueueTimeoutMs: number;

  constructor(private readonly options: InboxWriterOptions) {
    this.maxBatchSize = options.maxBatchSize ?? 500;
    this.maxWaitMs = options.maxWaitMs ?? 2;
    this.maxConcurrentBatches = options.maxConcurrentBatches ?? 4;
    this.enqueueTimeoutMs = options.enqueueTimeoutMs ?? 2_000;
  }

  /** Rows waiting for their batch to start. */
  get waiting(): number {
    return this.pending.length;
  }

  /** Resolves once the row is committed (and its job enqueued when Redis is up); rejects if Postgres failed. */
  write(row: NewWebhookEventRow): Promise<InboxWriteResult> {
    if (this.closed) return Promise.reject(new InboxWriterClosedError('the inbox writer is closed'));
    return new Promise((resolve, reject) => {
      this.pending.push({ row, resolve, reject });
      this.schedule();
    });
  }

  /** Writes everything pending now and waits for every batch in flight. */
  async flush(): Promise<void> {
    this.clearTimer();
    while (this.pending.length > 0 || this.inserting.size > 0 || this.settling.size > 0) {
      while (this.pending.length > 0 && this.inserting.size < this.maxConcurrentBatches) this.startBatch();
      await Promise.race([...this.inserting, ...this.settling]);
    }
    await Promise.all([...this.promoting]);
  }

  /** Refuses new writes, then flushes: the last step of a graceful shutdown. */
  async close(): Promise<void> {
    this.closed = true;
    await this.flush();
  }

  private schedule(): void {
    if (this.pending.length >= this.maxBatchSize) {
      if (this.inserting.size < this.maxConcurrentBatches) {
        this.clearTimer();
        this.startBatch();
      }
      return; // full but every slot busy: a finishing insert starts the next batch
    }
    if (!this.timer && this.inserting.size < this.maxConcurrentBatches) {
      this.timer = setTimeout(() => {
        this.timer = null;
        if (this.inserting.size < this.maxConcurrentBatches) this.startBatch();
      }, this.maxWaitMs);
    }
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private startBatch(): void {
    const batch = this.pending.splice(0, this.maxBatchSize);
    if (batch.length === 0) return;
    // Decided once per batch: when Redis is down the rows stay `received` for the relay.
    if (isRedisReady(this.options.redis)) {
      const enqueuedAt = new Date();
      for (const entry of batch) if (wantsJob(entry.row)) entry.row = { ...entry.row, status: 'enqueued', enqueuedAt };
    }
    const insert = this.insert(batch);
    const slot: Promise<void> = insert.then(
      () => undefined,
      () => undefined,
    );
    this.inserting.add(slot);
    void slot.then(() => {
      this.inserting.delete(slot);
      // Rows that arrived meanwhile go out now: they already waited for this insert.
      if (this.pending.length > 0 && !this.timer) this.startBatch();
    });
    const settle = this.settle(batch, insert).finally(() => this.settling.delete(settle));
    this.settling.add(settle);
  }

  private async settle(batch: Pending[], insert: Promise<Map<Pending, boolean>>): Promise<void> {
    let outcomes: Map<Pending, boolean>;
    try {
      outcomes = await insert;
    } catch (error) {
      for (const entry of batch) entry.reject(error);
      return;
    }
    // Only rows new to the inbox that name a bundle get a job; duplicates were handled before.
    const fresh = batch.filter((entry) => outcomes.get(entry) === false);
    // Marked at insert (the usual case), or left `received` because Redis was not ready when the batch started.
    const marked = fresh.filter((entry) => entry.row.status === 'enqueued');
    const toEnqueue = marked.length > 0 ? marked : fresh.filter((entry) => wantsJob(entry.row));
    const enqueued = await this.enqueue(
      toEnqueue.map((entry) => entry.row),
      marked.length > 0,
    );
    for (const [entry, duplicate] of outcomes) {
      entry.resolve({ duplicate, enqueued: enqueued && toEnqueue.includes(entry) });
    }
  }

  /**
   * One insert for the batch. If Postgres refuses the data (not the connection), one bad row
   * must not fail its neighbours: the rows are retried one by one and only the bad one fails.
   * Returns, per entry, whether it was a duplicate.
   */
  private async insert(batch: Pending[]): Promise<Map<Pending, boolean>> {
    try {
      return await this.insertOnce(batch);
    } catch (error) {
      if (batch.length === 1 || !isDataError(error)) throw error;
      this.options.logger.warn({ err: describe(error), rows: batch.length }, 'inbox batch refused by Postgres; writing its rows one by one');
      const outcomes = new Map<Pending, boolean>();
      for (const entry of batch) {
        try {
          const single = await this.insertOnce([entry]);
          outcomes.set(entry, single.get(entry) ?? true);
        } catch (rowError) {
          entry.reject(rowError);
        }
      }
      return outcomes;
    }
  }

  private async insertOnce(batch: Pending[]): Promise<Map<Pending, boolean>> {
    const started = performance.now();
    const { inserted } = await insertInboxEvents(
      this.options.db,
      batch.map((entry) => entry.row),
    );
    this.stats.insertMs += performance.now() - started;
    this.stats.batches += 1;
    this.stats.rows += batch.length;
    this.stats.largestBatch = Math.max(this.stats.largestBatch, batch.length);
    // The entry whose row was stored for an inserted id is the new one (the first usable one,
    // else the first: see insertInboxEvents); any other entry with that id is a duplicate.
    const fresh = new Set(inserted);
    const stored = new Map<string, Pending>();
    for (const entry of batch) {
      const id = entry.row.eventId;
      if (!fresh.has(id)) continue;
      const current = stored.get(id);
      if (!current || (current.row.status === 'rejected' && entry.row.status !== 'rejected')) stored.set(id, entry);
    }
    const outcomes = new Map<Pending, boolean>();
    for (const entry of batch) outcomes.set(entry, stored.get(entry.row.eventId) !== entry);
    return outcomes;
  }

  /**
   * True when the jobs exist. Failure is not an error for the caller: the rows' `enqueued`
   * marks are taken back and the relay enqueues them once Redis answers.
   */
  private async enqueue(rows: NewWebhookEventRow[], markedAtInsert: boolean): Promise<boolean> {
    if (rows.length === 0) return false;
    const { queue, redis } = this.options;
    const eventIds = rows.map((row) => row.eventId);
    const started = performance.now();
    try {
      if (!isRedisReady(redis)) throw new Error('redis not ready');
      await withTimeout(
        enqueueWebhookEventSyncs(queue, rows, { promoteInBackground: (promotions) => this.trackPromotions(promotions) }),
        this.enqueueTimeoutMs,
        'enqueue',
      );
    } catch (error) {
      this.enqueueSkipped(describe(error));
      if (markedAtInsert) await this.unmark(eventIds);
      return false;
    }
    this.stats.enqueueMs += performance.now() - started;
    this.enqueueWarned = false;
    // Redis came back between the insert and now: mark them, or the relay enqueues them again (harmless, deduplicated).
    if (!markedAtInsert) await markEventsEnqueued(this.options.db, eventIds).catch(() => {});
    return true;
  }

  /**
   * A webhook folded into a job that was already waiting may raise that job's priority (over a
   * backfill fetch, say). The job exists either way, so the answer does not wait for it (a round
   * trip per batch under load); close() does.
   */
  private trackPromotions(promotions: Promise<unknown>): void {
    const tracked: Promise<void> = promotions
      .then(
        () => undefined,
        (error: unknown) => this.options.logger.warn({ err: describe(error) }, 'could not raise the priority of a waiting sync job'),
      )
      .finally(() => this.promoting.delete(tracked));
    this.promoting.add(tracked);
  }

  /** Hands events marked `enqueued` at insert back to the relay; if even that fails, its lost-job sweep finds them. */
  private async unmark(eventIds: string[]): Promise<void> {
    try {
      await unmarkEventsEnqueued(this.options.db, eventIds);
    } catch (error) {
      this.options.logger.error(
        { err: describe(error), events: eventIds.length },
        'enqueue failed and the inbox could not be updated: the relay will re-enqueue these events after its lost-job delay',
      );
    }
  }

  /** An enqueue that did not happen: counted, and reported once per outage. */
  private enqueueSkipped(reason: string): void {
    this.options.metrics.enqueueFailures.inc();
    this.warnEnqueue(reason);
  }

  private warnEnqueue(reason: string): void {
    if (this.enqueueWarned) return; // one line per outage, not one per batch
    this.enqueueWarned = true;
    this.options.logger.warn({ reason }, 'enqueue failed: events are committed in the inbox and the relay will enqueue them');
  }
}

/** A Postgres SQLSTATE outside the connection/resource classes: the data, not the server, is the problem. */
export function isDataError(error: unknown): boolean {
  for (let current: unknown = error, depth = 0; current && depth < 5; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) {
      return !/^(08|53|54|55|57|58|XX)/.test(code);
    }
    current = (current as { cause?: unknown }).cause;
  }
  return false;
}

const describe = (error: unknown): string => (error instanceof Error ? error.message : String(error));
