// Fixture factory for TokPortal bundles as the API returns them (already parsed by the wire
// schemas, so defaults and nullability are exactly what the sync code sees in production).
// Shared by every helper's tests: keep it free of database or network code.
import {
  bundleDetailSchema,
  bundleListItemSchema,
  type BundleAccount,
  type BundleDetail,
  type BundleListItem,
  type Remade,
} from '../../src/tokportal/schemas.js';

export type DetailOverrides = Partial<Omit<BundleDetail, 'remade' | 'account'>> & {
  remade?: Partial<Remade>;
  /** null: no account yet; a partial object is merged over the default account. */
  account?: Partial<BundleAccount> | null;
};
export type ListItemOverrides = Partial<Omit<BundleListItem, 'remade'>> & {
  remade?: Partial<Remade>;
};

let sequence = 0;
/** A fresh, unique bundle id per call (ids are stable within one test run only). */
export function nextBundleId(): string {
  sequence += 1;
  return `bnd_test_${String(sequence).padStart(5, '0')}_${Math.random().toString(36).slice(2, 8)}`;
}

/** An ISO timestamp `minutes` after a fixed origin: handy for ordered updated_at values. */
export function at(minutes: number): string {
  return new Date(Date.UTC(2026, 0, 15, 10, 0, 0) + minutes * 60_000).toISOString();
}

const neverRemade: Remade = { was_remade: false, remade_count: 0, old_username: null, remade_at: null };

function listFields(id: string): Record<string, unknown> {
  return {
    id,
    bundle_type: 'account_and_videos',
    platform: 'tiktok',
    country: 'US',
    status: 'accepted',
    account_status: 'finalized',
    title: null,
    videos_quantity: 2,
    edits_quantity: 0,
    used_edits: 0,
    credit_cost: 40,
    external_ref: null,
    existing_account_id: null,
    auto_finalize_videos: true,
    wants_niche_warming: false,
    wants_deep_warming: false,
    wants_moderation: false,
    is_published: true,
    account_configured: true,
    videos_total: 2,
    videos_configured_count: 2,
    next_action: null,
    remade: neverRemade,
    created_at: at(0),
    updated_at: at(1),
  };
}

/** A GET /bundles/:id answer; everything can be overridden, `remade` and `account` are merged. */
export function makeDetail(overrides: DetailOverrides = {}): BundleDetail {
  const id: string = (overrides.id as string | undefined) ?? nextBundleId();
  const savedAccountId = overrides.saved_account_id === undefined ? `sa_${id}` : overrides.saved_account_id;
  const defaultAccount = {
    id: `al_${id}`,
    saved_account_id: savedAccountId,
    username: `user_${id}`,
    visible_name: 'Test User',
    biography: 'Just vibes.',
    profile_picture_url: 'https://example.com/pic.jpg',
  };
  const { remade, account, ...rest } = overrides;
  const base = listFields(id);
  return bundleDetailSchema.parse({
    ...base,
    saved_account_id: savedAccountId,
    videos: [
      { id: `vid_${id}_1`, position: 1, status: 'configured', name: 'Video 1' },
      { id: `vid_${id}_2`, position: 2, status: 'configured', name: 'Video 2' },
    ],
    ...rest,
    account: account === null ? null : { ...defaultAccount, ...account },
    remade: { ...neverRemade, ...remade },
  });
}

/** A GET /bundles item; everything can be overridden, `remade` is merged. */
export function makeListItem(overrides: ListItemOverrides = {}): BundleListItem {
  const id: string = (overrides.id as string | undefined) ?? nextBundleId();
  const { remade, ...rest } = overrides;
  return bundleListItemSchema.parse({ ...listFields(id), ...rest, remade: { ...neverRemade, ...remade } });
}

/** The list item GET /bundles would show for the same state as a detail. */
export function listItemOf(detail: BundleDetail): BundleListItem {
  const { account: _account, videos: _videos, saved_account_id: _saved, ...rest } = detail;
  return bundleListItemSchema.parse(rest);
}

/**
 * The detail after TokPortal remade the account once: new handle and saved account id,
 * remade_count + 1, old_username = the previous handle; bundle id and listing id unchanged.
 */
export function remadeDetail(
  previous: BundleDetail,
  next: { username: string; savedAccountId?: string | null; updatedAt: string; remadeAt?: string },
): BundleDetail {
  const savedAccountId = next.savedAccountId === undefined ? `sa_${next.username}` : next.savedAccountId;
  return bundleDetailSchema.parse({
    ...previous,
    saved_account_id: savedAccountId,
    account: { ...previous.account, saved_account_id: savedAccountId, username: next.username },
    remade: {
      was_remade: true,
      remade_count: previous.remade.remade_count + 1,
      old_username: previous.account?.username ?? null,
      remade_at: next.remadeAt ?? next.updatedAt,
    },
    updated_at: next.updatedAt,
  });
}
