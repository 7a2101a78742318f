// Group commit for the webhook inbox. Concurrent deliveries wait a few milliseconds (or until
// the batch is full) and go to Postgres as ONE multi-row insert, then to BullMQ as ONE bulk
// enqueue. Each request is answered only after its row is committed, so batching costs no
// durability: a 2xx always means the event is in Postgres.
// While a batch is being written the next one fills up, so batches grow with load by themselves.
import type { Redis } from 'ioredis';
import type { Database } from '../db/connection.js';
import { insertInboxEvents } from '../db/inbox-insert.js';
import type { NewWebhookEventRow } from '../db/schema.js';
import type { Logger } from '../lib/logger.js';
import type { Metrics } from '../observability/metrics.js';
import { isRedisReady } from '../queue/redis.js';
import { enqueueWebhookEventSyncs, type SyncQueue } from '../queue/sync-queue.js';
import { withTimeout } from '../lib/with-timeout.js';
import { EnqueueMarks } from './enqueue-marks.js';

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
  private readonly marks: EnqueueMarks;
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
    this.marks = new EnqueueMarks(options.db, options.logger);
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

  /** Writes everything pending now and waits for every batch in flight and every enqueue mark. */
  async flush(): Promise<void> {
    this.clearTimer();
    while (this.pending.length > 0 || this.inserting.size > 0 || this.settling.size > 0) {
      while (this.pending.length > 0 && this.inserting.size < this.maxConcurrentBatches) this.startBatch();
      await Promise.race([...this.inserting, ...this.settling]);
    }
    await this.marks.flush();
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
    const toEnqueue = batch.filter(
      (entry) => outcomes.get(entry) === false && (entry.row.status ?? 'received') === 'received' && entry.row.bundleId,
    );
    const enqueued = await this.enqueue(toEnqueue.map((entry) => entry.row));
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

  /** True when the jobs exist. Failure is not an error for the caller: the relay catches up. */
  private async enqueue(rows: NewWebhookEventRow[]): Promise<boolean> {
    if (rows.length === 0) return false;
    const { queue, redis, metrics } = this.options;
    if (!isRedisReady(redis)) {
      metrics.enqueueFailures.inc();
      this.warnEnqueue('redis not ready');
      return false;
    }
    const started = performance.now();
    try {
      await withTimeout(enqueueWebhookEventSyncs(queue, rows), this.enqueueTimeoutMs, 'enqueue');
    } catch (error) {
      metrics.enqueueFailures.inc();
      this.warnEnqueue(describe(error));
      return false;
    }
    this.stats.enqueueMs += performance.now() - started;
    this.enqueueWarned = false;
    this.marks.add(rows.map((row) => row.eventId));
    return true;
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
