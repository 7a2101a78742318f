// external_ref is unique per TokPortal user at every instant, so when two bundles claim the
// same ref, the one whose state is newer holds it: if A had it at time tA and B at tB > tA,
// it moved from A to B in between. A deleted bundle never keeps a ref a live one claims.
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
