// End to end: TokPortal moves a bundle through in_review → finalized → remade → remade and
// sends signed webhooks; the mirror follows, and keeps every handle the account ever had,
// whether deliveries arrive once and in order, or duplicated, reordered and late.
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { webhookEvents } from '../../src/db/schema.js';
import { bundlesAtStep, compareWithApi, waitForMirror } from '../support/mirror.js';
import { startStack, type Stack } from '../support/stack.js';

const STEPS = ['account_in_review', 'finalize_account', 'remake', 'remake'] as const;
const EXPECTED_EVENTS = ['account.in_review', 'account.finalized', 'account.remade', 'account.remade'];

async function runLifecycle(live: Stack, bundleId: string): Promise<void> {
  for (const step of STEPS) {
    if (step === 'remake') await live.fake.remake(bundleId);
    else await live.fake.advance(bundleId);
    // Remakes happen days apart in real life: each one is seen before the next.
    await waitForMirror(live, [bundleId]);
  }
  await live.settle();
}

describe('live path, clean deliveries', () => {
  let live: Stack;
  beforeAll(async () => {
    live = await startStack({ label: 'e2elife', fake: { bundles: 40, seed: 'e2e-lifecycle' }, rateLimitPerMin: 6_000, receiver: true, worker: true });
  });
  afterAll(async () => live?.close());

  it('in_review → finalized → remade → remade: the mirror ends as the API shows it, with the whole handle chain', async () => {
    const [bundleId] = bundlesAtStep(live.fake, 'account_in_review');
    expect(bundleId).toBeDefined();
    await runLifecycle(live, bundleId!);

    const [result] = await compareWithApi(live, [bundleId!]);
    expect(result!.mirror).toEqual(result!.api);
    expect(result!.api).toMatchObject({ status: 'accepted', accountStatus: 'finalized', remadeCount: 2 });
    expect(result!.handles).toHaveLength(3);
    expect(result!.timeline).toEqual(result!.handles);

    const events = await live.db.select().from(webhookEvents).where(eq(webhookEvents.bundleId, bundleId!));
    expect(events.map((event) => event.type).sort()).toEqual([...EXPECTED_EVENTS].sort());
    expect(events.every((event) => event.status === 'processed')).toBe(true);
    // One refetch per event at most: the webhook only triggers, the API answers.
    expect(live.fake.stats().requests['GET /bundles/:id 200']).toBeLessThanOrEqual(EXPECTED_EVENTS.length);
  });
});

describe('live path, duplicated, reordered and delayed deliveries', () => {
  let live: Stack;
  beforeAll(async () => {
    live = await startStack({
      label: 'e2echaos',
      fake: {
        bundles: 80,
        seed: 'e2e-lifecycle',
        delivery: { duplicateRate: 0.6, reorder: true, minDelayMs: 0, maxDelayMs: 400 },
      },
      rateLimitPerMin: 6_000,
      receiver: true,
      worker: true,
    });
  });
  afterAll(async () => live?.close());

  it('changes nothing in the final state: same rows, same handle chains, each event stored once', async () => {
    const ids = bundlesAtStep(live.fake, 'account_in_review').slice(0, 3);
    expect(ids).toHaveLength(3);
    await Promise.all(ids.map((id) => runLifecycle(live, id)));

    for (const result of await compareWithApi(live, ids)) {
      expect(result.mirror).toEqual(result.api);
      expect(result.timeline).toEqual(result.handles);
    }
    const events = await live.db.select().from(webhookEvents);
    const ours = events.filter((event) => ids.includes(event.bundleId ?? ''));
    expect(ours).toHaveLength(ids.length * EXPECTED_EVENTS.length);
    expect(ours.every((event) => event.status === 'processed')).toBe(true);
    // The fault injection did duplicate deliveries; the inbox kept one row per event id.
    expect(ours.some((event) => event.deliveries > 1)).toBe(true);
  });
});
