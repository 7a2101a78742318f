// Request validation with the rules of TokPortal's Bundles API documentation. Every failure is 400 VALIDATION_ERROR with
// `details.fields` naming each bad field, the way an integrator would want to see it.
import { z } from 'zod';
import { ACCOUNT_STATUSES, BUNDLE_STATUSES, BUNDLE_TYPES, CREATABLE_PLATFORMS, PLATFORMS, validationError } from './model.js';
import type { BundleFilter } from './store.js';

export const DEFAULT_PER_PAGE = 25;
export const MAX_PER_PAGE = 100;
const MAX_TEXT = 200;

/** Parses with a schema or throws VALIDATION_ERROR listing every issue by field. */
export function parseOrThrow<T extends z.ZodType>(schema: T, input: unknown, what: string): z.infer<T> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const fields: Record<string, string> = {};
  for (const issue of result.error.issues) {
    const field = issue.path.length > 0 ? issue.path.join('.') : '_';
    fields[field] ??= issue.message;
  }
  throw validationError(`Invalid ${what}.`, { fields });
}

const text = (max: number) => z.string().max(max, `Max ${max} characters.`);

export const createBundleSchema = z
  .object({
    bundle_type: z.enum(BUNDLE_TYPES),
    platform: z.enum(CREATABLE_PLATFORMS),
    country: z.string().regex(/^[A-Z]{2}$/, 'Expected an ISO 3166-1 alpha-2 country code such as US.'),
    videos_quantity: z.number().int().min(0).max(100).default(0),
    edits_quantity: z.number().int().min(0).default(0),
    title: text(MAX_TEXT).nullish(),
    external_ref: text(MAX_TEXT).min(1).nullish(),
    existing_account_id: z.string().min(1).nullish(),
    auto_finalize_videos: z.boolean().default(false),
    wants_niche_warming: z.boolean().default(false),
    niche_warming_instructions: text(2000).min(1).nullish(),
    wants_deep_warming: z.boolean().default(false),
    // Deprecated: accepted and ignored (seed, Options).
    wants_moderation: z.boolean().optional(),
  })
  .superRefine((input, ctx) => {
    const fail = (path: string, message: string) => ctx.addIssue({ code: 'custom', path: [path], message });
    if (input.wants_niche_warming && input.wants_deep_warming) {
      fail('wants_deep_warming', 'Cannot combine wants_deep_warming with wants_niche_warming.');
    }
    if (input.wants_niche_warming && !input.niche_warming_instructions) {
      fail('niche_warming_instructions', 'Required when wants_niche_warming is true.');
    }
    if (input.wants_deep_warming && input.platform !== 'instagram') {
      fail('wants_deep_warming', 'Deep warming is available on Instagram only.');
    }
    if (input.edits_quantity > input.videos_quantity) fail('edits_quantity', 'Cannot exceed videos_quantity.');
    if (input.bundle_type === 'account_only' && input.videos_quantity > 0) {
      fail('videos_quantity', 'account_only bundles have no videos.');
    }
    if (input.bundle_type !== 'account_only' && input.videos_quantity < 1) {
      fail('videos_quantity', `${input.bundle_type} bundles need at least one video.`);
    }
    if (input.bundle_type === 'videos_only' && !input.existing_account_id) {
      fail('existing_account_id', 'videos_only bundles post on an existing account.');
    }
  });
export type CreateBundleInput = z.infer<typeof createBundleSchema>;

export const updateBundleSchema = z
  .object({
    auto_finalize_videos: z.boolean().optional(),
    external_ref: text(MAX_TEXT).min(1, 'Use null to clear.').nullable().optional(),
    title: text(MAX_TEXT).nullable().optional(),
  })
  .refine((input) => Object.values(input).some((value) => value !== undefined), {
    message: 'At least one of auto_finalize_videos, external_ref, title is required.',
  });
export type UpdateBundleInput = z.infer<typeof updateBundleSchema>;

const positiveIntText = z.string().regex(/^[1-9]\d{0,8}$/, 'Expected a positive integer.').transform(Number);

