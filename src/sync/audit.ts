// `tokportal-sync audit`: what differs between the mirror and one API answer, field by field and
// handle by handle. Pure: the stored state is read before the answer is applied, and applying it
// (the repair) is the ordinary observation path.
import { canonicalJson } from './canonical.js';
import { contentOf, mergeObservation, videoSlotsOf, type RawBundle } from './bundle-content.js';
import type { BundleDetail } from '../tokportal/schemas.js';

export type Difference = {
  /** A content field as the bundles table names it (status, username, videos...), or a handle/table check. */
  field: string;
  mirror: unknown;
  api: unknown;
};

/** The parts of a mirrored bundle row an audit reads (structurally a bundles row). */
export type AuditedRow = { raw: unknown; apiUpdatedAt: Date; deletedAt: Date | null; notOwnedAt: Date | null };

export type StoredForAudit = {
  row: AuditedRow | null;
  /** The bundle_videos rows, by position. */
  videos: { position: number; videoId: string; status: string; name: string | null }[];
  /** The account timeline: handles in incarnation order, and whether the last one is still open. */
  timeline: { username: string | null; open: boolean }[];
};

/** What the API said about the bundle: its detail, or that it is gone for this key. */
export type ApiAnswer = { kind: 'detail'; bundle: BundleDetail } | { kind: 'gone'; status: 404 | 403 };

const same = (a: unknown, b: unknown) => canonicalJson(a ?? null) === canonicalJson(b ?? null);

export function auditBundle(stored: StoredForAudit, answer: ApiAnswer): Difference[] {
  const { row } = stored;
  if (answer.kind === 'gone') {
    const field = answer.status === 404 ? 'deleted_at' : 'not_owned_at';
    const marked = answer.status === 404 ? row?.deletedAt : row?.notOwnedAt;
    if (!row || marked) return [];
    return [{ field, mirror: null, api: answer.status === 404 ? '404 BUNDLE_NOT_FOUND' : '403 BUNDLE_NOT_OWNED' }];
  }
  const detail = answer.bundle;
  if (!row) return [{ field: 'row', mirror: 'missing', api: 'present' }];

  const differences: Difference[] = [];
  if (row.deletedAt) differences.push({ field: 'deleted_at', mirror: row.deletedAt.toISOString(), api: null });
  if (row.notOwnedAt) differences.push({ field: 'not_owned_at', mirror: row.notOwnedAt.toISOString(), api: null });

  // Field by field, on the same flat content the mirror versions (updated_at apart: it says when).
  const storedRaw = row.raw as RawBundle;
  const mirror = contentOf(storedRaw);
  const api = contentOf(mergeObservation(storedRaw, { kind: 'detail', bundle: detail }));
  for (const field of [...new Set([...Object.keys(mirror), ...Object.keys(api)])].sort()) {
    if (!same(mirror[field], api[field])) differences.push({ field, mirror: mirror[field] ?? null, api: api[field] ?? null });
  }
  if (row.apiUpdatedAt.getTime() < Date.parse(detail.updated_at)) {
    differences.push({ field: 'updated_at', mirror: row.apiUpdatedAt.toISOString(), api: detail.updated_at });
  }

  // The video slots table, not only the document.
  const apiVideos = videoSlotsOf(detail as RawBundle).map(({ position, videoId, status, name }) => ({ position, videoId, status, name }));
  if (!same(stored.videos, apiVideos)) differences.push({ field: 'bundle_videos', mirror: stored.videos, api: apiVideos });

  // Handle by handle: the current handle is the open incarnation; the one it replaced is in the timeline before it.
  const handles = stored.timeline.map((entry) => entry.username).filter((name): name is string => name !== null);
  const current = detail.account?.username ?? null;
  const last = stored.timeline.at(-1);
  if (current !== null && !(last?.open && last.username === current)) {
    differences.push({ field: 'handle', mirror: last?.open ? last.username : null, api: current });
  }
  const previous = detail.remade.old_username;
  if (detail.remade.remade_count > 0 && previous && previous !== current) {
    const at = handles.lastIndexOf(previous);
    if (at < 0 || (current !== null && handles.lastIndexOf(current) >= 0 && at > handles.lastIndexOf(current))) {
      differences.push({ field: 'handle_history', mirror: handles, api: `${previous} before ${current ?? '(unknown)'}` });
    }
  }
  return differences;
}

/** One bundle's check: what differed, and what the API said of it (applied, or gone for this key). */
export type BundleAudit = { bundleId: string; differences: Difference[]; outcome: 'applied' | 'tombstoned' | 'not_owned' };

/** What an audit found, bundle by bundle. */
export type AuditFindings = {
  auditId: string;
  audited: BundleAudit[];
  /** Bundles whose check failed for good (API errors after the retries): not known to be equal. */
  failed: { bundleId: string; error: string }[];
};
