// Rolling verification: every bundle's detail is re-read at least once per VERIFY_WITHIN, oldest
// verification first, with the API budget nothing else uses (verification jobs have the lowest
// priority of the queue). Webhooks can be lost and some changes never move updated_at nor show
// in a list item (docs/tokportal-api.md): this is what still brings them in. Pure arithmetic here;
// the scheduler job is src/worker/verify.ts.

/**
 * A bundle is due once its last verification is this share of VERIFY_WITHIN old: the rest is the
 * margin for a budget that other work keeps busy for a while.
 */
export const DUE_AT_SHARE = 0.75;

/** How often the scheduler looks for due bundles: a twentieth of VERIFY_WITHIN, from 1 s to 30 s. */
export function verifyTickMs(verifyWithinMs: number): number {
  return Math.min(30_000, Math.max(1_000, Math.round(verifyWithinMs / 20)));
}

/** Bundles verified before this instant are due. */
export const dueBefore = (now: Date, verifyWithinMs: number): Date => new Date(now.getTime() - DUE_AT_SHARE * verifyWithinMs);

/**
 * How many due bundles one tick hands to the queue: no more than the whole budget could fetch
 * until the next tick, minus the verification jobs still waiting from earlier ticks (when other
 * work holds the budget they wait, and piling more up behind them buys nothing).
 */
export function verificationBatch(options: { due: number; waiting: number; rateLimitPerMin: number; tickMs: number }): number {
  const perTick = Math.max(1, Math.ceil((options.rateLimitPerMin * options.tickMs) / 60_000));
  return Math.max(0, Math.min(options.due, perTick - options.waiting));
}

export type VerificationBudget = {
  bundles: number;
  verifyWithinMs: number;
  rateLimitPerMin: number;
  /** Detail calls a minute that re-reading every bundle once per VERIFY_WITHIN takes. */
  neededPerMin: number;
  /** neededPerMin as a share of the whole budget (0..1+). */
  share: number;
  fits: boolean;
  /** The shortest VERIFY_WITHIN the budget allows for this many bundles, were it all free. */
  shortestMs: number;
};

export function verificationBudget(bundles: number, verifyWithinMs: number, rateLimitPerMin: number): VerificationBudget {
  const neededPerMin = (bundles * 60_000) / verifyWithinMs;
  return {
    bundles,
    verifyWithinMs,
    rateLimitPerMin,
    neededPerMin,
    share: neededPerMin / rateLimitPerMin,
    fits: neededPerMin <= rateLimitPerMin,
    shortestMs: Math.ceil((bundles * 60_000) / rateLimitPerMin),
  };
}

function formatMs(ms: number): string {
  if (ms < 60_000) return `${Math.ceil(ms / 1_000)}s`;
  if (ms < 3_600_000) return `${Math.ceil(ms / 60_000)}m`;
  const hours = ms / 3_600_000;
  return hours < 48 ? `${Math.ceil(hours * 10) / 10}h` : `${Math.ceil(hours / 24)}d`;
}

/** The start-up line: does VERIFY_WITHIN fit the budget for the bundles there are now, and by how much. */
export function describeBudget(budget: VerificationBudget): string {
  const within = formatMs(budget.verifyWithinMs);
  const need = `${budget.bundles} bundles need ${budget.neededPerMin.toFixed(1)} detail calls/min of the ${budget.rateLimitPerMin}/min budget (${(budget.share * 100).toFixed(1)}%)`;
  if (budget.fits) {
    return `rolling verification: VERIFY_WITHIN ${within} fits: ${need}, ${(budget.rateLimitPerMin - budget.neededPerMin).toFixed(1)}/min to spare for webhooks, backfill and reconcile`;
  }
  return `rolling verification: VERIFY_WITHIN ${within} does NOT fit: ${need}, ${(budget.neededPerMin - budget.rateLimitPerMin).toFixed(1)}/min over; VERIFY_WITHIN ${formatMs(budget.shortestMs)} or more would fit with the whole budget`;
}
