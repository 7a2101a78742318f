// The configure steps a client takes before publishing (PUT /bundles/:id/account and
// PUT /bundles/:id/videos/batch), as next_action points to them. Each mutates the record and
// returns the webhooks TokPortal would send; the service stamps and emits.
import { isAccountConfigured, missingAccountFields, needsAccountSetup, publishBlockers } from './computed.js';
import { accountEvent, videoEvents } from './events.js';
import { ensureAccount, publish, recordHandle } from './lifecycle.js';
import { invalidStatus, validationError, type BundleRecord, type PendingEvent } from './model.js';
import type { Rng } from './random.js';
import type { ConfigureAccountInput, ConfigureVideosInput } from './validation.js';

/** Setup is editable only before publication (the same rule as publish-readiness' BUNDLE_NOT_IN_SETUP). */
function assertInSetup(bundle: BundleRecord, action: string): void {
  if (bundle.status !== 'pending_setup') throw invalidStatus(bundle, action);
}

function assertPublishable(bundle: BundleRecord): void {
  const blockers = publishBlockers(bundle);
  if (blockers.length > 0) throw validationError('auto_publish: the bundle is not ready to publish.', { blockers });
}

export function configureAccount(bundle: BundleRecord, input: ConfigureAccountInput, rng: Rng): PendingEvent[] {
  if (!needsAccountSetup(bundle.bundleType)) {
    throw validationError('videos_only bundles post on an existing account: there is no account to configure.', {
      bundle_type: bundle.bundleType,
    });
  }
  assertInSetup(bundle, 'configure the account of');
  const account = ensureAccount(bundle, rng);
  const wasConfigured = isAccountConfigured(bundle);
  if (input.username !== undefined) account.username = input.username;
  if (input.visible_name !== undefined) account.visibleName = input.visible_name;
  if (input.biography !== undefined) account.biography = input.biography;
  if (input.profile_picture_url !== undefined) account.profilePictureUrl = input.profile_picture_url;
  recordHandle(bundle, account.username);
  // Configured once every required field is there (publish-readiness' ACCOUNT_MISSING_FIELDS).
  account.status = missingAccountFields(bundle).length === 0 ? 'configured' : 'pending';
  return !wasConfigured && account.status === 'configured' ? [accountEvent('account.configured', bundle)] : [];
}

export function configureVideos(bundle: BundleRecord, input: ConfigureVideosInput): PendingEvent[] {
  assertInSetup(bundle, 'configure the videos of');
  // Refused before anything changes: a failed auto_publish leaves the slots as they were.
  if (input.auto_publish) assertPublishable(bundle);
  const byPosition = new Map(bundle.videos.map((video) => [video.position, video]));
  const unknown = input.videos.map((video) => video.position).filter((position) => !byPosition.has(position));
  if (unknown.length > 0) {
    throw validationError(`No video slot at position ${unknown.join(', ')}.`, {
      positions: unknown,
      videos_total: bundle.videos.length,
    });
  }
  const changed = [];
  for (const entry of input.videos) {
    const video = byPosition.get(entry.position)!;
    if (entry.name !== undefined) video.name = entry.name;
    if (video.status === 'pending') {
      video.status = 'configured';
      changed.push(video);
    }
  }
  const events = videoEvents('video.configured', bundle, changed);
  if (input.auto_publish) events.push(...publish(bundle));
  return events;
}
