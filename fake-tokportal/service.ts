// The fake TokPortal's state and operations, shared by the HTTP routes (API and /_fake)
// and the in-process control methods, so both paths behave identically.
import { createMonotonicClock, type MonotonicClock } from './clock.js';
import { publishBlockers } from './computed.js';
import { WebhookDispatcher, type DeliverySettings } from './webhook-sender.js';
import { bundleEvent } from './events.js';
import { buildBundle } from './factory.js';
import * as lifecycle from './lifecycle.js';
import { FakeApiError, notFound, validationError, type BundleRecord, type PendingEvent } from './model.js';
import { applyOperatorPatch } from './operator.js';
import { createRng } from './random.js';
import { RateLimiter } from './rate-limit.js';
import { seedBundles } from './seeding.js';
import { BundleStore, type Page } from './store.js';
import { configureAccount, configureVideos } from './configure.js';
import { formatInstant, type FakeBehaviour } from './profile.js';
import {
  configureAccountSchema,
  configureVideosSchema,
  createBundleSchema,
  parseListQuery,
  parseOrThrow,
  updateBundleSchema,
} from './validation.js';
import { WebhookEndpointRegistry } from './webhook-endpoints.js';

export type Faults = { latencyMs: number; errorRate: number; resetRate: number; rateLimitBurst: boolean };
export const NO_FAULTS: Faults = { latencyMs: 0, errorRate: 0, resetRate: 0, rateLimitBurst: false };

export type ServiceOptions = {
  apiKeys: string[];
  revokedApiKeys: string[];
  bundles: number;
  seed: number | string;
  rateLimitPerMin: number;
  /** Credits per API key; undefined = unlimited (no INSUFFICIENT_CREDITS). */
  credits: number | undefined;
  delivery: Partial<DeliverySettings>;
  faults: Partial<Faults>;
  behaviour: FakeBehaviour;
  /** TokPortal's clock (default the real one); the demo plays its campaign on a simulated one. */
  now?: () => number;
};

export type FakeStats = {
  /** API requests by "METHOD /route/pattern STATUS", e.g. "GET /bundles/:id 200". */
  requests: Record<string, number>;
  requestsTotal: number;
  /** 429 answers sent. */
  rateLimited: number;
  /** Webhook POSTs answered 2xx (injected duplicates included). */
  webhooksSent: number;
  /** Webhook POSTs that failed (non-2xx, timeout, connection) plus dropped events. */
  webhooksFailed: number;
  /** Deliveries not final yet: held, delayed, waiting for a retry or in flight. */
  webhooksPending: number;
};

export class FakeTokPortalService {
  readonly store = new BundleStore();
  readonly clock: MonotonicClock;
  readonly webhooks: WebhookEndpointRegistry;
  readonly dispatcher: WebhookDispatcher;
  readonly limiter: RateLimiter;
  readonly primaryKey: string;
  faults: Faults;
  /** Where TokPortal's documentation is silent: see profile.ts. Settable at any time. */
  behaviour: FakeBehaviour;
  private readonly rng;
  private readonly validKeys: Set<string>;
  private readonly revokedKeys: Set<string>;
  private readonly credits = new Map<string, number>();
  private requests = new Map<string, number>();
  private requestsTotal = 0;
  private rateLimited = 0;

  constructor(options: ServiceOptions) {
    const [primary] = options.apiKeys;
    if (!primary) throw new Error('the fake needs at least one API key');
    this.primaryKey = primary;
    this.clock = createMonotonicClock(options.now);
    // Only changes of bundles take a fresh instant: webhook bookkeeping reads the clock without
    // moving it, so how many deliveries a step caused never shifts the next change's updated_at.
    this.webhooks = new WebhookEndpointRegistry(() => this.clock.currentIso());
    this.validKeys = new Set(options.apiKeys);
    this.revokedKeys = new Set(options.revokedApiKeys);
    if (options.credits !== undefined) for (const key of options.apiKeys) this.credits.set(key, options.credits);
    this.rng = createRng(`runtime:${options.seed}`);
    this.limiter = new RateLimiter(options.rateLimitPerMin);
    this.faults = { ...NO_FAULTS, ...options.faults };
    this.behaviour = { ...options.behaviour };
    this.dispatcher = new WebhookDispatcher(this.webhooks, () => this.clock.currentIso(), options.delivery);
    const seeded = seedBundles(this.store, primary, options.bundles, options.seed, this.behaviour.wholeSecondTimestamps);
    this.clock.notBefore(new Date(seeded.newestUpdateMs));
  }

