// Turns what the API said into what the mirror stores: the merged raw document, the typed
// columns derived from it, and a flat "content" map that the hash and the changed-field list
// are computed from. Everything derives from the merged raw, so columns, hash and history can
// never disagree with each other.
import { canonicalJson, sha256Hex } from './canonical.js';
import type { Observation } from './observation.js';

export type RawBundle = Record<string, unknown>;

/**
 * A detail is the complete document and replaces what we held. A list item only overrides
 * the keys it carries: account, videos, saved_account_id (and anything else only a detail
 * shows) survive from the last detail, so a list observation never erases detail fields.
 */
export function mergeObservation(storedRaw: RawBundle | null, observation: Observation, underNewerList = false): RawBundle {
  const incoming = observation.bundle as RawBundle;
  if (observation.kind === 'list') return { ...(storedRaw ?? {}), ...incoming };
  if (underNewerList && storedRaw) {
    // A list item asked for after this detail holds the newer list fields: only what a list
    // cannot show comes from the detail.
    const merged = { ...storedRaw };
    for (const key of DETAIL_ONLY_KEYS) merged[key] = incoming[key] ?? null;
    return merged;
  }
  const merged = { ...incoming };
  // The documented detail has no account_status (a list item does). A detail that has an account
  // but says nothing of its status keeps the status the last list item showed; otherwise every
  // detail would erase it and every list item bring it back, a change each time.
  const listedStatus = storedRaw?.account_status;
  if (merged.account_status == null && merged.account != null && listedStatus != null) merged.account_status = listedStatus;
  return merged;
}

/** What a detail shows and a list item does not. */
export const DETAIL_ONLY_KEYS = ['account', 'videos', 'saved_account_id'] as const;

/**
 * Keys that say when, not what: a bump of updated_at alone is not a new version. (The
 * column api_updated_at still follows it: it is what the staleness guard compares.)
 */
const VOLATILE_KEYS: ReadonlySet<string> = new Set(['updated_at']);

// Nested objects are flattened under the names of the columns they land in, so changed
// fields read like the table ("username", not "account.username").
const REMADE_FIELDS: Record<string, string> = {
  was_remade: 'was_remade',
  remade_count: 'remade_count',
  old_username: 'old_username',
  remade_at: 'remade_at',
};
const ACCOUNT_FIELDS: Record<string, string> = {
  id: 'account_listing_id',
  username: 'username',
  visible_name: 'visible_name',
  biography: 'biography',
  profile_picture_url: 'profile_picture_url',
};

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** The meaningful content of a raw bundle as a flat map; null and missing are the same thing. */
export function contentOf(raw: RawBundle): Record<string, unknown> {
  const content: Record<string, unknown> = {};
  const put = (name: string, value: unknown) => {
    if (value !== null && value !== undefined) content[name] = value;
  };
  for (const [key, value] of Object.entries(raw)) {
    if (VOLATILE_KEYS.has(key)) continue;
    if (key === 'remade' && isRecord(value)) {
      for (const [k, v] of Object.entries(value)) put(REMADE_FIELDS[k] ?? `remade.${k}`, v);
    } else if (key === 'account' && isRecord(value)) {
      for (const [k, v] of Object.entries(value)) {
        // The API repeats saved_account_id inside account; one name for one fact.
        if (k === 'saved_account_id') {
          if (raw.saved_account_id === undefined) put('saved_account_id', v);
          continue;
        }
        put(ACCOUNT_FIELDS[k] ?? `account.${k}`, v);
      }
    } else if (key === 'videos' && Array.isArray(value)) {
      put('videos', [...value].sort((a, b) => positionOf(a) - positionOf(b)));
    } else {
      put(key, value);
    }
  }
  return content;
}

const positionOf = (video: unknown): number =>
  isRecord(video) && typeof video.position === 'number' ? video.position : Number.MAX_SAFE_INTEGER;

export function contentHash(content: Record<string, unknown>): string {
  return sha256Hex(canonicalJson(content));
}

/** Names of the content fields whose values differ, sorted. */
export function changedFields(before: Record<string, unknown>, after: Record<string, unknown>): string[] {
  const names = new Set([...Object.keys(before), ...Object.keys(after)]);
  return [...names].filter((name) => canonicalJson(before[name]) !== canonicalJson(after[name])).sort();
}