export const listQuerySchema = z.object({
  status: z.enum(BUNDLE_STATUSES).optional(),
  bundle_type: z.enum(BUNDLE_TYPES).optional(),
  account_status: z.enum(ACCOUNT_STATUSES).optional(),
  platform: z.enum(PLATFORMS).optional(),
  external_ref: text(MAX_TEXT).min(1).optional(),
  page: positiveIntText.default(1),
  per_page: positiveIntText
    .refine((n) => n <= MAX_PER_PAGE, `Max ${MAX_PER_PAGE}.`)
    .default(DEFAULT_PER_PAGE),
});

export function parseListQuery(query: Record<string, string>): { filter: BundleFilter; page: number; perPage: number } {
  const { page, per_page, ...filter } = parseOrThrow(listQuerySchema, query, 'query parameters');
  return { filter, page, perPage: per_page };
}

export const pagination = (page: number, perPage: number, total: number) => ({
  page,
  per_page: perPage,
  total,
  total_pages: Math.ceil(total / perPage),
});

const webhookEvents = z.array(z.string().min(1)).min(1, 'Subscribe to at least one event type.');
const webhookUrl = z.url({ protocol: /^https?$/, message: 'Expected an http(s) URL.' });

export const createWebhookSchema = z.object({
  url: webhookUrl,
  events: webhookEvents,
  description: text(500).nullish(),
  enabled: z.boolean().default(true),
});

export const updateWebhookSchema = z
  .object({
    url: webhookUrl.optional(),
    events: webhookEvents.optional(),
    description: text(500).nullable().optional(),
    enabled: z.boolean().optional(),
  })
  .refine((input) => Object.values(input).some((value) => value !== undefined), {
    message: 'At least one of url, events, description, enabled is required.',
  });

export const deliveriesQuerySchema = z.object({
  success: z.enum(['true', 'false']).transform((value) => value === 'true').optional(),
  since: z.iso.datetime({ offset: true }).optional(),
  page: positiveIntText.default(1),
  per_page: positiveIntText
    .refine((n) => n <= MAX_PER_PAGE, `Max ${MAX_PER_PAGE}.`)
    .default(DEFAULT_PER_PAGE),
});

const handle = z
  .string()
  .min(2, 'At least 2 characters.')
  .max(30, 'Max 30 characters.')
  .regex(/^[A-Za-z0-9._]+$/, 'Letters, digits, dot and underscore only.');

/**
 * PUT /bundles/:id/account: the account fields the publish blockers name (username,
 * visible_name, profile_picture_url) plus the biography the detail shows. The documentation
 * names the endpoint, not its body: these are the fields a client would send.
 */
export const configureAccountSchema = z
  .object({
    username: handle.optional(),
    visible_name: text(MAX_TEXT).min(1).optional(),
    biography: text(500).nullable().optional(),
    profile_picture_url: z.url({ protocol: /^https?$/, message: 'Expected an http(s) URL.' }).optional(),
  })
  .refine((input) => Object.values(input).some((value) => value !== undefined), {
    message: 'At least one of username, visible_name, biography, profile_picture_url is required.',
  });
export type ConfigureAccountInput = z.infer<typeof configureAccountSchema>;

/**
 * PUT /bundles/:id/videos/batch: one entry per slot to configure, by position; `auto_publish`
 * publishes the bundle once every slot is configured (the documentation's "pass auto_publish: true
 * on the next video configuration call"). Fields beyond name are accepted and not shown back
 * (the detail's video shows id, position, status, name).
 */
export const configureVideosSchema = z.object({
  videos: z
    .array(
      z.looseObject({
        position: z.number().int().min(1),
        name: text(MAX_TEXT).nullable().optional(),
        video_url: z.url({ protocol: /^https?$/, message: 'Expected an http(s) URL.' }).optional(),
        caption: text(2200).nullable().optional(),
      }),
    )
    .min(1, 'Give at least one video.'),
  auto_publish: z.boolean().default(false),
});
export type ConfigureVideosInput = z.infer<typeof configureVideosSchema>;
