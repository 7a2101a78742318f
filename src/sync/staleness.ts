// A stale answer never overwrites a newer one. TokPortal's updated_at orders the states of a
// bundle, but only coarsely: it may be whole seconds, and account, handle, video and remake changes
// may not move it at all (docs/tokportal-api.md). So:
// - an older updated_at is stale (updated_at never goes backwards for one bundle);
// - remade_count only ever grows, so a smaller one is an answer from before a remake we already
//   recorded;
// - for the same updated_at, the answer to the request sent later wins: one sent before the request
//   behind the stored state is stale (both instants on the database's clock), whatever it says. A
//   genuine change that kept updated_at is therefore applied, not dropped. A list item shows no
//   account or videos, so a detail is stale only against an earlier-sent detail; against a list
//   item sent after it, its list fields lose and its detail-only fields still apply (detailUnderNewerList);
// - an answer fetched before we saw the bundle 404 cannot bring it back.
export type StaleReason = 'older-updated-at' | 'fewer-remakes' | 'observed-earlier' | 'before-tombstone';

export type StoredFreshness = {
  apiUpdatedAt: Date;
  remadeCount: number;
  deletedAt: Date | null;
  /** When the request behind the stored state was sent; null for rows from before it was kept. */
  observedAt: Date | null;
  /** The same for the last detail applied. */
  detailObservedAt: Date | null;
};
export type IncomingFreshness = { apiUpdatedAt: Date; remadeCount: number; observedAt: Date; kind: 'detail' | 'list' };

export function staleReason(stored: StoredFreshness | null, incoming: IncomingFreshness): StaleReason | null {
  if (!stored) return null;
  const storedAt = stored.apiUpdatedAt.getTime();
  const incomingAt = incoming.apiUpdatedAt.getTime();
  if (incomingAt < storedAt) return 'older-updated-at';
  if (incoming.remadeCount < stored.remadeCount) return 'fewer-remakes';
  const rival = incoming.kind === 'detail' ? stored.detailObservedAt : stored.observedAt;
  if (incomingAt === storedAt && rival && incoming.observedAt.getTime() < rival.getTime()) return 'observed-earlier';
  if (stored.deletedAt && incoming.observedAt.getTime() < stored.deletedAt.getTime()) return 'before-tombstone';
  return null;
}

/**
 * A detail that is not stale but was asked for before the list item the row last applied (same
 * updated_at): its account, videos and saved_account_id apply, its list fields do not.
 */
export function detailUnderNewerList(stored: StoredFreshness | null, incoming: IncomingFreshness): boolean {
  return (
    stored !== null &&
    incoming.kind === 'detail' &&
    stored.observedAt !== null &&
    incoming.apiUpdatedAt.getTime() === stored.apiUpdatedAt.getTime() &&
    incoming.observedAt.getTime() < stored.observedAt.getTime()
  );
}
