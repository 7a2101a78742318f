// Registered webhook endpoints, per API key (each TokPortal workspace has its own).
import { randomBytes } from 'node:crypto';
import { EVENT_CATALOG } from './event-catalog.js';
import { FakeApiError, validationError } from './model.js';
import { opaqueId } from './random.js';

export type WebhookEndpointRecord = {
  id: string;
  owner: string;
  url: string;
  secret: string;
  /** Subscribed types; `*` subscribes to everything. */
  events: string[];
  description: string | null;
  enabled: boolean;
  createdAt: string;
  updatedAt: string;
};

export type EndpointInput = { url: string; events?: string[] | undefined; description?: string | null | undefined; enabled?: boolean | undefined };

const knownTypes: ReadonlySet<string> = new Set(EVENT_CATALOG);

function assertKnownEvents(events: readonly string[]): void {
  const unknown = events.filter((type) => type !== '*' && !knownTypes.has(type));
  if (unknown.length > 0) {
    throw validationError('Unknown event types.', { fields: { events: `Unknown: ${unknown.join(', ')}` }, unknown_events: unknown });
  }
}

export const newSigningSecret = (): string => `whsec_${randomBytes(24).toString('hex')}`;

export class WebhookEndpointRegistry {
  private readonly endpoints = new Map<string, WebhookEndpointRecord>();

  constructor(private readonly now: () => string) {}

  /** `secret` is given for endpoints configured at start (--webhook-secret), generated for API-created ones. */
  create(owner: string, input: EndpointInput, secret: string = newSigningSecret()): WebhookEndpointRecord {
    const events = input.events && input.events.length > 0 ? input.events : ['*'];
    assertKnownEvents(events);
    const at = this.now();
    const endpoint: WebhookEndpointRecord = {
      id: opaqueId('wh_', 8),
      owner,
      url: input.url,
      secret,
      events,
      description: input.description ?? null,
      enabled: input.enabled ?? true,
      createdAt: at,
      updatedAt: at,
    };
    this.endpoints.set(endpoint.id, endpoint);
    return endpoint;
  }

  /** Another workspace's endpoint does not exist for this key. */
  get(owner: string, id: string): WebhookEndpointRecord {
    const endpoint = this.endpoints.get(id);
    if (!endpoint || endpoint.owner !== owner) {
      throw new FakeApiError(404, 'WEBHOOK_NOT_FOUND', `Webhook endpoint ${id} does not exist.`, { webhook_id: id });
    }
    return endpoint;
  }

  byId(id: string): WebhookEndpointRecord | undefined {
    return this.endpoints.get(id);
  }

  list(owner: string): WebhookEndpointRecord[] {
    return [...this.endpoints.values()].filter((endpoint) => endpoint.owner === owner);
  }

  update(owner: string, id: string, patch: Partial<EndpointInput>): WebhookEndpointRecord {
    const endpoint = this.get(owner, id);
    if (patch.events !== undefined) {
      assertKnownEvents(patch.events);
      endpoint.events = patch.events;
    }
    if (patch.url !== undefined) endpoint.url = patch.url;
    if (patch.description !== undefined) endpoint.description = patch.description;
    if (patch.enabled !== undefined) endpoint.enabled = patch.enabled;
    endpoint.updatedAt = this.now();
    return endpoint;
  }

  delete(owner: string, id: string): void {
    this.get(owner, id);
    this.endpoints.delete(id);
  }

  /** The enabled endpoints of a workspace subscribed to a type. */
  subscribers(owner: string, type: string): WebhookEndpointRecord[] {
    return this.list(owner).filter(
      (endpoint) => endpoint.enabled && (endpoint.events.includes('*') || endpoint.events.includes(type)),
    );
  }
}

/** The wire shape; the signing secret is only added to the creation answer. */
export const toEndpointJson = (endpoint: WebhookEndpointRecord) => ({
  id: endpoint.id,
  url: endpoint.url,
  events: endpoint.events,
  description: endpoint.description,
  enabled: endpoint.enabled,
  created_at: endpoint.createdAt,
  updated_at: endpoint.updatedAt,
});
