// One line per change of the feed: for a terminal, or JSON (one object per line) for pipes.
import type { Change } from '../db/change-feed.js';
import { isoWithOffset } from './reports.js';

export function formatChangeLine(change: Change): string {
  const what = change.changedFields.length > 0 ? change.changedFields.join(', ') : 'first seen';
  const ref = change.externalRef ? ` (${change.externalRef})` : '';
  const account = change.accountStatus ? `, account ${change.accountStatus}` : '';
  const handle = change.username ? ` @${change.username}` : '';
  const remade = change.remadeCount ? `, remade ${change.remadeCount}x` : '';
  return `#${change.cursor} ${change.bundleId}${ref} via ${change.source}: ${what} -> ${change.status ?? '?'}${account}${handle}${remade}`;
}

const iso = (date: Date | null) => (date ? isoWithOffset(date) : null);

export function formatChangeJson(change: Change): string {
  return JSON.stringify({
    cursor: change.cursor,
    recorded_at: iso(change.recordedAt),
    bundle_id: change.bundleId,
    source: change.source,
    source_ref: change.sourceRef,
    changed_fields: change.changedFields,
    status: change.status,
    account_status: change.accountStatus,
    username: change.username,
    external_ref: change.externalRef,
    remade_count: change.remadeCount,
    api_updated_at: iso(change.apiUpdatedAt),
    observed_at: iso(change.observedAt),
    version_id: change.versionId,
  });
}