  /** X-API-Key → the owner of the bundles it may see. */
  authenticate(key: string | undefined): string {
    if (!key) throw new FakeApiError(401, 'AUTH_MISSING_KEY', 'Missing X-API-Key header.');
    if (this.revokedKeys.has(key)) throw new FakeApiError(401, 'AUTH_REVOKED_KEY', 'This API key has been revoked.');
    if (!this.validKeys.has(key)) throw new FakeApiError(401, 'AUTH_INVALID_KEY', 'Invalid API key.');
    return key;
  }

  // ---- the API (as one key sees it) ----

  createBundle(owner: string, body: unknown): BundleRecord {
    const { wants_moderation: _ignored, ...input } = parseOrThrow(createBundleSchema, body, 'bundle');
    if (input.external_ref) this.store.assertExternalRefFree(owner, input.external_ref);
    const bundle = buildBundle(input, owner, this.stamp(), this.rng, this.store.savedAccounts);
    const balance = this.credits.get(owner);
    if (balance !== undefined && balance < bundle.creditCost) {
      throw new FakeApiError(402, 'INSUFFICIENT_CREDITS', 'Not enough credits for this bundle.', {
        required: bundle.creditCost,
        available: balance,
      });
    }
    if (balance !== undefined) this.credits.set(owner, balance - bundle.creditCost);
    this.store.insert(bundle);
    this.dispatcher.emit(owner, [bundleEvent('bundle.created', bundle)]);
    return bundle;
  }

  listBundles(owner: string, query: Record<string, string>): Page {
    const { filter, page, perPage } = parseListQuery(query);
    return this.store.list(owner, filter, page, perPage, this.behaviour.listOrder);
  }

  ownedBundle(owner: string, id: string): BundleRecord {
    const bundle = this.bundle(id);
    if (bundle.owner !== owner) {
      throw new FakeApiError(403, 'BUNDLE_NOT_OWNED', 'Bundle belongs to another user.', { bundle_id: id });
    }
    return bundle;
  }

  updateBundle(owner: string, id: string, body: unknown): BundleRecord {
    const bundle = this.ownedBundle(owner, id);
    const patch = parseOrThrow(updateBundleSchema, body, 'update');
    const before = ownFields(bundle);
    if (patch.external_ref !== undefined) this.store.setExternalRef(bundle, patch.external_ref);
    if (patch.title !== undefined) bundle.title = patch.title;
    if (patch.auto_finalize_videos !== undefined) bundle.autoFinalizeVideos = patch.auto_finalize_videos;
    // Settings changes send no webhook (TokPortal documents none): only updated_at tells.
    this.commit(bundle, [], before);
    return bundle;
  }

  /** PUT /bundles/:id/account. */
  configureAccount(owner: string, id: string, body: unknown): BundleRecord {
    const bundle = this.ownedBundle(owner, id);
    const input = parseOrThrow(configureAccountSchema, body, 'account');
    const before = ownFields(bundle);
    this.commit(bundle, configureAccount(bundle, input, this.rng), before);
    return bundle;
  }

  /** PUT /bundles/:id/videos/batch. */
  configureVideos(owner: string, id: string, body: unknown): BundleRecord {
    const bundle = this.ownedBundle(owner, id);
    const input = parseOrThrow(configureVideosSchema, body, 'videos');
    const before = ownFields(bundle);
    this.commit(bundle, configureVideos(bundle, input), before);
    return bundle;
  }

  /** GET /accounts/:id: the delivered account behind a saved_account_id, with the owner's bundles on it. */
  savedAccount(owner: string, savedAccountId: string): { bundles: BundleRecord[] } {
    const bundles = this.store
      .ids()
      .map((bundleId) => this.store.get(bundleId)!)
      .filter((bundle) => bundle.owner === owner && bundle.account?.savedAccountId === savedAccountId);
    if (bundles.length === 0) {
      throw new FakeApiError(404, 'ACCOUNT_NOT_FOUND', `Account ${savedAccountId} does not exist.`, { account_id: savedAccountId });
    }
    return { bundles };
  }

  readiness(owner: string, id: string) {
    const bundle = this.ownedBundle(owner, id);
    const blockers = publishBlockers(bundle);
    return { bundle_id: bundle.id, ready: blockers.length === 0, blockers };
  }

