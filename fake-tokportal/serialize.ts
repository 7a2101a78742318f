// Records → the exact JSON shapes TokPortal documents (GET /bundles item, GET /bundles/:id, PATCH answer).
import { isAccountConfigured, isPublished, nextAction, videosConfiguredCount } from './computed.js';
import type { BundleRecord } from './model.js';

export function toListItem(bundle: BundleRecord): Record<string, unknown> {
  return {
    ...bundle.extra,
    id: bundle.id,
    bundle_type: bundle.bundleType,
    platform: bundle.platform,
    country: bundle.country,
    status: bundle.status,
    account_status: bundle.account?.status ?? null,
    title: bundle.title,
    videos_quantity: bundle.videosQuantity,
    edits_quantity: bundle.editsQuantity,
    used_edits: bundle.usedEdits,
    credit_cost: bundle.creditCost,
    external_ref: bundle.externalRef,
    existing_account_id: bundle.existingAccountId,
    auto_finalize_videos: bundle.autoFinalizeVideos,
    wants_niche_warming: bundle.wantsNicheWarming,
    wants_deep_warming: bundle.wantsDeepWarming,
    // Deprecated and ignored by TokPortal: always false.
    wants_moderation: false,
    is_published: isPublished(bundle),
    account_configured: isAccountConfigured(bundle),
    videos_total: bundle.videos.length,
    videos_configured_count: videosConfiguredCount(bundle),
    next_action: nextAction(bundle),
    remade: {
      was_remade: bundle.remadeCount > 0,
      remade_count: bundle.remadeCount,
      old_username: bundle.oldUsername,
      remade_at: bundle.remadeAt,
    },
    created_at: bundle.createdAt,
    updated_at: bundle.updatedAt,
  };
}

export function toDetail(bundle: BundleRecord): Record<string, unknown> {
  const { created_at, updated_at, ...item } = toListItem(bundle);
  const account = bundle.account;
  return {
    ...item,
    saved_account_id: account?.savedAccountId ?? null,
    account: account && {
      id: account.id,
      saved_account_id: account.savedAccountId,
      username: account.username,
      visible_name: account.visibleName,
      biography: account.biography,
      profile_picture_url: account.profilePictureUrl,
    },
    videos: toVideos(bundle),
    created_at,
    updated_at,
  };
}

/** GET /bundles/:id/account and PUT's answer: the detail's account plus its status (the list's account_status). */
export function toAccount(bundle: BundleRecord): Record<string, unknown> | null {
  const account = bundle.account;
  if (!account) return null;
  return {
    id: account.id,
    bundle_id: bundle.id,
    saved_account_id: account.savedAccountId,
    username: account.username,
    visible_name: account.visibleName,
    biography: account.biography,
    profile_picture_url: account.profilePictureUrl,
    status: account.status,
  };
}

/** GET /bundles/:id/videos: the detail's video slots. */
export const toVideos = (bundle: BundleRecord): Record<string, unknown>[] =>
  bundle.videos.map((video) => ({ id: video.id, position: video.position, status: video.status, name: video.name }));

/** GET /accounts/:id: the delivered account (id = saved_account_id) and the bundles that use it. */
export function toSavedAccount(savedAccountId: string, bundles: BundleRecord[]): Record<string, unknown> {
  // The bundle that delivered it (not a videos_only one posting on it) says the most; else the first.
  const main = bundles.find((bundle) => bundle.bundleType !== 'videos_only') ?? bundles[0]!;
  const account = main.account!;
  return {
    id: savedAccountId,
    platform: main.platform,
    username: account.username,
    visible_name: account.visibleName,
    biography: account.biography,
    profile_picture_url: account.profilePictureUrl,
    status: account.status,
    bundle_ids: bundles.map((bundle) => bundle.id),
  };
}

/** PATCH /bundles/:id answers only the settable fields (seed, Update Bundle). */
export const toPatchAnswer = (bundle: BundleRecord) => ({
  id: bundle.id,
  title: bundle.title,
  auto_finalize_videos: bundle.autoFinalizeVideos,
  external_ref: bundle.externalRef,
  updated_at: bundle.updatedAt,
});
