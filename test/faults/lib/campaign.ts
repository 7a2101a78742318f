// The seeded random campaign: what TokPortal's users and operators do to a workspace, one
// action per step, straight on the fake's state (the same calls its API and /_fake routes
// make, so the webhooks are exactly the ones TokPortal would send). The same seed gives the
// same sequence of actions: the mirror's side (timing, deliveries) is what varies.
import { type BundleRecord, createRng, FakeApiError, type FakeTokPortal, pick, pickWeighted, planNextStep, randomInt, type Rng } from '../../../fake-tokportal/index.js';

export const ACTIONS = [
  'create',
  'advance',
  'review',
  'ban',
  'remake',
  'cancel',
  'refSet',
  'refMove',
  'refClear',
  'retitle',
  'delete',
] as const;
export type Action = (typeof ACTIONS)[number];

const WEIGHTS: readonly (readonly [Action, number])[] = [
  ['create', 8],
  ['advance', 40],
  ['review', 6],
  ['ban', 3],
  ['remake', 12],
  ['cancel', 2],
  ['refSet', 6],
  ['refMove', 4],
  ['refClear', 3],
  ['retitle', 3],
  ['delete', 2],
];

// Text a mirror must store verbatim: quotes, backslashes, SQL, non-Latin scripts, emoji.
const TITLES = [
  "O'Brien's \"launch\"",
  'back\\slash \\n not a newline',
  "x'); drop table tokportal.bundles; --",
  'Привет, 世界 — ünïcödé',
  'emoji 🚀🔥 and tab\tinside',
  '%_ like wildcards %',
];

export type CampaignCounts = {
  actions: Record<Action, number>;
  /** Lifecycle steps taken by `advance`, by step name (publish, account_in_review, ...). */
  steps: Record<string, number>;
  /** Remakes in total, and how many came as two or three in a row on one bundle. */
  remakes: number;
  remakeBursts: number;
  /** Webhooks the actions emitted (before any delivery fault). */
  eventsEmitted: number;
  /** Actions the fake refused (409 and such): part of a realistic campaign, not a failure. */
  refused: number;
};

export class Campaign {
  readonly counts: CampaignCounts = {
    actions: Object.fromEntries(ACTIONS.map((action) => [action, 0])) as Record<Action, number>,
    steps: {},
    remakes: 0,
    remakeBursts: 0,
    eventsEmitted: 0,
    refused: 0,
  };
  /** The handle history of every bundle deleted during the campaign, taken just before deletion. */
  readonly deletedHandles = new Map<string, string[]>();
  /**
   * Handles no API answer could ever show, by construction: the seeded history before the
   * current handle, and every handle but the last of a remake burst.
   */
  private readonly hidden = new Map<string, Set<string>>();
  private readonly rng: Rng;
  private nextRef = 1;

  constructor(
    private readonly fake: FakeTokPortal,
    seed: number | string,
  ) {
    this.rng = createRng(`faults-campaign:${seed}`);
    for (const id of fake.listBundleIds()) this.hidden.set(id, new Set(fake.handles(id).slice(0, -1)));
  }

  hiddenByConstruction(bundleId: string): ReadonlySet<string> {
    return this.hidden.get(bundleId) ?? new Set();
  }

  /** One action; when the drawn one has no eligible bundle, draws again (a few times). */
  step(): Action | null {
    for (let attempt = 0; attempt < 6; attempt++) {
      const action = pickWeighted(this.rng, WEIGHTS);
      try {
        if (this.perform(action)) {
          this.counts.actions[action] += 1;
          return action;
        }
      } catch (error) {
        if (!(error instanceof FakeApiError)) throw error;
        this.counts.refused += 1;
        return null;
      }
    }
    return null;
  }

  /** Every handle the fake ever gave the bundle, deleted ones included. */
  truthHandles(bundleId: string): string[] {
    return this.deletedHandles.get(bundleId) ?? this.fake.handles(bundleId);
  }

  private get service() {
    return this.fake.service;
  }

  private live(filter: (bundle: BundleRecord) => boolean): BundleRecord | null {
    const candidates = this.fake
      .listBundleIds()
      .map((id) => this.service.store.get(id)!)
      .filter(filter);
    return candidates.length === 0 ? null : pick(this.rng, candidates);
  }

  private emitted(events: readonly unknown[]): void {
    this.counts.eventsEmitted += events.length;
  }

