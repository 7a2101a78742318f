// The scripted campaign the demo plays on the fake TokPortal: what an integrator does through
// the API (create, publish, rename) and what TokPortal's operators do on their side (configure,
// review, finalize, remake), with webhooks duplicated, delayed and reordered half-way through.
// After each step the pipeline is left to come to rest, so each step reports what it caused.
import { countInboxEvents } from '../db/inbox-reads.js';
import { type BundleRecord, planNextStep, type StepName } from '../../fake-tokportal/index.js';
import type { TokPortalClient } from '../tokportal/client.js';
import type { DemoClock } from './clock.js';
import { reconcileNow, waitForRest, type Pipeline } from './settle.js';

export type CampaignContext = Pipeline & {
  /** The integrator's own API client (same key, so it shares TokPortal's rate limit). */
  api: TokPortalClient;
  /** TokPortal's simulated clock: each step happens at its own time of the campaign week. */
  clock: DemoClock;
};

export type StepReport = {
  index: number;
  title: string;
  detail: string;
  /** When the step happened on TokPortal's (simulated) clock. */
  at: Date;
  /** New inbox events, deliveries the fake made (duplicates included), detail refetches. */
  events: number;
  deliveries: number;
  refetches: number;
  durationMs: number;
};

export type CampaignResult = {
  steps: StepReport[];
  createdBundleIds: string[];
  /** Bundles remade during the campaign, in the order of their first remake. */
  remadeBundleIds: string[];
  /** Inbox events delivered more than once. */
  duplicatedEvents: number;
};

type CampaignState = {
  created: string[];
  refs: Map<string, string>;
  remade: string[];
  /** Remade accounts in review, waiting to be finalized. */
  rebuilding: string[];
};
/** `at`: hours after the campaign start (DEMO_CAMPAIGN_START, a Monday 09:00 UTC). */
type Step = { title: string; at: number; run(ctx: CampaignContext, state: CampaignState): Promise<string> };

const CAMPAIGN_SIZE = 3;
const SEEDED_PER_STEP = 2;
const DETAIL_ROUTE = 'GET /bundles/:id 200';

const at = (handle: string | null | undefined) => `@${handle ?? '?'}`;
const refOf = (state: CampaignState, id: string) => state.refs.get(id) ?? id;

function record(ctx: CampaignContext, id: string): BundleRecord {
  const bundle = ctx.fake.service.store.get(id);
  if (!bundle) throw new Error(`bundle ${id} vanished from the fake`);
  return bundle;
}

/** Older (seeded) bundles whose next lifecycle step is `step`: the rest of the workspace moves too. */
function seededAt(ctx: CampaignContext, state: CampaignState, step: StepName): string[] {
  return ctx.fake
    .listBundleIds()
    .filter((id) => !state.created.includes(id) && planNextStep(record(ctx, id)) === step)
    .slice(0, SEEDED_PER_STEP);
}

async function advanceAll(ctx: CampaignContext, ids: string[]): Promise<void> {
  for (const id of ids) await ctx.fake.advance(id);
}

/** TokPortal rebuilds the account (new handle, new saved account), which goes through review again. */
async function remake(ctx: CampaignContext, state: CampaignState, id: string): Promise<string> {
  const before = record(ctx, id).account?.username;
  const earlier = record(ctx, id).remadeCount;
  await ctx.fake.remake(id);
  await ctx.fake.patch(id, { account_status: 'in_review' });
  if (!state.remade.includes(id)) state.remade.push(id);
  state.rebuilding.push(id);
  const after = record(ctx, id);
  const history = earlier > 0 && !state.created.includes(id) ? ` (remade ${earlier}x before the mirror existed)` : '';
  return `${refOf(state, id)}: ${at(before)} -> ${at(after.account?.username)} (in review), remade_count ${after.remadeCount}${history}`;
}

async function finalizeRebuilt(ctx: CampaignContext, state: CampaignState): Promise<string> {
  const ids = state.rebuilding.splice(0);
  for (const id of ids) await ctx.fake.patch(id, { account_status: 'finalized' });
  return ids.map((id) => `${refOf(state, id)} ${at(record(ctx, id).account?.username)}`).join(', ') || 'none waiting';
}

/** A delivered account on an older bundle, preferably one remade before: its chain then has a gap. */
function seededRemakeCandidate(ctx: CampaignContext, state: CampaignState): string | undefined {
  const delivered = ['accepted', 'in_review', 'finalized', 'completed'];
  return ctx.fake
    .listBundleIds()
    .map((id) => record(ctx, id))
    .filter((b) => !state.created.includes(b.id) && delivered.includes(b.status) && b.account?.username && b.account.savedAccountId)
    .sort((a, b) => b.remadeCount - a.remadeCount || a.id.localeCompare(b.id))[0]?.id;
}

