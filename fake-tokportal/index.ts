// A faithful fake of the TokPortal Bundles API and its signed webhooks, on a real HTTP
// server: for tests, the demo and benchmarks. This file is its only public entry: the
// tokportal-sync code, the demo, tests and benchmarks import the fake from here and nothing
// else, and the fake imports nothing from src/ (README.md beside this file).
import { createHash } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { serve } from '@hono/node-server';
import { createFakeApp } from './app.js';
import type { DeliverySettings } from './webhook-sender.js';
import { API_PREFIX } from './middleware.js';
import { toDetail } from './serialize.js';
import { FakeTokPortalService, type Faults, type FakeStats } from './service.js';
import { resolveBehaviour, type FakeBehaviour, type ProfileName } from './profile.js';

export type { FakeStats } from './service.js';
export { FakeTokPortalService } from './service.js';
export { createFakeApp } from './app.js';
export { API_PREFIX } from './middleware.js';
export { planNextStep, type StepName } from './lifecycle.js';
export { FakeApiError, type BundleRecord } from './model.js';
export { createRng, pick, pickWeighted, randomInt, type Rng } from './random.js';
export { RateLimiter } from './rate-limit.js';
export { EVENT_CATALOG } from './event-catalog.js';
export {
  describeBehaviour,
  isProfileName,
  LIST_ORDERS,
  PROFILE_NAMES,
  PROFILES,
  resolveBehaviour,
  type FakeBehaviour,
  type ListOrder,
  type ProfileName,
} from './profile.js';

/** `sk_` + 64 lowercase hex, the same on every run, so a demo works without configuration. */
export const DEMO_API_KEY = `sk_${createHash('sha256').update('tokportal-sync demo api key').digest('hex')}`;

export type WebhookEndpointOption = { url: string; secret: string; events?: string[] };

export type FakeTokPortalOptions = {
  port?: number;
  host?: string;
  /** Default [DEMO_API_KEY]; seeded bundles belong to the first key, other keys get 403 BUNDLE_NOT_OWNED on them. */
  apiKeys?: string[];
  /** Keys answered with 401 AUTH_REVOKED_KEY. */
  revokedApiKeys?: string[];
  bundles?: number;
  seed?: number | string;
  /** Token bucket per key, default 120; 0 = unlimited. */
  rateLimitPerMin?: number;
  /** Credits per key; when set, POST /bundles beyond the balance answers 402 INSUFFICIENT_CREDITS. */
  credits?: number;
  webhookEndpoints?: WebhookEndpointOption[];
  delivery?: Partial<DeliverySettings>;
  faults?: Partial<Faults>;
  /**
   * What the fake does where TokPortal's documentation is silent (profile.ts): `kind` (default)
   * is convenient, `strict` the least convenient the documentation allows.
   */
  profile?: ProfileName;
  /** One behaviour of the profile set otherwise. */
  behaviour?: Partial<FakeBehaviour>;
  /** TokPortal's clock for updated_at, created_at, remade_at (default Date.now): a simulated one makes a scripted history reproducible. */
  now?: () => number;
};

export type FakeTokPortal = {
  origin: string;
  baseUrl: string;
  apiKey: string;
  advance(bundleId: string): Promise<void>;
  remake(bundleId: string): Promise<void>;
  patch(bundleId: string, fields: Record<string, unknown>): Promise<void>;
  remove(bundleId: string): Promise<void>;
  handles(bundleId: string): string[];
  getBundle(bundleId: string): unknown;
  listBundleIds(): string[];
  stats(): FakeStats;
  resetStats(): void;
  setFaults(faults: FakeTokPortalOptions['faults']): void;
  setRateLimit(perMin: number): void;
  setDelivery(delivery: FakeTokPortalOptions['delivery']): void;
  /** The profile's behaviours in force (see profile.ts). */
  behaviour: FakeBehaviour;
  setBehaviour(behaviour: Partial<FakeBehaviour>): void;
  addWebhookEndpoint(endpoint: WebhookEndpointOption): void;
  flushWebhooks(): Promise<void>;
  close(): Promise<void>;
  /** The state behind the server, for tests that need more than the control methods. */
  service: FakeTokPortalService;
};

export async function startFakeTokPortal(options: FakeTokPortalOptions = {}): Promise<FakeTokPortal> {
  const apiKeys = options.apiKeys && options.apiKeys.length > 0 ? options.apiKeys : [DEMO_API_KEY];
  const service = new FakeTokPortalService({
    apiKeys,
    revokedApiKeys: options.revokedApiKeys ?? [],
    bundles: options.bundles ?? 0,
    seed: options.seed ?? 1,
    rateLimitPerMin: options.rateLimitPerMin ?? 120,
    credits: options.credits,
    delivery: options.delivery ?? {},
    faults: options.faults ?? {},
    behaviour: resolveBehaviour(options.profile ?? 'kind', options.behaviour ?? {}),
    ...(options.now ? { now: options.now } : {}),
  });
  for (const endpoint of options.webhookEndpoints ?? []) {
    service.webhooks.create(service.primaryKey, endpoint, endpoint.secret);
  }

  const app = createFakeApp(service);
  const host = options.host ?? '127.0.0.1';
  const server = await new Promise<Server>((resolve, reject) => {
    const started = serve({ fetch: app.fetch, port: options.port ?? 0, hostname: host }, () => resolve(started as Server));
    started.once('error', reject);
  });
  const { port } = server.address() as AddressInfo;
  const origin = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;

  return {
    origin,
    baseUrl: `${origin}${API_PREFIX}`,
    apiKey: service.primaryKey,
    service,
    advance: async (id) => void service.advance(id),
    remake: async (id) => void service.remake(id),
    patch: async (id, fields) => void service.operatorPatch(id, fields),
    remove: async (id) => service.remove(id),
    handles: (id) => service.handles(id),
    getBundle: (id) => {
      const bundle = service.store.get(id);
      return bundle && toDetail(bundle);
    },
    listBundleIds: () => service.store.ids(),
    stats: () => service.stats(),
    resetStats: () => service.resetStats(),
    setFaults: (faults) => {
      service.faults = { ...service.faults, ...faults };
    },
    setRateLimit: (perMin) => service.limiter.setLimit(perMin),
    setDelivery: (delivery) => {
      service.dispatcher.settings = { ...service.dispatcher.settings, ...delivery };
    },
    get behaviour() {
      return { ...service.behaviour };
    },
    setBehaviour: (behaviour) => {
      service.behaviour = resolveBehaviour('kind', { ...service.behaviour, ...behaviour });
    },
    addWebhookEndpoint: (endpoint) => void service.webhooks.create(service.primaryKey, endpoint, endpoint.secret),
    flushWebhooks: () => service.dispatcher.flush(),
    close: async () => {
      await service.dispatcher.close();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