/** The typed fields of a bundle, each derived from the merged raw document (columnsFromRaw). */
export type BundleColumns = {
  bundleId: string;
  externalRef: string | null;
  title: string | null;
  bundleType: string | null;
  platform: string | null;
  country: string | null;
  status: string;
  accountStatus: string | null;
  videosQuantity: number | null;
  editsQuantity: number | null;
  usedEdits: number | null;
  creditCost: number | null;
  existingAccountId: string | null;
  autoFinalizeVideos: boolean | null;
  wantsNicheWarming: boolean | null;
  wantsDeepWarming: boolean | null;
  wantsModeration: boolean | null;
  isPublished: boolean | null;
  accountConfigured: boolean | null;
  videosTotal: number | null;
  videosConfiguredCount: number | null;
  nextAction: string | null;
  wasRemade: boolean;
  remadeCount: number;
  oldUsername: string | null;
  remadeAt: Date | null;
  savedAccountId: string | null;
  accountListingId: string | null;
  username: string | null;
  visibleName: string | null;
  biography: string | null;
  profilePictureUrl: string | null;
  apiCreatedAt: Date | null;
  apiUpdatedAt: Date;
};

// The raw document may have been through jsonb, so every value is checked, never cast.
const text = (value: unknown): string | null => (typeof value === 'string' ? value : null);
const int = (value: unknown): number | null => (typeof value === 'number' && Number.isInteger(value) ? value : null);
const bool = (value: unknown): boolean | null => (typeof value === 'boolean' ? value : null);
export function timestampOf(value: unknown): Date | null {
  if (typeof value !== 'string') return null;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? null : new Date(ms);
}

/** The typed columns of the bundles table, all derived from the merged raw document. */
export function columnsFromRaw(raw: RawBundle): BundleColumns {
  const bundleId = text(raw.id);
  if (!bundleId) throw new Error('bundle has no id');
  const apiUpdatedAt = timestampOf(raw.updated_at);
  // The staleness guard cannot work without it; refuse rather than guess.
  if (!apiUpdatedAt) throw new Error(`bundle ${bundleId}: updated_at is not a timestamp`);
  const remade = isRecord(raw.remade) ? raw.remade : {};
  const account = isRecord(raw.account) ? raw.account : {};
  return {
    bundleId,
    externalRef: text(raw.external_ref),
    title: text(raw.title),
    bundleType: text(raw.bundle_type),
    platform: text(raw.platform),
    country: text(raw.country),
    status: text(raw.status) ?? 'unknown',
    accountStatus: text(raw.account_status),
    videosQuantity: int(raw.videos_quantity),
    editsQuantity: int(raw.edits_quantity),
    usedEdits: int(raw.used_edits),
    creditCost: int(raw.credit_cost),
    existingAccountId: text(raw.existing_account_id),
    autoFinalizeVideos: bool(raw.auto_finalize_videos),
    wantsNicheWarming: bool(raw.wants_niche_warming),
    wantsDeepWarming: bool(raw.wants_deep_warming),
    wantsModeration: bool(raw.wants_moderation),
    isPublished: bool(raw.is_published),
    accountConfigured: bool(raw.account_configured),
    videosTotal: int(raw.videos_total),
    videosConfiguredCount: int(raw.videos_configured_count),
    nextAction: text(raw.next_action),
    wasRemade: bool(remade.was_remade) ?? false,
    remadeCount: int(remade.remade_count) ?? 0,
    oldUsername: text(remade.old_username),
    remadeAt: timestampOf(remade.remade_at),
    savedAccountId: text(raw.saved_account_id) ?? text(account.saved_account_id),
    accountListingId: text(account.id),
    username: text(account.username),
    visibleName: text(account.visible_name),
    biography: text(account.biography),
    profilePictureUrl: text(account.profile_picture_url),
    apiCreatedAt: timestampOf(raw.created_at),
    apiUpdatedAt,
  };
}

export type VideoSlot = { position: number; videoId: string; status: string; name: string | null; raw: RawBundle };

/** The video slots of a detail, one per position (a repeated position keeps its last entry). */
export function videoSlotsOf(raw: RawBundle): VideoSlot[] {
  if (!Array.isArray(raw.videos)) return [];
  const byPosition = new Map<number, VideoSlot>();
  for (const video of raw.videos) {
    if (!isRecord(video)) continue;
    const position = int(video.position);
    if (position === null) continue;
    byPosition.set(position, {
      position,
      videoId: text(video.id) ?? '',
      status: text(video.status) ?? 'unknown',
      name: text(video.name),
      raw: video,
    });
  }
  return [...byPosition.values()].sort((a, b) => a.position - b.position);
}