  publish(owner: string, id: string): BundleRecord {
    const bundle = this.ownedBundle(owner, id);
    const before = ownFields(bundle);
    this.commit(bundle, lifecycle.publish(bundle), before);
    return bundle;
  }

  unpublish(owner: string, id: string): BundleRecord {
    const bundle = this.ownedBundle(owner, id);
    const before = ownFields(bundle);
    this.commit(bundle, lifecycle.unpublish(bundle), before);
    return bundle;
  }

  // ---- operator control (/_fake): any bundle, no key ----

  bundle(id: string): BundleRecord {
    const bundle = this.store.get(id);
    if (!bundle) throw notFound(id);
    return bundle;
  }

  advance(id: string): { step: lifecycle.StepName; events: PendingEvent[] } {
    const bundle = this.bundle(id);
    const before = ownFields(bundle);
    const result = lifecycle.advance(bundle, this.lifecycleContext());
    this.commit(bundle, result.events, before);
    return result;
  }

  remake(id: string): PendingEvent[] {
    const bundle = this.bundle(id);
    const before = ownFields(bundle);
    const ctx = this.lifecycleContext();
    const events = lifecycle.remake(bundle, ctx);
    this.commit(bundle, events, before, ctx.at);
    return events;
  }

  operatorPatch(id: string, body: unknown): PendingEvent[] {
    const bundle = this.bundle(id);
    if (body === null || typeof body !== 'object' || Object.keys(body).length === 0) {
      throw validationError('Give at least one field to set.');
    }
    const before = ownFields(bundle);
    const events = applyOperatorPatch(bundle, body, { rng: this.rng, store: this.store });
    this.commit(bundle, events, before);
    return events;
  }

  remove(id: string): void {
    if (!this.store.remove(id)) throw notFound(id);
  }

  handles(id: string): string[] {
    return [...this.bundle(id).handles];
  }

  // ---- stats ----

  countRequest(key: string, status: number): void {
    this.requests.set(key, (this.requests.get(key) ?? 0) + 1);
    this.requestsTotal++;
    if (status === 429) this.rateLimited++;
  }

  stats(): FakeStats {
    return {
      requests: Object.fromEntries(this.requests),
      requestsTotal: this.requestsTotal,
      rateLimited: this.rateLimited,
      webhooksSent: this.dispatcher.counters.sent,
      webhooksFailed: this.dispatcher.counters.failed,
      webhooksPending: this.dispatcher.pendingCount(),
    };
  }

  resetStats(): void {
    this.requests = new Map();
    this.requestsTotal = 0;
    this.rateLimited = 0;
    this.dispatcher.counters.sent = 0;
    this.dispatcher.counters.failed = 0;
  }

  /** The instant of a change as the API shows it: strictly newer each time, or whole seconds (profile.ts). */
  stamp(): string {
    return formatInstant(this.clock.next(), this.behaviour.wholeSecondTimestamps);
  }

  private lifecycleContext(): lifecycle.LifecycleContext {
    return { rng: this.rng, at: this.stamp(), savedAccounts: this.store.savedAccounts };
  }

  /**
   * Every change, then its webhooks. updated_at moves for every change in the kind profile; with
   * bumpUpdatedAtOnAccountChanges off, only when a field of the bundle itself changed (`before`
   * is ownFields() taken before the change).
   */
  private commit(bundle: BundleRecord, events: PendingEvent[], before: string, at?: string): void {
    if (this.behaviour.bumpUpdatedAtOnAccountChanges || ownFields(bundle) !== before) bundle.updatedAt = at ?? this.stamp();
    if (events.length > 0) this.dispatcher.emit(bundle.owner, events);
  }
}

/**
 * The bundle's own fields, as one comparable string: everything but the account, the videos and
 * the remake info (and what derives from them only). A change here is a change of the bundle.
 */
export function ownFields(bundle: BundleRecord): string {
  return JSON.stringify([
    bundle.status,
    bundle.title,
    bundle.externalRef,
    bundle.autoFinalizeVideos,
    bundle.creditCost,
    bundle.country,
    bundle.platform,
    bundle.bundleType,
    bundle.videosQuantity,
    bundle.editsQuantity,
    bundle.usedEdits,
    bundle.existingAccountId,
    bundle.wantsNicheWarming,
    bundle.wantsDeepWarming,
    bundle.extra,
  ]);
}
