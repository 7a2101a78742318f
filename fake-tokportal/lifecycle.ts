// How a bundle moves, as the operators at TokPortal move it. Each step mutates the record
// and returns the webhooks TokPortal would send; the caller stamps updated_at and emits.
// Sequence (account bundles): pending_setup, account configured, videos configured,
// published, accepted with the account in_review (saved_account_id appears: the operator accepted
// the work and delivered the account for review, the documentation's own example of a list item),
// account finalized, videos in_review, videos finalized, completed. videos_only skips the account steps.
import { isAccountConfigured, needsAccountSetup, publishBlockers, videosConfiguredCount } from './computed.js';
import { accountEvent, bundleEvent, videoEvents } from './events.js';
import { invalidStatus, validationError, type AccountRecord, type BundleRecord, type PendingEvent } from './model.js';
import { newIdentity, profilePictureUrl } from './naming.js';
import { rngId, rngUuid, type Rng } from './random.js';

export type LifecycleContext = {
  rng: Rng;
  /** The instant of the change (ISO), for remade_at. */
  at: string;
  /** saved account id → username, shared with videos_only bundles on existing accounts. */
  savedAccounts: Map<string, string>;
};

export const STEP_NAMES = [
  'configure_account',
  'configure_videos',
  'publish',
  'account_in_review',
  'finalize_account',
  'videos_in_review',
  'finalize_videos',
  'complete',
] as const;
export type StepName = (typeof STEP_NAMES)[number];

/** The next step from the current state (not a counter), so operator edits in between are respected. */
export function planNextStep(bundle: BundleRecord): StepName | null {
  const hasVideos = bundle.videos.length > 0;
  switch (bundle.status) {
    case 'pending_setup':
      if (needsAccountSetup(bundle.bundleType) && !isAccountConfigured(bundle)) return 'configure_account';
      if (videosConfiguredCount(bundle) < bundle.videos.length) return 'configure_videos';
      return 'publish';
    case 'published':
    case 'published_priority': {
      if (!needsAccountSetup(bundle.bundleType)) return hasVideos ? 'videos_in_review' : 'complete';
      return accountAwaitsFinalization(bundle) ? 'finalize_account' : 'account_in_review';
    }
    case 'accepted':
      if (needsAccountSetup(bundle.bundleType) && accountAwaitsFinalization(bundle)) return 'finalize_account';
      return hasVideos ? 'videos_in_review' : 'complete';
    case 'in_review':
      return 'finalize_videos';
    case 'finalized':
      return 'complete';
    default:
      // draft, completed, cancelled, archived and unknown statuses do not move on their own.
      return null;
  }
}

/** Delivered for review (or sent back for corrections), not finalized yet. */
function accountAwaitsFinalization(bundle: BundleRecord): boolean {
  const status = bundle.account?.status;
  return status === 'in_review' || status === 'pending_corrections';
}

/** The bundle's account slot, created empty (status pending) the first time anyone touches it. */
export function ensureAccount(bundle: BundleRecord, rng: Rng): AccountRecord {
  bundle.account ??= {
    id: rngId(rng, 'al_'),
    savedAccountId: null,
    username: null,
    visibleName: null,
    biography: null,
    profilePictureUrl: null,
    status: 'pending',
  };
  return bundle.account;
}

/** Records a username in the handle history when it differs from the last one. */
export function recordHandle(bundle: BundleRecord, username: string | null): void {
  if (username && bundle.handles[bundle.handles.length - 1] !== username) bundle.handles.push(username);
}

