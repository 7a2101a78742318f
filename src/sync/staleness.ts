// A stale answer never overwrites a newer one. TokPortal's updated_at orders the states of a
// bundle; remade_count only ever grows, so a smaller one is an answer from before a remake we
// already recorded (it also breaks ties inside one updated_at); and an answer fetched before
// we saw the bundle 404 cannot bring it back.
export type StaleReason = 'older-updated-at' | 'fewer-remakes' | 'before-tombstone';

export type StoredFreshness = { apiUpdatedAt: Date; remadeCount: number; deletedAt: Date | null };
export type IncomingFreshness = { apiUpdatedAt: Date; remadeCount: number; observedAt: Date };

export function staleReason(stored: StoredFreshness | null, incoming: IncomingFreshness): StaleReason | null {
  if (!stored) return null;
  if (incoming.apiUpdatedAt.getTime() < stored.apiUpdatedAt.getTime()) return 'older-updated-at';
  if (incoming.remadeCount < stored.remadeCount) return 'fewer-remakes';
  if (stored.deletedAt && incoming.observedAt.getTime() < stored.deletedAt.getTime()) return 'before-tombstone';
  return null;
}