const STEPS: Step[] = [
  {
    title: 'Integrator creates the campaign (POST /bundles)',
    at: 0,
    async run(ctx, state) {
      for (let i = 1; i <= CAMPAIGN_SIZE; i++) {
        const ref = `demo-spring-${String(i).padStart(3, '0')}`;
        const bundle = await ctx.api.createBundle({
          bundle_type: 'account_and_videos',
          platform: i === 2 ? 'instagram' : 'tiktok',
          country: 'US',
          videos_quantity: 2,
          title: `Spring launch demo #${i}`,
          external_ref: ref,
        });
        state.created.push(bundle.id);
        state.refs.set(bundle.id, ref);
      }
      return `${state.created.map((id) => `${refOf(state, id)} = ${id}`).join(', ')}`;
    },
  },
  {
    title: 'Accounts and videos configured',
    at: 2,
    async run(ctx, state) {
      await advanceAll(ctx, state.created); // configure_account: a handle is chosen
      await advanceAll(ctx, state.created); // configure_videos
      return state.created.map((id) => `${refOf(state, id)} ${at(record(ctx, id).account?.username)}`).join(', ');
    },
  },
  {
    title: 'Integrator publishes (POST /bundles/:id/publish)',
    at: 3,
    async run(ctx, state) {
      for (const id of state.created) await ctx.api.publishBundle(id);
      return `${state.created.length} bundles published, now with TokPortal's operators`;
    },
  },
  {
    title: 'Webhook faults switched on',
    at: 3.5,
    async run(ctx) {
      ctx.fake.setDelivery({ duplicateRate: 0.5, reorder: true, minDelayMs: 0, maxDelayMs: 300 });
      return 'from here on half the webhooks arrive twice, up to 300 ms late, out of order';
    },
  },
  {
    title: 'Accounts in review (saved accounts created)',
    at: 29,
    async run(ctx, state) {
      const seeded = seededAt(ctx, state, 'account_in_review');
      await advanceAll(ctx, [...state.created, ...seeded]);
      return `${state.created.length} campaign bundles + ${seeded.length} older ones`;
    },
  },
  {
    title: 'Accounts finalized (bundles accepted)',
    at: 56.5,
    async run(ctx, state) {
      const seeded = seededAt(ctx, state, 'finalize_account');
      await advanceAll(ctx, [...state.created, ...seeded]);
      return `${state.created.length} campaign bundles + ${seeded.length} older ones`;
    },
  },
  {
    title: 'Remake: the account was banned, TokPortal rebuilt it',
    at: 97,
    run: (ctx, state) => remake(ctx, state, state.created[0]!),
  },
  {
    title: 'Rebuilt account finalized',
    at: 127,
    run: finalizeRebuilt,
  },
  {
    title: 'Remade again, days later',
    at: 193,
    run: (ctx, state) => remake(ctx, state, state.created[0]!),
  },
  {
    title: 'Remake of an older bundle',
    at: 194,
    async run(ctx, state) {
      const id = seededRemakeCandidate(ctx, state);
      return id ? remake(ctx, state, id) : 'no delivered account among the seeded bundles: skipped';
    },
  },
  {
    title: 'Rebuilt accounts finalized',
    at: 222,
    run: finalizeRebuilt,
  },
  {
    title: 'Videos in review, then finalized',
    at: 223,
    async run(ctx, state) {
      const id = state.created[1]!;
      await ctx.fake.advance(id); // videos_in_review
      await ctx.fake.advance(id); // finalize_videos
      return `${refOf(state, id)}: ${record(ctx, id).videos.length} videos finalized`;
    },
  },
  {
    title: 'external_ref renamed (PATCH /bundles/:id), caught by a reconcile',
    at: 224,
    async run(ctx, state) {
      const id = state.created[2]!;
      const ref = 'demo-summer-001';
      await ctx.api.updateBundle(id, { external_ref: ref });
      const before = refOf(state, id);
      state.refs.set(id, ref);
      // TokPortal sends no webhook for a settings change: only a listing shows it.
      await reconcileNow(ctx);
      return `${before} -> ${ref}; no webhook for settings, the reconcile (every 15m, run now) saw it`;
    },
  },
];

/** Plays every step, waiting for the pipeline to rest after each; `onStep` narrates. */
export async function runCampaign(ctx: CampaignContext, onStep: (report: StepReport) => void = () => {}): Promise<CampaignResult> {
  const state: CampaignState = { created: [], refs: new Map(), remade: [], rebuilding: [] };
  const steps: StepReport[] = [];
  for (const [index, step] of STEPS.entries()) {
    const startedAt = Date.now();
    ctx.clock.jumpTo(step.at * 3_600_000);
    const stepAt = new Date(ctx.clock.now());
    const events = await countInboxEvents(ctx.db);
    const stats = ctx.fake.stats();
    const detail = await step.run(ctx, state);
    await waitForRest(ctx);
    const after = ctx.fake.stats();
    const report: StepReport = {
      index: index + 1,
      title: step.title,
      detail,
      at: stepAt,
      events: (await countInboxEvents(ctx.db)) - events,
      deliveries: after.webhooksSent - stats.webhooksSent,
      refetches: (after.requests[DETAIL_ROUTE] ?? 0) - (stats.requests[DETAIL_ROUTE] ?? 0),
      durationMs: Date.now() - startedAt,
    };
    steps.push(report);
    onStep(report);
  }
  ctx.fake.setDelivery({ duplicateRate: 0, reorder: false, maxDelayMs: 0 });
  return {
    steps,
    createdBundleIds: state.created,
    remadeBundleIds: state.remade,
    duplicatedEvents: await countInboxEvents(ctx.db, 2),
  };
}
