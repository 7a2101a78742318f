// Signed webhook delivery with TokPortal's behaviour: retries with exponential backoff on
// non-2xx or timeout, a delivery log, and the faults a receiver must survive: duplicates,
// drops (logged as failed so a `recover` can re-send them), delays, reordering, and a
// manual mode that holds everything until flush().
import { setMaxListeners } from 'node:events';
import type { PendingEvent } from './model.js';
import { opaqueId, shuffle } from './random.js';
import { createWebhookAgents, postSignedWebhook } from './webhook-post.js';
import type { WebhookEndpointRecord, WebhookEndpointRegistry } from './webhook-endpoints.js';

export const API_VERSION = '2026-05-25';

export type DeliverySettings = {
  duplicateRate: number;
  dropRate: number;
  minDelayMs: number;
  maxDelayMs: number;
  reorder: boolean;
  maxAttempts: number;
  retryBaseMs: number;
  manual: boolean;
  /** Per attempt; a slower receiver counts as a failed attempt. */
  timeoutMs: number;
  /** Parallel POSTs at most, so a burst of 20,000 events does not open 20,000 sockets. */
  concurrency: number;
};

export const DEFAULT_DELIVERY: DeliverySettings = {
  duplicateRate: 0,
  dropRate: 0,
  minDelayMs: 0,
  maxDelayMs: 0,
  reorder: false,
  maxAttempts: 5,
  retryBaseMs: 2_000,
  manual: false,
  timeoutMs: 10_000,
  concurrency: 16,
};

export type EventEnvelope = { id: string; type: string; api_version: string; created_at: string; data: Record<string, unknown> };

type DeliveryState = 'held' | 'scheduled' | 'queued' | 'sending' | 'delivered' | 'failed';

export type DeliveryRecord = {
  id: string;
  endpointId: string;
  event: EventEnvelope;
  body: string;
  state: DeliveryState;
  attempts: number;
  statusCode: number | null;
  error: string | null;
  createdAt: string;
  lastAttemptAt: string | null;
  nextAttemptAt: string | null;
  timer: NodeJS.Timeout | null;
};

export type DeliveryCounters = { sent: number; failed: number };

export class WebhookDispatcher {
  settings: DeliverySettings;
  readonly counters: DeliveryCounters = { sent: 0, failed: 0 };
  private readonly deliveries = new Map<string, DeliveryRecord>();
  private readonly byEndpoint = new Map<string, DeliveryRecord[]>();
  /** Deliveries not final yet, so stats and flush never scan the whole log. */
  private readonly pending = new Set<DeliveryRecord>();
  private readonly ready: DeliveryRecord[] = [];
  private readonly inFlight = new Set<Promise<void>>();
  private active = 0;
  private drainScheduled = false;
  private readonly closing = new AbortController();
  private readonly agents = createWebhookAgents();

  constructor(
    private readonly endpoints: WebhookEndpointRegistry,
    private readonly now: () => string,
    settings: Partial<DeliverySettings> = {},
  ) {
    this.settings = { ...DEFAULT_DELIVERY, ...settings };
    // Every POST in flight listens to the close signal: as many listeners as the concurrency allows.
    setMaxListeners(0, this.closing.signal);
  }

  /** Builds the envelopes and queues one delivery per subscribed endpoint. */
  emit(owner: string, events: readonly PendingEvent[]): EventEnvelope[] {
    return events.map((event) => {
      const envelope: EventEnvelope = {
        id: opaqueId('evt_'),
        type: event.type,
        api_version: API_VERSION,
        created_at: this.now(),
        data: event.data,
      };
      for (const endpoint of this.endpoints.subscribers(owner, event.type)) this.route(this.record(endpoint, envelope));
      return envelope;
    });
  }

  /** POST /webhooks/:id/test: sent at once, whatever the fault settings, and awaited. */
  async sendTest(endpoint: WebhookEndpointRecord): Promise<DeliveryRecord> {
    const envelope: EventEnvelope = {
      id: opaqueId('evt_'),
      type: 'webhook.test',
      api_version: API_VERSION,
      created_at: this.now(),
      data: { webhook_id: endpoint.id, message: 'This is a test event from TokPortal.' },
    };
    const delivery = this.record(endpoint, envelope);
    await this.track(this.attempt(delivery, false));
    return delivery;
  }

  /** Re-sends one delivery now: same event id and body, fresh signature. */
  async retry(delivery: DeliveryRecord): Promise<DeliveryRecord> {
    this.cancelTimer(delivery);
    await this.track(this.attempt(delivery, false));
    return delivery;
  }

  get(id: string): DeliveryRecord | undefined {
    return this.deliveries.get(id);
  }

  forEndpoint(endpointId: string): readonly DeliveryRecord[] {
    return this.byEndpoint.get(endpointId) ?? [];
  }

  pendingCount(): number {
    return this.pending.size;
  }

  /** Sends everything held or waiting (delays, backoffs) now, and resolves when no POST is in flight. */
  async flush(): Promise<void> {
    const waiting = [...this.pending].filter((d) => d.state === 'held' || d.state === 'scheduled');
    for (const delivery of this.settings.reorder ? shuffle(waiting) : waiting) {
      this.cancelTimer(delivery);
      this.enqueue(delivery);
    }
    this.drain();
    while (this.inFlight.size > 0 || this.ready.length > 0) {
      this.drain();
      await Promise.all([...this.inFlight]);
    }
  }

