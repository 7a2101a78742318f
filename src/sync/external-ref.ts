// external_ref is unique per TokPortal user at every instant, so when two bundles claim the
// same ref, the one whose state is newer holds it: if A had it at time tA and B at tB > tA,
// it moved from A to B in between. A deleted bundle never keeps a ref a live one claims.
// Everything a round of applies decides about refs is here; the storage only reads the
// holders it is told to look for, locks them, and writes what settleExternalRefs returns.
import type { RawBundle } from './bundle-content.js';
import type { BundleState, VersionRecord } from './bundle-state.js';
import type { Observation } from './observation.js';
import {
  planApply,
  versionRow,
  withoutExternalRef,
  type ApplyResult,
  type BundlePlan,
  type PlanContext,
  type StoredBundle,
} from './apply-plan.js';

export type RefClaim = {
  bundleId: string;
  ref: string;
  apiUpdatedAt: Date;
  deleted: boolean;
  /** Breaks ties: an incoming observation outranks a stored row, a later one an earlier one. */
  rank: number;
};

function beats(a: RefClaim, b: RefClaim): boolean {
  if (a.deleted !== b.deleted) return !a.deleted;
  const dt = a.apiUpdatedAt.getTime() - b.apiUpdatedAt.getTime();
  if (dt !== 0) return dt > 0;
  return a.rank > b.rank;
}

/** Every claim that must give its ref up (all but the winner of each ref). */
export function losingClaims(claims: readonly RefClaim[]): RefClaim[] {
  const winners = new Map<string, RefClaim>();
  for (const claim of claims) {
    const current = winners.get(claim.ref);
    if (!current || beats(claim, current)) winners.set(claim.ref, claim);
  }
  return claims.filter((claim) => winners.get(claim.ref) !== claim);
}

/** A round's refs that other bundles may hold: the storage reads (and locks) those holders. */
export type RefHolderSearch = {
  /** Refs the round's plans newly claim (their own bundle did not hold them). */
  refs: string[];
  /** Bundles the round rewrites whole: their stored ref is replaced anyway, so they are no holders. */
  rewrittenIds: string[];
};

const claimsRef = (plan: BundlePlan): plan is BundlePlan & { externalRef: string } =>
  plan.write.kind === 'upsert' && plan.externalRef !== null;

/** Who must be looked up before the round writes, or null when it claims no ref its bundle lacked. */
export function refHolderSearch(plans: readonly BundlePlan[], storedRefOf: (bundleId: string) => string | null): RefHolderSearch | null {
  const refs = new Set(
    plans.filter(claimsRef).flatMap((plan) => (plan.externalRef !== storedRefOf(plan.result.bundleId) ? [plan.externalRef] : [])),
  );
  if (refs.size === 0) return null;
  return { refs: [...refs], rewrittenIds: plans.filter((plan) => plan.write.kind === 'upsert').map((plan) => plan.result.bundleId) };
}

/** A stored bundle that loses its ref to a newer claim: the state it is left with, and the history entry saying so. */
export type ClearedHolder = { bundleId: string; raw: RawBundle; contentHash: string; version: VersionRecord };

export type SettledRound = {
  /** The round's plans, each loser re-planned as if its item carried no ref. */
  plans: BundlePlan[];
  /** Bundles of the round whose stored ref must be freed before any row takes it (the unique index checks row by row). */
  releasedRefIds: string[];
  clearedHolders: ClearedHolder[];
  /** What the round reports, in plan order. */
  results: ApplyResult[];
};

export type RefSettlementInput = {
  observations: readonly Observation[];
  /** planApply of each observation, in the same order. */
  plans: readonly BundlePlan[];
  stored: (bundleId: string) => StoredBundle;
  /** The bundles holding refs of refHolderSearch, read under lock ([] when there was no search). */
  holders: readonly BundleState[];
  context: PlanContext;
};

/**
 * Two bundles may claim one external_ref (it moved by PATCH and we saw the newer holder first,
 * or both inside one page). The newer claim wins (losingClaims): a losing plan is re-planned
 * with the ref dropped, a losing stored holder is cleared before the winner is written.
 */
export function settleExternalRefs(input: RefSettlementInput): SettledRound {
  const { observations, stored, holders, context } = input;
  const search = refHolderSearch(input.plans, (id) => stored(id).row?.externalRef ?? null);
  const searched = new Set(search?.refs ?? []);
  const claims: RefClaim[] = [
    ...holders.map((h) => ({ bundleId: h.bundleId, ref: h.externalRef!, apiUpdatedAt: h.apiUpdatedAt, deleted: h.deletedAt !== null, rank: -1 })),
    ...input.plans.flatMap((plan, rank) =>
      claimsRef(plan) && searched.has(plan.externalRef)
        ? [{ bundleId: plan.result.bundleId, ref: plan.externalRef, apiUpdatedAt: plan.apiUpdatedAt, deleted: false, rank }]
        : [],
    ),
  ];
  const losers = losingClaims(claims);
  const losingPlans = new Set(losers.filter((loser) => loser.rank >= 0).map((loser) => loser.rank));
  const losingHolderIds = new Set(losers.filter((loser) => loser.rank < 0).map((loser) => loser.bundleId));

  const plans = input.plans.map((plan, i) =>
    losingPlans.has(i) ? planApply(stored(plan.result.bundleId), observations[i]!, { ...context, dropExternalRef: true }) : plan,
  );
  const releasedRefIds = plans
    .filter((plan) => plan.write.kind === 'upsert')
    .filter((plan) => {
      const before = stored(plan.result.bundleId).row?.externalRef ?? null;
      return before !== null && before !== plan.externalRef;
    })
    .map((plan) => plan.result.bundleId);
  const clearedHolders = holders.filter((holder) => losingHolderIds.has(holder.bundleId)).map((holder) => clearHolder(holder, context));
  const cleared = new Set(clearedHolders.map((holder) => holder.bundleId));
  const results = plans.map(({ result }) => (cleared.has(result.bundleId) ? outcomeAfterRefTaken(result) : result));
  return { plans, releasedRefIds, clearedHolders, results };
}

function clearHolder(holder: BundleState, context: PlanContext): ClearedHolder {
  const cleared = withoutExternalRef(holder);
  return {
    bundleId: holder.bundleId,
    ...cleared,
    version: versionRow(
      { ...holder, ...cleared, externalRef: null },
      {
        source: context.source,
        sourceRef: context.sourceRef,
        observedAt: context.observedAt,
        changedFields: ['external_ref'],
      },
    ),
  };
}

/**
 * A bundle of the round whose stored ref went to a newer claim did change, whatever its own
 * item said: an 'unchanged' result becomes a change of external_ref. Other outcomes stand.
 */
export function outcomeAfterRefTaken(result: ApplyResult): ApplyResult {
  return result.outcome === 'unchanged' ? { ...result, outcome: 'changed', changedFields: ['external_ref'] } : result;
}