  private perform(action: Action): boolean {
    const owner = this.service.primaryKey;
    switch (action) {
      case 'create': {
        const accountOnly = this.rng() < 0.35;
        const withRef = this.rng() < 0.4;
        this.service.createBundle(owner, {
          bundle_type: accountOnly ? 'account_only' : 'account_and_videos',
          platform: this.rng() < 0.6 ? 'tiktok' : 'instagram',
          country: pick(this.rng, ['US', 'GB', 'FR', 'DE', 'BR', 'JP']),
          videos_quantity: accountOnly ? 0 : randomInt(this.rng, 1, 4),
          title: this.rng() < 0.5 ? pick(this.rng, TITLES) : null,
          external_ref: withRef ? this.freshRef() : null,
        });
        this.emitted([1]);
        return true;
      }
      case 'advance': {
        const bundle = this.live((b) => planNextStep(b) !== null);
        if (!bundle) return false;
        const { step, events } = this.service.advance(bundle.id);
        this.counts.steps[step] = (this.counts.steps[step] ?? 0) + 1;
        this.emitted(events);
        return true;
      }
      case 'review': {
        // An operator sends the delivered account back for corrections; a later advance finalizes it.
        const bundle = this.live((b) => b.account?.status === 'in_review');
        if (!bundle) return false;
        this.emitted(this.service.operatorPatch(bundle.id, { account_status: 'pending_corrections' }));
        return true;
      }
      case 'ban': {
        const bundle = this.live((b) => isDelivered(b) && b.account?.status !== 'banned');
        if (!bundle) return false;
        this.emitted(this.service.operatorPatch(bundle.id, { account_status: 'banned' }));
        return true;
      }
      case 'remake': {
        const bundle = this.live(isDelivered);
        if (!bundle) return false;
        // Often several in a row: the handles in between are never shown by any answer.
        const times = this.rng() < 0.3 ? randomInt(this.rng, 2, 3) : 1;
        for (let i = 0; i < times; i++) {
          this.emitted(this.service.remake(bundle.id));
          if (i < times - 1) this.hide(bundle.id, bundle.account!.username!);
        }
        this.counts.remakes += times;
        if (times > 1) this.counts.remakeBursts += 1;
        return true;
      }
      case 'cancel': {
        const bundle = this.live((b) => b.status === 'pending_setup' || b.status === 'published');
        if (!bundle) return false;
        this.emitted(this.service.operatorPatch(bundle.id, { status: 'cancelled' }));
        return true;
      }
      case 'refSet': {
        // PATCH /bundles/:id: TokPortal sends no webhook for it, only updated_at moves.
        const bundle = this.live(() => true);
        if (!bundle) return false;
        this.service.updateBundle(owner, bundle.id, { external_ref: this.freshRef() });
        return true;
      }
      case 'refMove': {
        const from = this.live((b) => b.externalRef !== null);
        if (!from) return false;
        const to = this.live((b) => b.id !== from.id);
        if (!to) return false;
        const ref = from.externalRef!;
        this.service.updateBundle(owner, from.id, { external_ref: null });
        this.service.updateBundle(owner, to.id, { external_ref: ref });
        return true;
      }
      case 'refClear': {
        const bundle = this.live((b) => b.externalRef !== null);
        if (!bundle) return false;
        this.service.updateBundle(owner, bundle.id, { external_ref: null });
        return true;
      }
      case 'retitle': {
        const bundle = this.live(() => true);
        if (!bundle) return false;
        this.service.updateBundle(owner, bundle.id, { title: pick(this.rng, TITLES) });
        return true;
      }
      case 'delete': {
        // No webhook either: only the reconcile's detail call (404) can tell the mirror.
        const bundle = this.live(() => true);
        if (!bundle) return false;
        this.deletedHandles.set(bundle.id, this.fake.handles(bundle.id));
        this.fake.service.remove(bundle.id);
        return true;
      }
    }
  }

  private hide(bundleId: string, handle: string): void {
    const set = this.hidden.get(bundleId) ?? new Set<string>();
    set.add(handle);
    this.hidden.set(bundleId, set);
  }

  private freshRef(): string {
    return `fault-ref-${this.nextRef++}`;
  }
}

/** A remake needs an account that exists for real (saved_account_id) with a handle. */
const isDelivered = (bundle: BundleRecord): boolean =>
  Boolean(bundle.account?.username && bundle.account.savedAccountId && bundle.bundleType !== 'videos_only');