  async close(): Promise<void> {
    for (const delivery of this.pending) this.cancelTimer(delivery);
    this.ready.length = 0;
    this.closing.abort();
    await Promise.allSettled([...this.inFlight]);
    this.agents.destroy();
  }

  private setState(delivery: DeliveryRecord, state: DeliveryState): void {
    delivery.state = state;
    if (state === 'delivered' || state === 'failed') this.pending.delete(delivery);
    else this.pending.add(delivery);
  }

  private record(endpoint: WebhookEndpointRecord, event: EventEnvelope): DeliveryRecord {
    const delivery: DeliveryRecord = {
      id: opaqueId('dlv_', 10),
      endpointId: endpoint.id,
      event,
      body: JSON.stringify(event),
      state: 'held',
      attempts: 0,
      statusCode: null,
      error: null,
      createdAt: this.now(),
      lastAttemptAt: null,
      nextAttemptAt: null,
      timer: null,
    };
    this.deliveries.set(delivery.id, delivery);
    this.pending.add(delivery);
    const list = this.byEndpoint.get(endpoint.id) ?? [];
    list.push(delivery);
    this.byEndpoint.set(endpoint.id, list);
    return delivery;
  }

  private route(delivery: DeliveryRecord): void {
    const { dropRate, manual, minDelayMs, maxDelayMs } = this.settings;
    if (dropRate > 0 && Math.random() < dropRate) {
      // Lost on TokPortal's side: logged as a failed attempt, so the delivery log shows it for a retry.
      delivery.attempts = 1;
      delivery.lastAttemptAt = this.now();
      delivery.error = 'dropped (fault injection)';
      this.setState(delivery, 'failed');
      this.counters.failed++;
      return;
    }
    if (manual) {
      this.setState(delivery, 'held');
      return;
    }
    const delay = minDelayMs + Math.random() * Math.max(0, maxDelayMs - minDelayMs);
    if (delay >= 1) this.schedule(delivery, delay);
    else this.enqueue(delivery);
  }

  private schedule(delivery: DeliveryRecord, delayMs: number): void {
    this.setState(delivery, 'scheduled');
    delivery.nextAttemptAt = new Date(Date.now() + delayMs).toISOString();
    delivery.timer = setTimeout(() => {
      delivery.timer = null;
      this.enqueue(delivery);
    }, delayMs);
    delivery.timer.unref();
  }

  private cancelTimer(delivery: DeliveryRecord): void {
    if (delivery.timer) clearTimeout(delivery.timer);
    delivery.timer = null;
  }

  private enqueue(delivery: DeliveryRecord): void {
    this.setState(delivery, 'queued');
    this.ready.push(delivery);
    if (!this.drainScheduled) {
      // Events emitted in the same tick form one batch, which `reorder` shuffles.
      this.drainScheduled = true;
      setImmediate(() => {
        this.drainScheduled = false;
        this.drain();
      });
    }
  }

  private drain(): void {
    if (this.settings.reorder && this.ready.length > 1) shuffle(this.ready);
    while (this.active < this.settings.concurrency && this.ready.length > 0) {
      const delivery = this.ready.shift()!;
      this.active++;
      void this.track(
        this.attempt(delivery, true).finally(() => {
          this.active--;
          this.drain();
        }),
      );
    }
  }

  private track(work: Promise<void>): Promise<void> {
    this.inFlight.add(work);
    return work.finally(() => this.inFlight.delete(work));
  }

  /** One attempt (plus an injected duplicate); on failure, a backoff retry while attempts remain. */
  private async attempt(delivery: DeliveryRecord, mayRetry: boolean): Promise<void> {
    const endpoint = this.endpoints.byId(delivery.endpointId);
    if (!endpoint || this.closing.signal.aborted) {
      this.setState(delivery, 'failed');
      delivery.error = endpoint ? 'fake closed' : 'endpoint deleted';
      return;
    }
    this.setState(delivery, 'sending');
    delivery.attempts++;
    delivery.lastAttemptAt = this.now();
    delivery.nextAttemptAt = null;
    const ok = await this.post(endpoint, delivery);
    if (ok) {
      this.setState(delivery, 'delivered');
      delivery.error = null;
      if (this.settings.duplicateRate > 0 && Math.random() < this.settings.duplicateRate) {
        await this.post(endpoint, delivery);
      }
      return;
    }
    if (mayRetry && delivery.attempts < this.settings.maxAttempts && !this.closing.signal.aborted) {
      if (this.settings.manual) this.setState(delivery, 'held');
      else this.schedule(delivery, this.settings.retryBaseMs * 2 ** (delivery.attempts - 1));
      return;
    }
    this.setState(delivery, 'failed');
  }

  private async post(endpoint: WebhookEndpointRecord, delivery: DeliveryRecord): Promise<boolean> {
    const result = await postSignedWebhook(endpoint, delivery.event, delivery.body, {
      timeoutMs: this.settings.timeoutMs,
      cancel: this.closing.signal,
      agents: this.agents,
    });
    delivery.statusCode = result.statusCode;
    delivery.error = result.error;
    if (result.ok) this.counters.sent++;
    else this.counters.failed++;
    return result.ok;
  }
}
