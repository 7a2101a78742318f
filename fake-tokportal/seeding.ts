// `--bundles N --seed S`: N realistic bundles, the same ones for the same seed. Each is
// built like a real one: created, then moved through the lifecycle steps (silently, no
// webhooks), some remade, a few cancelled or archived, so every filter and computed field has data.
import { advance, planNextStep, remake, type LifecycleContext } from './lifecycle.js';
import type { BundleRecord, BundleType } from './model.js';
import { createRng, pick, pickWeighted, randomInt, rngUuid, type Rng } from './random.js';
import { compareListOrder, type BundleStore } from './store.js';
import { buildBundle } from './factory.js';
import { formatInstant } from './profile.js';

const ANCHOR_MS = Date.UTC(2026, 0, 5);
const CREATION_SPAN_MS = 240 * 24 * 3_600_000;
const HOUR_MS = 3_600_000;
const CAMPAIGN_SIZE = 40;

const countries = [
  ['US', 30], ['GB', 12], ['FR', 10], ['DE', 10], ['BR', 9], ['ES', 6], ['IT', 5], ['CA', 5], ['MX', 5], ['AU', 4], ['JP', 4],
] as const;
const types = [['account_and_videos', 50], ['account_only', 30], ['videos_only', 20]] as const;
const themes = ['Spring launch', 'Back to school', 'Black Friday', 'Creator push', 'Brand awareness', 'App installs'];

/** Lifecycle steps from pending_setup to completed (see lifecycle.ts). */
const STEPS_TO_COMPLETE: Record<BundleType, number> = { account_and_videos: 8, account_only: 5, videos_only: 5 };

export type SeedResult = { created: number; newestUpdateMs: number };

/** `wholeSeconds`: every timestamp in whole seconds (the strict profile), so the seeded data looks like the rest. */
export function seedBundles(store: BundleStore, owner: string, count: number, seed: number | string, wholeSeconds = false): SeedResult {
  const rng = createRng(`bundles:${seed}`);
  const deliveredAccounts: string[] = [];
  let newestUpdateMs = 0;
  const seeded: BundleRecord[] = [];
  for (let index = 0; index < count; index++) {
    const bundle = seedOne(rng, store, owner, index, deliveredAccounts, wholeSeconds);
    seeded.push(bundle);
    newestUpdateMs = Math.max(newestUpdateMs, Date.parse(bundle.updatedAt));
    if (bundle.account?.savedAccountId) deliveredAccounts.push(bundle.account.savedAccountId);
  }
  // Inserted in list order, every insert is an append (random order would shift the array each time).
  for (const bundle of seeded.sort(compareListOrder)) store.insert(bundle);
  return { created: count, newestUpdateMs };
}

function seedOne(
  rng: Rng,
  store: BundleStore,
  owner: string,
  index: number,
  deliveredAccounts: string[],
  wholeSeconds: boolean,
): BundleRecord {
  const bundleType = pickWeighted(rng, types);
  const platform = rng() < 0.65 ? 'tiktok' : 'instagram';
  const videos = bundleType === 'account_only' ? 0 : pickWeighted(rng, [[1, 15], [3, 30], [5, 30], [8, 15], [10, 10]] as const);
  const niche = rng() < 0.3;
  const deep = !niche && platform === 'instagram' && rng() < 0.3;
  const country = pickWeighted(rng, countries);
  const campaign = Math.floor(index / CAMPAIGN_SIZE) + 1;
  let timeMs = ANCHOR_MS + Math.floor(rng() * CREATION_SPAN_MS);
  const stamp = () => formatInstant(timeMs, wholeSeconds);

  const bundle = buildBundle(
    {
      bundle_type: bundleType,
      platform,
      country,
      videos_quantity: videos,
      edits_quantity: videos > 0 && rng() < 0.25 ? randomInt(rng, 1, videos) : 0,
      title: rng() < 0.5 ? `${pick(rng, themes)} ${country} #${campaign}` : null,
      external_ref: rng() < 0.85 ? `campaign-${campaign}-${String((index % CAMPAIGN_SIZE) + 1).padStart(3, '0')}` : null,
      existing_account_id:
        bundleType === 'videos_only' ? (deliveredAccounts.length > 0 && rng() < 0.7 ? pick(rng, deliveredAccounts) : rngUuid(rng)) : null,
      auto_finalize_videos: rng() < 0.4,
      wants_niche_warming: niche,
      niche_warming_instructions: niche ? 'Engage with fitness and healthy food content for a week.' : null,
      wants_deep_warming: deep,
    },
    owner,
    stamp(),
    rng,
    store.savedAccounts,
  );
  const ctx: LifecycleContext = { rng, at: stamp(), savedAccounts: store.savedAccounts };
  const later = () => {
    timeMs += randomInt(rng, 1, 36) * HOUR_MS + randomInt(rng, 0, 3_599_999);
    ctx.at = stamp();
  };

  const roll = rng();
  if (roll < 0.02) bundle.status = 'draft';
  else {
    const total = STEPS_TO_COMPLETE[bundleType];
    const steps = rng() < 0.3 ? total : randomInt(rng, 0, total - 1);
    for (let step = 0; step < steps && planNextStep(bundle); step++) {
      later();
      advance(bundle, ctx);
      if (bundle.status === 'published' && rng() < 0.25) bundle.status = 'published_priority';
    }
    if (bundle.status === 'pending_setup' && bundle.account === null && bundleType !== 'videos_only' && rng() < 0.2) {
      // Half-configured by the customer: exercises ACCOUNT_NOT_CONFIGURED and ACCOUNT_MISSING_FIELDS.
      later();
      advance(bundle, ctx);
      bundle.account!.status = 'pending';
      bundle.account!.profilePictureUrl = null;
    }
    if (bundle.account?.savedAccountId && bundleType !== 'videos_only' && rng() < 0.12) {
      const remakes = pickWeighted(rng, [[1, 70], [2, 22], [3, 8]] as const);
      for (let i = 0; i < remakes; i++) {
        later();
        remake(bundle, ctx);
      }
    }
    if (roll > 0.95) {
      later();
      // Finished work gets archived; unfinished work can also be cancelled.
      bundle.status = roll > 0.98 || bundle.status === 'completed' ? 'archived' : 'cancelled';
    }
  }
  bundle.updatedAt = stamp();
  return bundle;
}
