// Decides whether a bundle seen in a list page needs GET /bundles/:id. A list item carries
// every field but the account and the videos, so a detail call is only worth its share of
// the rate limit when those can have changed since the detail we hold.
import type { BundleListItem } from '../tokportal/schemas.js';
import { canonicalJson } from './canonical.js';

export const DETAILS_MODES = ['auto', 'always', 'never'] as const;
export type DetailsMode = (typeof DETAILS_MODES)[number];

export const isDetailsMode = (value: string): value is DetailsMode =>
  (DETAILS_MODES as readonly string[]).includes(value);

/** What the mirror knows of a bundle, read before the list item is applied. */
export type KnownBundleState = {
  apiUpdatedAt: Date;
  detailSyncedAt: Date | null;
  /** TokPortal's updated_at of the last detail applied; null for rows synced before it was kept. */
  detailUpdatedAt: Date | null;
  deletedAt: Date | null;
  /** The stored document: every field the list item carries is compared with it. */
  raw: unknown;
};

export type DetailReason =
  | 'always'
  | 'never-seen'
  | 'never-seen-in-detail'
  | 'updated-since-last-look'
  | 'updated-since-detail'
  | 'list-fields-changed'
  | 'back-from-tombstone';

export type DetailDecision = { fetch: true; reason: DetailReason; fields?: string[] } | { fetch: false };

const SKIP: DetailDecision = { fetch: false };

/** Fields a list item carries that say when, not what. */
const TIME_KEYS: ReadonlySet<string> = new Set(['updated_at']);

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * The fields of a list item whose value differs from the stored document (null and missing are the
 * same fact). updated_at is left out: it is compared as time above. A list item carries no account
 * or videos, so those are never compared here.
 */
export function changedListFields(item: Record<string, unknown>, stored: unknown): string[] {
  const raw = isRecord(stored) ? stored : {};
  const same = (a: unknown, b: unknown) => canonicalJson(a ?? null) === canonicalJson(b ?? null);
  return Object.keys(item)
    .filter((key) => !TIME_KEYS.has(key) && !same(item[key], raw[key]))
    .sort();
}

/**
 * Whether a bundle seen in a list page needs GET /bundles/:id. updated_at alone cannot say: it may
 * be whole seconds, and account, handle, video and remake changes may not move it
 * (docs/tokportal-api.md). So every field the item carries is compared with what the mirror holds;
 * any difference (account_status, remade, videos_configured_count, next_action...) can come with
 * changes only a detail shows, and costs one call. Changes no list field reveals are left to
 * rolling verification.
 */
export function decideDetailFetch(
  item: Pick<BundleListItem, 'updated_at'> & Record<string, unknown>,
  known: KnownBundleState | undefined,
  mode: DetailsMode,
  /** An earlier pass of this run listed the bundle and asked for what it needed then: only a change since counts. */
  listedEarlierInRun = false,
): DetailDecision {
  if (mode === 'never') return SKIP;
  if (!listedEarlierInRun) {
    if (mode === 'always') return { fetch: true, reason: 'always' };
    if (!known) return { fetch: true, reason: 'never-seen' };
    // A tombstone that shows up in a listing again was a wrong 404 or a restore: look closely.
    if (known.deletedAt) return { fetch: true, reason: 'back-from-tombstone' };
    if (!known.detailSyncedAt) return { fetch: true, reason: 'never-seen-in-detail' };
  }
  if (!known) return { fetch: true, reason: 'never-seen' };

  const listedUpdatedAt = Date.parse(item.updated_at);
  // An unreadable timestamp proves nothing either way; pay one call rather than miss a change.
  if (Number.isNaN(listedUpdatedAt)) return { fetch: true, reason: 'updated-since-last-look' };
  if (listedUpdatedAt > known.apiUpdatedAt.getTime()) return { fetch: true, reason: 'updated-since-last-look' };
  // An older item is a stale page: the mirror already holds a newer state.
  if (listedUpdatedAt < known.apiUpdatedAt.getTime()) return SKIP;
  // Catches a change applied from an earlier list observation (e.g. a `--details never` run)
  // that was never followed by a detail fetch. Both sides are TokPortal's clock; only rows
  // from before detail_updated_at existed fall back to our clock (detail_synced_at), where a
  // skew costs at most a spare call for a bundle updated moments before its detail sync.
  // (An earlier pass of this run already asked for that detail: it may still be in the queue.)
  const detailAsOf = known.detailUpdatedAt ?? known.detailSyncedAt;
  if (!listedEarlierInRun && detailAsOf && listedUpdatedAt > detailAsOf.getTime()) return { fetch: true, reason: 'updated-since-detail' };
  const fields = changedListFields(item, known.raw);
  if (fields.length > 0) return { fetch: true, reason: 'list-fields-changed', fields };
  return SKIP;
}
