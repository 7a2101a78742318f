// How a listing run walks GET /bundles when the API promises neither an order nor a pagination
// object (docs/tokportal-api.md): pure decisions, the list-page job does the I/O.
//
// A run walks the list in passes. Within a pass it keeps paging while pages come back full. A
// pass may see a bundle twice (one was created ahead of the cursor: later pages shifted) or skip
// one (one it had passed was deleted: later pages shifted forward, invisibly). A pass is proven
// complete when
//   1. it listed no bundle twice (no insertion ahead of the cursor, whose later deletion could
//      have shifted pages forward unseen), and
//   2. every bundle it listed is listed again by the next pass (nothing it had passed was
//      deleted before the next pass saw it, so nothing was deleted while it ran).
// If the list order is a fixed order of the bundles that exist, a bundle that existed for the
// whole of a proven pass was listed by it: skipping one needs the items ahead of the cursor to
// shrink between two page calls, which either deletes an item the pass listed (breaks 2) or one
// inserted ahead of the cursor after that part was walked (its insertion broke 1). So a run walks
// at least two passes and ends at the first pass its successor proves, or gives up after
// MAX_LISTING_PASSES (busy churn) and says so: the next run, rolling verification and audit cover.

export const MAX_LISTING_PASSES = 4;

/** A page is the last of its pass when it is not full; a pagination object, when sent, may say so one call earlier. */
export function isLastPage(itemCount: number, perPage: number, page: number, pagination: { total_pages: number } | null): boolean {
  if (itemCount < perPage) return true;
  return pagination !== null && page >= pagination.total_pages;
}

/**
 * The page count of the pass as far as it is known, for progress and resumes: the page itself once
 * it is the last; else what pagination says (at least one more page); else unknown.
 */
export function knownPageCount(page: number, last: boolean, pagination: { total_pages: number } | null): number | null {
  if (last) return page;
  return pagination ? Math.max(pagination.total_pages, page + 1) : null;
}

export type PassFigures = {
  pass: number;
  /** Distinct bundles the pass listed. */
  listed: number;
  /** Bundles it listed more than once. */
  duplicates: number;
};

export type PassEnd =
  /** The previous pass is proven: the run's listing is complete. */
  | { kind: 'complete'; provenPass: number }
  /** Nothing proven yet: walk again. */
  | { kind: 'next-pass'; reason: string }
  /** MAX_LISTING_PASSES walked without a proof: end the run, say so. */
  | { kind: 'give-up'; reason: string };

/**
 * What to do when pass `current` has listed its last page. `previous` is the pass before it (null
 * after the first), `vanished` the bundles `previous` listed that `current` did not.
 */
export function decidePassEnd(
  previous: PassFigures | null,
  current: PassFigures,
  vanished: number,
  maxPasses = MAX_LISTING_PASSES,
): PassEnd {
  const walkAgain = (reason: string): PassEnd =>
    current.pass >= maxPasses ? { kind: 'give-up', reason: `${reason}; ${maxPasses} passes walked` } : { kind: 'next-pass', reason };
  if (!previous) return walkAgain('a first pass is proven only by the next one');
  const doubts: string[] = [];
  if (previous.duplicates > 0) doubts.push(`pass ${previous.pass} listed ${previous.duplicates} bundle(s) twice (the list shifted under it)`);
  if (vanished > 0) doubts.push(`${vanished} bundle(s) pass ${previous.pass} listed are gone from pass ${current.pass}`);
  if (doubts.length === 0) return { kind: 'complete', provenPass: previous.pass };
  return walkAgain(doubts.join('; '));
}
