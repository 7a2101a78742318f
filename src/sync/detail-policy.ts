// Decides whether a bundle seen in a list page needs GET /bundles/:id. A list item carries
// every field but the account and the videos, so a detail call is only worth its share of
// the rate limit when those can have changed since the detail we hold.
import type { BundleListItem } from '../tokportal/schemas.js';

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
  remadeCount: number;
  accountStatus: string | null;
  deletedAt: Date | null;
};

export type DetailReason =
  | 'always'
  | 'never-seen'
  | 'never-seen-in-detail'
  | 'updated-since-last-look'
  | 'updated-since-detail'
  | 'remade'
  | 'account-status-changed'
  | 'back-from-tombstone';

export type DetailDecision = { fetch: true; reason: DetailReason } | { fetch: false };

const SKIP: DetailDecision = { fetch: false };

export function decideDetailFetch(
  item: Pick<BundleListItem, 'updated_at' | 'account_status' | 'remade'>,
  known: KnownBundleState | undefined,
  mode: DetailsMode,
): DetailDecision {
  if (mode === 'never') return SKIP;
  if (mode === 'always') return { fetch: true, reason: 'always' };
  if (!known) return { fetch: true, reason: 'never-seen' };
  // A tombstone that shows up in a listing again was a wrong 404 or a restore: look closely.
  if (known.deletedAt) return { fetch: true, reason: 'back-from-tombstone' };
  if (!known.detailSyncedAt) return { fetch: true, reason: 'never-seen-in-detail' };

  const listedUpdatedAt = Date.parse(item.updated_at);
  // An unreadable timestamp proves nothing either way; pay one call rather than miss a change.
  if (Number.isNaN(listedUpdatedAt)) return { fetch: true, reason: 'updated-since-last-look' };
  if (listedUpdatedAt > known.apiUpdatedAt.getTime()) return { fetch: true, reason: 'updated-since-last-look' };
  // Catches a change applied from an earlier list observation (e.g. a `--details never` run)
  // that was never followed by a detail fetch. Both sides are TokPortal's clock; only rows
  // from before detail_updated_at existed fall back to our clock (detail_synced_at), where a
  // skew costs at most a spare call for a bundle updated moments before its detail sync.
  const detailAsOf = known.detailUpdatedAt ?? known.detailSyncedAt;
  if (listedUpdatedAt > detailAsOf.getTime()) return { fetch: true, reason: 'updated-since-detail' };
  // A remake swaps the account (handle, saved_account_id): detail-only fields.
  if (item.remade.remade_count !== known.remadeCount) return { fetch: true, reason: 'remade' };
  if (item.account_status !== known.accountStatus) return { fetch: true, reason: 'account-status-changed' };
  return SKIP;
}
