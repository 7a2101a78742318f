// PATCH /_fake/bundles/:id: what an operator at TokPortal can do by hand (set a status,
// edit the account, mark videos), plus unknown fields to exercise clients' tolerance.
// The webhooks are those TokPortal would send for the change, or the ones the caller names.
import { z } from 'zod';
import { isPublicationStatus } from './computed.js';
import { EVENT_CATALOG } from './event-catalog.js';
import { accountEvent, bundleEvent, videoEvent, videoEvents } from './events.js';
import { ensureAccount, recordHandle } from './lifecycle.js';
import type { BundleRecord, PendingEvent } from './model.js';
import type { Rng } from './random.js';
import type { BundleStore } from './store.js';
import { parseOrThrow } from './validation.js';

const nullableText = z.string().max(2000).nullable().optional();

export const operatorPatchSchema = z.looseObject({
  status: z.string().min(1).optional(),
  account_status: z.string().min(1).nullable().optional(),
  external_ref: z.string().min(1).max(200).nullable().optional(),
  title: z.string().max(200).nullable().optional(),
  auto_finalize_videos: z.boolean().optional(),
  credit_cost: z.number().int().min(0).optional(),
  country: z.string().min(2).max(2).optional(),
  username: nullableText,
  visible_name: nullableText,
  biography: nullableText,
  profile_picture_url: nullableText,
  saved_account_id: nullableText,
  video_status: z.string().min(1).optional(),
  /** Override the derived webhooks: [] sends none. */
  events: z.array(z.string().min(1)).optional(),
});

const STATUS_EVENTS: Record<string, string> = {
  published: 'bundle.published',
  published_priority: 'bundle.published',
  cancelled: 'bundle.cancelled',
  archived: 'bundle.archived',
};
const ACCOUNT_STATUS_EVENTS: Record<string, string> = {
  configured: 'account.configured',
  in_review: 'account.in_review',
  pending_corrections: 'account.pending_corrections',
  finalized: 'account.finalized',
  banned: 'account.banned',
};
const KNOWN_KEYS = new Set(Object.keys(operatorPatchSchema.shape));
const knownTypes: ReadonlySet<string> = new Set(EVENT_CATALOG);

/** An explicitly named webhook, with the data its family carries (video events: the first slot). */
function namedEvent(type: string, bundle: BundleRecord): PendingEvent {
  if (type.startsWith('account.')) return accountEvent(type, bundle);
  const video = bundle.videos[0];
  if (type.startsWith('video.') && video) return videoEvent(type, bundle, video);
  return bundleEvent(type, bundle);
}

export function applyOperatorPatch(
  bundle: BundleRecord,
  body: unknown,
  ctx: { rng: Rng; store: BundleStore },
): PendingEvent[] {
  const patch = parseOrThrow(operatorPatchSchema, body, 'operator patch');
  const derived: PendingEvent[] = [];
  if (patch.external_ref !== undefined) ctx.store.setExternalRef(bundle, patch.external_ref);
  if (patch.title !== undefined) bundle.title = patch.title;
  if (patch.auto_finalize_videos !== undefined) bundle.autoFinalizeVideos = patch.auto_finalize_videos;
  if (patch.credit_cost !== undefined) bundle.creditCost = patch.credit_cost;
  if (patch.country !== undefined) bundle.country = patch.country;

  const accountFields = ['username', 'visible_name', 'biography', 'profile_picture_url', 'saved_account_id'] as const;
  if (patch.account_status === null) {
    bundle.account = null;
  } else if (patch.account_status !== undefined || accountFields.some((field) => patch[field] !== undefined)) {
    const account = ensureAccount(bundle, ctx.rng);
    if (patch.username !== undefined) account.username = patch.username;
    if (patch.visible_name !== undefined) account.visibleName = patch.visible_name;
    if (patch.biography !== undefined) account.biography = patch.biography;
    if (patch.profile_picture_url !== undefined) account.profilePictureUrl = patch.profile_picture_url;
    if (patch.saved_account_id !== undefined) account.savedAccountId = patch.saved_account_id;
    recordHandle(bundle, account.username);
    if (patch.account_status !== undefined && patch.account_status !== account.status) {
      account.status = patch.account_status;
      const type = ACCOUNT_STATUS_EVENTS[account.status];
      if (type) derived.push(accountEvent(type, bundle));
    }
  }

  if (patch.video_status !== undefined) {
    for (const video of bundle.videos) video.status = patch.video_status;
    const type = `video.${patch.video_status}`;
    if (knownTypes.has(type)) derived.push(...videoEvents(type, bundle, bundle.videos));
  }
  if (patch.status !== undefined && patch.status !== bundle.status) {
    bundle.status = patch.status;
    if (isPublicationStatus(bundle.status)) bundle.publishedOnce = true;
    const type = STATUS_EVENTS[bundle.status];
    if (type) derived.push(bundleEvent(type, bundle));
  }

  for (const [key, value] of Object.entries(patch)) {
    // serialize.ts spreads extras first, so an unknown key can never shadow a real field.
    if (KNOWN_KEYS.has(key)) continue;
    if (value === null) delete bundle.extra[key];
    else bundle.extra[key] = value;
  }

  if (patch.events === undefined) return derived;
  return patch.events.map((type) => namedEvent(type, bundle));
}
