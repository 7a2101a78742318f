// A new bundle as POST /bundles creates it: pending_setup, no account yet (videos_only:
// the existing account, already delivered), every video slot pending.
import { creditCost } from './computed.js';
import type { BundleRecord } from './model.js';
import { newIdentity, profilePictureUrl } from './naming.js';
import { rngId, type Rng } from './random.js';
import type { CreateBundleInput } from './validation.js';

export type NewBundleInput = Omit<CreateBundleInput, 'wants_moderation'>;

export function buildBundle(
  input: NewBundleInput,
  owner: string,
  at: string,
  rng: Rng,
  savedAccounts: Map<string, string>,
): BundleRecord {
  const id = rngId(rng, 'bnd_');
  const bundle: BundleRecord = {
    id,
    owner,
    bundleType: input.bundle_type,
    platform: input.platform,
    country: input.country,
    status: 'pending_setup',
    title: input.title ?? null,
    videosQuantity: input.videos_quantity,
    editsQuantity: input.edits_quantity,
    usedEdits: 0,
    creditCost: creditCost({
      bundleType: input.bundle_type,
      videosQuantity: input.videos_quantity,
      editsQuantity: input.edits_quantity,
      wantsDeepWarming: input.wants_deep_warming,
    }),
    externalRef: input.external_ref ?? null,
    existingAccountId: input.existing_account_id ?? null,
    autoFinalizeVideos: input.auto_finalize_videos,
    wantsNicheWarming: input.wants_niche_warming,
    nicheWarmingInstructions: input.niche_warming_instructions ?? null,
    wantsDeepWarming: input.wants_deep_warming,
    account: null,
    videos: Array.from({ length: input.videos_quantity }, (_, index) => ({
      id: rngId(rng, 'vid_'),
      position: index + 1,
      status: 'pending',
      name: `Video ${index + 1}`,
    })),
    publishedOnce: false,
    remadeCount: 0,
    oldUsername: null,
    remadeAt: null,
    handles: [],
    extra: {},
    createdAt: at,
    updatedAt: at,
  };
  if (input.bundle_type === 'videos_only' && input.existing_account_id) {
    const savedAccountId = input.existing_account_id;
    const identity = newIdentity(rng);
    const username = savedAccounts.get(savedAccountId) ?? identity.username;
    savedAccounts.set(savedAccountId, username);
    const listingId = rngId(rng, 'al_');
    bundle.account = {
      id: listingId,
      savedAccountId,
      username,
      visibleName: identity.visibleName,
      biography: identity.biography,
      profilePictureUrl: profilePictureUrl(listingId),
      status: 'finalized',
    };
    bundle.handles.push(username);
  }
  return bundle;
}
