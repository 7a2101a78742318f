// TokPortal's webhook endpoint management API (/webhooks...): register the receiver,
// send a test event, and ask TokPortal to re-send deliveries that failed during an outage.
// Shapes beyond a few anchor fields are not documented, so the schemas are loose and
// keep whatever else TokPortal sends.
import { z } from 'zod';
import { dataEnvelope, paginationSchema, type Pagination } from './schemas.js';
import type { HttpTransport } from './http.js';

const nullableString = z.string().nullish().transform((value) => value ?? null);

export const webhookEndpointSchema = z.looseObject({
  id: z.string().min(1),
  url: z.string(),
  events: z.array(z.string()).nullish().transform((value) => value ?? []),
  description: nullableString,
  enabled: z.boolean().nullish().transform((value) => value ?? true),
  created_at: nullableString,
  updated_at: nullableString,
});
export type WebhookEndpoint = z.infer<typeof webhookEndpointSchema>;

/** Only the creation answer carries the secret; TokPortal never shows it again. */
export const createdWebhookEndpointSchema = webhookEndpointSchema.extend({ signing_secret: z.string().min(1) });
export type CreatedWebhookEndpoint = z.infer<typeof createdWebhookEndpointSchema>;

export const webhookDeliverySchema = z.looseObject({
  id: z.string().min(1),
  event_id: nullableString,
  event_type: nullableString,
  success: z.boolean().nullish().transform((value) => value ?? null),
  status_code: z.number().int().nullish().transform((value) => value ?? null),
  attempt: z.number().int().nullish().transform((value) => value ?? null),
  error: nullableString,
  created_at: nullableString,
});
export type WebhookDelivery = z.infer<typeof webhookDeliverySchema>;

/** One entry of GET /webhooks/events, whether TokPortal sends a bare name or an object. */
export type WebhookEventTypeInfo = { type: string; emitted: boolean | null; description: string | null } & Record<
  string,
  unknown
>;

const eventTypeEntrySchema = z.union([
  z.string().transform((type): WebhookEventTypeInfo => ({ type, emitted: null, description: null })),
  z
    .looseObject({
      type: z.string().optional(),
      name: z.string().optional(),
      emitted: z.boolean().nullish(),
      description: z.string().nullish(),
    })
    .refine((entry) => entry.type !== undefined || entry.name !== undefined, 'expected type or name')
    .transform(
      (entry): WebhookEventTypeInfo => ({
        ...entry,
        type: (entry.type ?? entry.name)!,
        emitted: entry.emitted ?? null,
        description: entry.description ?? null,
      }),
    ),
]);

/** The catalog is documented as an object with `events` (plus envelope, delivery, signature); accept a bare list too. */
const eventCatalogSchema = z
  .union([z.array(eventTypeEntrySchema), z.looseObject({ events: z.array(eventTypeEntrySchema) })])
  .transform((catalog) => (Array.isArray(catalog) ? { events: catalog } : catalog));
export type WebhookEventCatalog = { events: WebhookEventTypeInfo[] } & Record<string, unknown>;

export type CreateWebhookEndpointInput = { url: string; events: string[]; description?: string; enabled?: boolean };
export type UpdateWebhookEndpointInput = {
  url?: string;
  events?: string[];
  description?: string | null;
  enabled?: boolean;
};
export type ListDeliveriesQuery = { success?: boolean; since?: string; page?: number; per_page?: number };

const endpointListSchema = z.looseObject({ data: z.array(webhookEndpointSchema) });
const deliveryListSchema = z.looseObject({ data: z.array(webhookDeliverySchema), pagination: paginationSchema.optional() });
/** Action answers (test, retry) vary; an empty 202/204 is fine too. */
const actionAnswerSchema = z
  .looseObject({ data: z.record(z.string(), z.unknown()).nullish() })
  .nullable()
  .transform((body) => body?.data ?? {});

const endpointPath = (id: string) => `/webhooks/${encodeURIComponent(id)}`;

export class WebhookEndpointsApi {
  constructor(private readonly http: HttpTransport) {}

  async listEventTypes(): Promise<WebhookEventCatalog> {
    const response = await this.http.sendParsed(
      { method: 'GET', route: '/webhooks/events', path: '/webhooks/events' },
      dataEnvelope(eventCatalogSchema),
    );
    return response.body.data as WebhookEventCatalog;
  }

  /** The answer carries `signing_secret`, shown this once: hand it to the operator, never log it. */
  async create(input: CreateWebhookEndpointInput): Promise<CreatedWebhookEndpoint> {
    const response = await this.http.sendParsed(
      { method: 'POST', route: '/webhooks', path: '/webhooks', body: input },
      dataEnvelope(createdWebhookEndpointSchema),
    );
    return response.body.data;
  }

  async list(): Promise<WebhookEndpoint[]> {
    const response = await this.http.sendParsed({ method: 'GET', route: '/webhooks', path: '/webhooks' }, endpointListSchema);
    return response.body.data;
  }

  async get(id: string): Promise<WebhookEndpoint> {
    const response = await this.http.sendParsed(
      { method: 'GET', route: '/webhooks/:id', path: endpointPath(id) },
      dataEnvelope(webhookEndpointSchema),
    );
    return response.body.data;
  }

  async update(id: string, patch: UpdateWebhookEndpointInput): Promise<WebhookEndpoint> {
    const response = await this.http.sendParsed(
      { method: 'PATCH', route: '/webhooks/:id', path: endpointPath(id), body: patch },
      dataEnvelope(webhookEndpointSchema),
    );
    return response.body.data;
  }

  /** Resolves once TokPortal confirmed (204 or a `data` answer). */
  async delete(id: string): Promise<void> {
    await this.http.send({ method: 'DELETE', route: '/webhooks/:id', path: endpointPath(id) });
  }

  /** Sends a signed `webhook.test` event to the endpoint; the answer describes the delivery (event id, result). */
  async test(id: string): Promise<Record<string, unknown>> {
    const response = await this.http.sendParsed(
      { method: 'POST', route: '/webhooks/:id/test', path: `${endpointPath(id)}/test` },
      actionAnswerSchema,
    );
    return response.body;
  }

  /** One page of the delivery log; `success: false` lists the failures worth a retry. */
  async listDeliveries(
    id: string,
    query: ListDeliveriesQuery = {},
  ): Promise<{ data: WebhookDelivery[]; pagination: Pagination | null }> {
    const response = await this.http.sendParsed(
      {
        method: 'GET',
        route: '/webhooks/:id/deliveries',
        path: `${endpointPath(id)}/deliveries`,
        query: { success: query.success, since: query.since, page: query.page, per_page: query.per_page },
      },
      deliveryListSchema,
    );
    return { data: response.body.data, pagination: response.body.pagination ?? null };
  }

  /** Re-sends one delivery: same event id, fresh signature. */
  async retryDelivery(id: string, deliveryId: string): Promise<Record<string, unknown>> {
    const response = await this.http.sendParsed(
      {
        method: 'POST',
        route: '/webhooks/:id/deliveries/:deliveryId/retry',
        path: `${endpointPath(id)}/deliveries/${encodeURIComponent(deliveryId)}/retry`,
      },
      actionAnswerSchema,
    );
    return response.body;
  }
}
