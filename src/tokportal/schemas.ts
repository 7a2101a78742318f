// The wire contract of the TokPortal Bundles API and its webhooks, as zod schemas.
// Objects are loose: unknown fields are kept (TokPortal adds fields over time) and
// statuses are open strings, so a new value is stored as it comes instead of failing a sync.
import { z } from 'zod';

const nullableString = z.string().nullable();
const optionalNullableString = z.string().nullish().transform((value) => value ?? null);
const optionalInt = z.number().int().nullish().transform((value) => value ?? null);
const optionalBool = z.boolean().nullish().transform((value) => value ?? null);

export const remadeSchema = z.looseObject({
  was_remade: z.boolean(),
  remade_count: z.number().int().nonnegative(),
  old_username: nullableString.optional().transform((value) => value ?? null),
  remade_at: nullableString.optional().transform((value) => value ?? null),
});
export type Remade = z.infer<typeof remadeSchema>;

const neverRemade: Remade = { was_remade: false, remade_count: 0, old_username: null, remade_at: null };

/** One item of GET /bundles. Also the common part of GET /bundles/:id. */
export const bundleListItemSchema = z.looseObject({
  id: z.string().min(1),
  bundle_type: optionalNullableString,
  platform: optionalNullableString,
  country: optionalNullableString,
  status: z.string(),
  account_status: optionalNullableString,
  title: optionalNullableString,
  videos_quantity: optionalInt,
  edits_quantity: optionalInt,
  used_edits: optionalInt,
  credit_cost: optionalInt,
  external_ref: optionalNullableString,
  existing_account_id: optionalNullableString,
  auto_finalize_videos: optionalBool,
  wants_niche_warming: optionalBool,
  wants_deep_warming: optionalBool,
  wants_moderation: optionalBool,
  is_published: optionalBool,
  account_configured: optionalBool,
  videos_total: optionalInt,
  videos_configured_count: optionalInt,
  next_action: optionalNullableString,
  remade: remadeSchema.nullish().transform((value) => value ?? neverRemade),
  created_at: z.string(),
  updated_at: z.string(),
});
export type BundleListItem = z.infer<typeof bundleListItemSchema>;

export const bundleAccountSchema = z.looseObject({
  id: z.string(),
  saved_account_id: optionalNullableString,
  username: optionalNullableString,
  visible_name: optionalNullableString,
  biography: optionalNullableString,
  profile_picture_url: optionalNullableString,
  status: optionalNullableString,
});
export type BundleAccount = z.infer<typeof bundleAccountSchema>;

export const bundleVideoSchema = z.looseObject({
  id: z.string(),
  position: z.number().int(),
  status: z.string(),
  name: optionalNullableString,
});
export type BundleVideo = z.infer<typeof bundleVideoSchema>;

/** GET /bundles/:id: the list item plus the account and the video slots. */
export const bundleDetailSchema = bundleListItemSchema.extend({
  saved_account_id: optionalNullableString,
  account: bundleAccountSchema.nullish().transform((value) => value ?? null),
  videos: z
    .array(bundleVideoSchema)
    .nullish()
    .transform((value) => value ?? []),
});
export type BundleDetail = z.infer<typeof bundleDetailSchema>;

export const paginationSchema = z.looseObject({
  page: z.number().int(),
  per_page: z.number().int(),
  total: z.number().int(),
  total_pages: z.number().int(),
});
export type Pagination = z.infer<typeof paginationSchema>;

export const dataEnvelope = <T extends z.ZodType>(data: T) => z.looseObject({ data });
export const listEnvelope = <T extends z.ZodType>(item: T) =>
  z.looseObject({ data: z.array(item), pagination: paginationSchema.optional() });

export const apiErrorBodySchema = z.looseObject({
  error: z.looseObject({
    code: z.string(),
    message: z.string().optional().default(''),
    details: z.record(z.string(), z.unknown()).nullish().transform((value) => value ?? {}),
  }),
});
export type ApiErrorBody = z.infer<typeof apiErrorBodySchema>;

/** Every event type TokPortal emits today. The set is open: unknown types are stored and acknowledged. */
export const KNOWN_EVENT_TYPES = [
  'webhook.test',
  'bundle.created',
  'bundle.published',
  'bundle.cancelled',
  'bundle.archived',
  'account.configured',
  'account.published',
  'account.in_review',
  'account.pending_corrections',
  'account.finalized',
  'account.remade',
  'account.banned',
  'account.ban_appeal.submitted',
  'account.ban_appeal.resolved',
  'account.ban_resolution.decided',
  'account.revealed',
  'account.distribution_warning',
  'video.configured',
  'video.in_review',
  'video.published',
  'video.pending_corrections',
  'video.finalized',
  'video.not_recommended',
  'video.ai_labeled',
  'video.sound_restricted',
  'warming.session_started',
  'warming.term_verified',
  'warming.session_completed',
  'subscription.renewed',
  'subscription.lapsed',
  'subscription.cancelled',
  'subscription.reactivated',
  'subscription.ended',
  'credits.restored',
] as const;
export type KnownEventType = (typeof KNOWN_EVENT_TYPES)[number];

const knownEventTypes: ReadonlySet<string> = new Set(KNOWN_EVENT_TYPES);
export const isKnownEventType = (type: string): type is KnownEventType => knownEventTypes.has(type);

/** The body of every webhook delivery. `data` varies by event type: the whole payload is kept. */
export const webhookEnvelopeSchema = z.looseObject({
  id: z.string().min(1),
  type: z.string().min(1),
  api_version: z.string().optional(),
  created_at: z.string(),
  data: z
    .looseObject({
      bundle_id: optionalNullableString,
      account_id: optionalNullableString,
      saved_account_id: optionalNullableString,
    })
    .default({ bundle_id: null, account_id: null, saved_account_id: null }),
});
export type WebhookEnvelope = z.infer<typeof webhookEnvelopeSchema>;

/** Webhook request headers, lower-cased as Node and Hono expose them. */
export const WEBHOOK_HEADERS = {
  eventId: 'tokportal-event-id',
  eventType: 'tokportal-event-type',
  signature: 'tokportal-signature',
} as const;