const steps: Record<StepName, (bundle: BundleRecord, ctx: LifecycleContext) => PendingEvent[]> = {
  configure_account(bundle, ctx) {
    const account = ensureAccount(bundle, ctx.rng);
    const identity = newIdentity(ctx.rng);
    account.username ??= identity.username;
    account.visibleName ??= identity.visibleName;
    account.biography ??= identity.biography;
    account.profilePictureUrl ??= profilePictureUrl(account.id);
    account.status = 'configured';
    recordHandle(bundle, account.username);
    return [accountEvent('account.configured', bundle)];
  },
  configure_videos(bundle) {
    const changed = bundle.videos.filter((video) => video.status === 'pending');
    for (const video of changed) video.status = 'configured';
    return videoEvents('video.configured', bundle, changed);
  },
  publish(bundle) {
    return publish(bundle);
  },
  account_in_review(bundle, ctx) {
    const account = ensureAccount(bundle, ctx.rng);
    account.status = 'in_review';
    // The operator accepted the account work; the account itself is now under review.
    if (bundle.status === 'published' || bundle.status === 'published_priority') bundle.status = 'accepted';
    // The real account is created now: saved_account_id appears.
    account.savedAccountId ??= rngUuid(ctx.rng);
    if (account.username) ctx.savedAccounts.set(account.savedAccountId, account.username);
    return [accountEvent('account.in_review', bundle)];
  },
  finalize_account(bundle, ctx) {
    const account = ensureAccount(bundle, ctx.rng);
    account.status = 'finalized';
    if (bundle.status === 'published' || bundle.status === 'published_priority') bundle.status = 'accepted';
    return [accountEvent('account.finalized', bundle)];
  },
  videos_in_review(bundle) {
    for (const video of bundle.videos) video.status = 'in_review';
    bundle.status = 'in_review';
    return videoEvents('video.in_review', bundle, bundle.videos);
  },
  finalize_videos(bundle) {
    for (const video of bundle.videos) video.status = 'finalized';
    bundle.status = 'finalized';
    return videoEvents('video.finalized', bundle, bundle.videos);
  },
  complete(bundle) {
    bundle.status = 'completed';
    if (bundle.videos.length === 0) {
      // TokPortal documents no bundle.completed event; handing the finished account over is account.revealed.
      return [accountEvent('account.revealed', bundle)];
    }
    for (const video of bundle.videos) video.status = 'published';
    return videoEvents('video.published', bundle, bundle.videos);
  },
};

export function advance(bundle: BundleRecord, ctx: LifecycleContext): { step: StepName; events: PendingEvent[] } {
  const step = planNextStep(bundle);
  if (!step) throw invalidStatus(bundle, 'advance');
  return { step, events: steps[step](bundle, ctx) };
}

/** POST /bundles/:id/publish: status blockers → 409, account blockers → 400 with the blocker list. */
export function publish(bundle: BundleRecord): PendingEvent[] {
  const blockers = publishBlockers(bundle);
  if (blockers.some((b) => b.code === 'BUNDLE_ALREADY_PUBLISHED' || b.code === 'BUNDLE_NOT_IN_SETUP')) {
    throw invalidStatus(bundle, 'publish');
  }
  if (blockers.length > 0) throw validationError('The bundle is not ready to publish.', { blockers });
  bundle.status = 'published';
  bundle.publishedOnce = true;
  const events = [bundleEvent('bundle.published', bundle)];
  if (bundle.account && needsAccountSetup(bundle.bundleType)) events.push(accountEvent('account.published', bundle));
  return events;
}

/** Back to setup, only while no operator has accepted the work yet. TokPortal documents no event for it. */
export function unpublish(bundle: BundleRecord): PendingEvent[] {
  if (bundle.status !== 'published' && bundle.status !== 'published_priority') throw invalidStatus(bundle, 'unpublish');
  bundle.status = 'pending_setup';
  return [];
}

/**
 * The account was banned or lost and rebuilt in place: new handle and saved account,
 * same bundle_id, account listing id and external_ref (seed, Remake info).
 */
export function remake(bundle: BundleRecord, ctx: LifecycleContext): PendingEvent[] {
  const account = bundle.account;
  if (!account || !account.username) throw invalidStatus(bundle, 'remake (no delivered account)');
  const previousUsername = account.username;
  const previousSavedAccountId = account.savedAccountId;
  let username = newIdentity(ctx.rng).username;
  while (bundle.handles.includes(username)) username = newIdentity(ctx.rng).username;
  account.username = username;
  account.savedAccountId = rngUuid(ctx.rng);
  ctx.savedAccounts.set(account.savedAccountId, username);
  bundle.remadeCount += 1;
  bundle.oldUsername = previousUsername;
  bundle.remadeAt = ctx.at;
  recordHandle(bundle, username);
  return [
    accountEvent('account.remade', bundle, {
      old_username: previousUsername,
      old_saved_account_id: previousSavedAccountId,
      remade_count: bundle.remadeCount,
      remade_at: bundle.remadeAt,
    }),
  ];
}
