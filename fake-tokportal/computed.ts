// TokPortal's documented computed state fields, publish-readiness blockers and credit cost:
// pure functions of a record, so the API, the lifecycle and the tests agree on them.
import { BUNDLE_STATUSES, VIDEO_STATUSES, type BundleRecord, type BundleType } from './model.js';

/**
 * "true once the bundle has been published": every status from publication on, the video phase
 * (in_review, finalized) included; a bundle cancelled or archived after publication stays
 * published. The documentation's parenthesis ("published, published_priority, accepted, or
 * completed") lists the account-phase statuses; the video phase comes after accepted, so it is
 * past publication too. Back to pending_setup (unpublish) it is not published any more.
 */
const PUBLISHED_STATUSES: ReadonlySet<string> = new Set(['published', 'published_priority', 'accepted', 'in_review', 'finalized', 'completed']);
const WITHDRAWN_STATUSES: ReadonlySet<string> = new Set(['cancelled', 'archived']);
/** Publish-eligible account statuses. */
const CONFIGURED_ACCOUNT_STATUSES: ReadonlySet<string> = new Set(['configured', 'finalized']);
/** "any of configured, in_review, pending_corrections, accepted, published, finalized": every status past pending. */
const CONFIGURED_VIDEO_STATUSES: ReadonlySet<string> = new Set(VIDEO_STATUSES.filter((status) => status !== 'pending'));
/** Statuses past publication (all but the setup and withdrawn ones): readiness answers BUNDLE_ALREADY_PUBLISHED for them. */
const ALREADY_PUBLISHED_STATUSES: ReadonlySet<string> = new Set(
  BUNDLE_STATUSES.filter((status) => !['draft', 'pending_setup', 'cancelled', 'archived'].includes(status)),
);
export const REQUIRED_ACCOUNT_FIELDS = ['username', 'visible_name', 'profile_picture_url'] as const;

export const needsAccountSetup = (type: BundleType): boolean => type !== 'videos_only';

export const isPublished = (bundle: BundleRecord): boolean =>
  PUBLISHED_STATUSES.has(bundle.status) || (WITHDRAWN_STATUSES.has(bundle.status) && bundle.publishedOnce);

/** A status that means the bundle went through publication (an operator may set one directly). */
export const isPublicationStatus = (status: string): boolean => PUBLISHED_STATUSES.has(status);

export const isAccountConfigured = (bundle: BundleRecord): boolean =>
  bundle.account !== null && CONFIGURED_ACCOUNT_STATUSES.has(bundle.account.status);

export const isVideoConfigured = (status: string): boolean => CONFIGURED_VIDEO_STATUSES.has(status);

export const videosConfiguredCount = (bundle: BundleRecord): number =>
  bundle.videos.reduce((count, video) => count + (isVideoConfigured(video.status) ? 1 : 0), 0);

export function missingAccountFields(bundle: BundleRecord): string[] {
  const account = bundle.account;
  if (!account) return [...REQUIRED_ACCOUNT_FIELDS];
  const values = { username: account.username, visible_name: account.visibleName, profile_picture_url: account.profilePictureUrl };
  return REQUIRED_ACCOUNT_FIELDS.filter((field) => !values[field]);
}

export type NextAction = 'configure_account' | 'configure_videos' | 'publish_bundle' | null;

/** The configure → publish flow; null once the bundle is past setup (or not in it: draft, cancelled...). */
export function nextAction(bundle: BundleRecord): NextAction {
  if (bundle.status !== 'pending_setup') return null;
  if (needsAccountSetup(bundle.bundleType) && (!isAccountConfigured(bundle) || missingAccountFields(bundle).length > 0)) {
    return 'configure_account';
  }
  if (videosConfiguredCount(bundle) < bundle.videos.length) return 'configure_videos';
  return 'publish_bundle';
}

export type Blocker = { code: string; message: string; details?: Record<string, unknown> };

/** Everything POST /publish would refuse, in the order TokPortal's documentation lists the codes. */
export function publishBlockers(bundle: BundleRecord): Blocker[] {
  if (ALREADY_PUBLISHED_STATUSES.has(bundle.status)) {
    return [
      {
        code: 'BUNDLE_ALREADY_PUBLISHED',
        message: 'The bundle is already published or accepted.',
        details: { current_status: bundle.status },
      },
    ];
  }
  const blockers: Blocker[] = [];
  if (bundle.status !== 'pending_setup') {
    blockers.push({
      code: 'BUNDLE_NOT_IN_SETUP',
      message: `The bundle's status is ${bundle.status}, not pending_setup.`,
      details: { current_status: bundle.status },
    });
  }
  const account = bundle.account;
  if (!account) {
    blockers.push({ code: 'ACCOUNT_MISSING', message: 'No account configuration exists yet for the bundle.' });
    return blockers;
  }
  if (!CONFIGURED_ACCOUNT_STATUSES.has(account.status)) {
    blockers.push({
      code: 'ACCOUNT_NOT_CONFIGURED',
      message: 'The account exists but is not configured yet.',
      details: { account_status: account.status },
    });
  }
  const missing = missingAccountFields(bundle);
  if (missing.length > 0) {
    blockers.push({
      code: 'ACCOUNT_MISSING_FIELDS',
      message: 'Account is missing required fields.',
      details: { missing_fields: missing },
    });
  }
  return blockers;
}

export type CostInput = {
  bundleType: BundleType;
  videosQuantity: number;
  editsQuantity: number;
  wantsDeepWarming: boolean;
};

/**
 * Credits: 10 for an account, 10 per video slot, 5 per edit slot, 20 for deep warming.
 * Fits both documented examples (account_and_videos with niche warming: 3 videos → 40, 5 videos → 60);
 * TokPortal's real price list is not public.
 */
export function creditCost(input: CostInput): number {
  const account = needsAccountSetup(input.bundleType) ? 10 : 0;
  return account + 10 * input.videosQuantity + 5 * input.editsQuantity + (input.wantsDeepWarming ? 20 : 0);
}
