// The outbox relay: events committed to the inbox while Redis was unreachable have no sync
// job yet (enqueued_at is null). This loop finds them and enqueues them once Redis answers,
// backing off while it does not. Several receivers may run it at once: job deduplication
// makes a double enqueue harmless.
import type { Redis } from 'ioredis';
import type { Database } from '../db/connection.js';
import type { WebhookEventRow } from '../db/schema.js';
import { findOverdueEnqueuedEvents, findUnenqueuedEvents, markEventsEnqueued, markEventsRequeued } from '../db/inbox.js';
import type { Logger } from '../lib/logger.js';
import { isRedisReady } from '../queue/redis.js';
import { enqueueWebhookEventSyncs, type SyncQueue } from '../queue/sync-queue.js';

export type RelayOptions = {
  db: Database;
  queue: SyncQueue;
  /** The queue's producer connection, checked before each pass. */
  redis: Redis;
  logger: Logger;
  /** Pause between passes when there is nothing left (default 1 s). */
  intervalMs?: number;
  /** Longest pause after consecutive failures (default 30 s). */
  maxBackoffMs?: number;
  /** Events per pass (default 500). */
  batchSize?: number;
  /**
   * Only events older than this are relayed (default 5 s): younger ones are still being
   * enqueued by the receiver that wrote them.
   */
  graceMs?: number;
  /**
   * Events enqueued this long ago (default 10 min) that no worker has tried are enqueued
   * again: their job was lost with a Redis that kept nothing. Deduplication makes this
   * harmless when the job is in fact still waiting.
   */
  requeueAfterMs?: number;
};

export class RedisNotReadyError extends Error {
  override name = 'RedisNotReadyError';
}

export class Relay {
  /** Events enqueued by this relay since it started. */
  relayed = 0;
  /** Of those, events enqueued again because their job was lost. */
  requeued = 0;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private stopped = true;
  private failures = 0;
  private readonly intervalMs: number;
  private readonly maxBackoffMs: number;
  private readonly batchSize: number;
  private readonly graceMs: number;
  private readonly requeueAfterMs: number;

  constructor(private readonly options: RelayOptions) {
    this.intervalMs = options.intervalMs ?? 1_000;
    this.maxBackoffMs = options.maxBackoffMs ?? 30_000;
    this.batchSize = options.batchSize ?? 500;
    this.graceMs = options.graceMs ?? 5_000;
    this.requeueAfterMs = options.requeueAfterMs ?? 600_000;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.plan(0);
  }

  /** Stops the loop and waits for a pass in progress. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.running;
  }

  /**
   * One pass: enqueues up to batchSize events that have no job yet, then up to batchSize
   * whose job was lost. Throws RedisNotReadyError while Redis is down.
   */
  async runOnce(): Promise<number> {
    const { db, redis } = this.options;
    if (!isRedisReady(redis)) throw new RedisNotReadyError('redis is not ready');
    const now = Date.now();
    const unenqueued = await findUnenqueuedEvents(db, this.batchSize, { receivedBefore: new Date(now - this.graceMs) });
    await this.enqueue(unenqueued, markEventsEnqueued);
    const overdue = await findOverdueEnqueuedEvents(db, this.batchSize, new Date(now - this.requeueAfterMs));
    await this.enqueue(overdue, markEventsRequeued);
    this.requeued += overdue.length;
    this.relayed += unenqueued.length + overdue.length;
    return unenqueued.length + overdue.length;
  }

  private async enqueue(events: WebhookEventRow[], mark: (db: Database, eventIds: string[]) => Promise<void>): Promise<void> {
    if (events.length === 0) return;
    await enqueueWebhookEventSyncs(this.options.queue, events);
    await mark(
      this.options.db,
      events.map((event) => event.eventId),
    );
  }

  private plan(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.running = this.pass().finally(() => {
        this.running = null;
      });
    }, delayMs);
  }

  private async pass(): Promise<void> {
    const { logger } = this.options;
    try {
      const count = await this.runOnce();
      if (this.failures > 0) logger.info({ afterFailures: this.failures }, 'relay: queue reachable again');
      this.failures = 0;
      if (count > 0) logger.info({ count }, 'relay: enqueued events whose sync job was missing (queue unreachable, or its job lost)');
      // A full batch means more are waiting: go again at once.
      this.plan(count >= this.batchSize ? 0 : this.intervalMs);
    } catch (error) {
      this.failures += 1;
      if (this.failures === 1) {
        logger.warn({ err: error instanceof Error ? error.message : String(error) }, 'relay: cannot enqueue yet, backing off');
      }
      this.plan(Math.min(this.intervalMs * 2 ** Math.min(this.failures, 10), this.maxBackoffMs));
    }
  }
}
