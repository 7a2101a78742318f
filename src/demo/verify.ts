// The demo's closing check: does the mirror equal the fake's truth? Every bundle's fields as
// GET /bundles/:id shows them now, its videos, and its chain of handles. The comparison is
// pure (two read-outs in, mismatches out) so a failure names the bundle and the field.
import { readMirrorContents } from '../db/bundles-read.js';
import type { Database } from '../db/connection.js';
import type { BundleRow } from '../db/schema.js';

export type BundleTruth = {
  /** GET /bundles/:id as the API answers it now. */
  detail: Record<string, unknown>;
  /** Every handle the account ever had, in order. */
  handles: string[];
  /**
   * Leading handles no answer could show: the bundle was remade more than once before the
   * mirror's first look, and an answer names only the current handle and the one before.
   */
  unknowable: number;
};

export type MirrorBundle = {
  row: BundleRow;
  videos: { position: number; status: string }[];
  /** Usernames of bundle_accounts in incarnation order. */
  timeline: string[];
};

export type Mismatch = { bundleId: string; what: string; expected: unknown; actual: unknown };

export type Verification = {
  bundles: number;
  bundlesEqual: number;
  /** Handles the mirror must hold (every one any answer could show). */
  handlesExpected: number;
  handlesRecorded: number;
  handlesUnknowable: number;
  mismatches: Mismatch[];
  ok: boolean;
};

export const asRecord = (value: unknown): Record<string, unknown> =>
  typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
export const isoOrNull = (value: unknown) => (typeof value === 'string' ? new Date(value).toISOString() : null);

/**
 * The typed columns of a bundle row as the API answer says they must be, computed without the
 * sync code. Shared with the fault suite (test/faults/lib/verify.ts), which checks a few more.
 */
export function expectedColumns(detail: Record<string, unknown>) {
  const account = asRecord(detail.account);
  const remade = asRecord(detail.remade);
  return {
    status: detail.status ?? null,
    account_status: detail.account_status ?? null,
    external_ref: detail.external_ref ?? null,
    title: detail.title ?? null,
    credit_cost: detail.credit_cost ?? null,
    is_published: detail.is_published ?? null,
    next_action: detail.next_action ?? null,
    remade_count: remade.remade_count ?? 0,
    old_username: remade.old_username ?? null,
    saved_account_id: detail.saved_account_id ?? account.saved_account_id ?? null,
    username: account.username ?? null,
    updated_at: isoOrNull(detail.updated_at),
    deleted: false,
  };
}

/** The same columns as the mirror holds them. */
export function storedColumns(row: BundleRow): ReturnType<typeof expectedColumns> {
  return {
    status: row.status,
    account_status: row.accountStatus,
    external_ref: row.externalRef,
    title: row.title,
    credit_cost: row.creditCost,
    is_published: row.isPublished,
    next_action: row.nextAction,
    remade_count: row.remadeCount,
    old_username: row.oldUsername,
    saved_account_id: row.savedAccountId,
    username: row.username,
    updated_at: row.apiUpdatedAt.toISOString(),
    deleted: row.deletedAt !== null,
  };
}

/** One mismatch per key whose two values are not `equal` (by default: the same primitive). */
export function columnMismatches<K extends string>(
  bundleId: string,
  expected: Record<K, unknown>,
  actual: Record<K, unknown>,
  equal: (a: unknown, b: unknown) => boolean = (a, b) => a === b,
): Mismatch[] {
  return (Object.keys(expected) as K[])
    .filter((key) => !equal(expected[key], actual[key]))
    .map((key) => ({ bundleId, what: key, expected: expected[key], actual: actual[key] }));
}

function expectedVideos(detail: Record<string, unknown>): MirrorBundle['videos'] {
  const videos = Array.isArray(detail.videos) ? detail.videos.map(asRecord) : [];
  return videos
    .map((video) => ({ position: Number(video.position), status: String(video.status) }))
    .sort((a, b) => a.position - b.position);
}

export function compareMirror(truth: ReadonlyMap<string, BundleTruth>, mirror: ReadonlyMap<string, MirrorBundle>): Verification {
  const mismatches: Mismatch[] = [];
  let bundlesEqual = 0;
  let handlesExpected = 0;
  let handlesRecorded = 0;
  let handlesUnknowable = 0;

  for (const [bundleId, bundle] of truth) {
    const before = mismatches.length;
    const stored = mirror.get(bundleId);
    const knowable = bundle.handles.slice(bundle.unknowable);
    handlesExpected += knowable.length;
    handlesUnknowable += bundle.handles.length - knowable.length;
    if (!stored) {
      mismatches.push({ bundleId, what: 'row', expected: 'present', actual: 'missing' });
      continue;
    }
    const expected = { ...expectedColumns(bundle.detail), videos_configured_count: bundle.detail.videos_configured_count ?? null };
    const actual = { ...storedColumns(stored.row), videos_configured_count: stored.row.videosConfiguredCount };
    mismatches.push(...columnMismatches(bundleId, expected, actual));
    const videos = expectedVideos(bundle.detail);
    if (JSON.stringify(videos) !== JSON.stringify(stored.videos)) {
      mismatches.push({ bundleId, what: 'videos', expected: videos, actual: stored.videos });
    }
    // Exactly the knowable handles, in order: nothing lost, invented, repeated or reordered.
    if (JSON.stringify(knowable) !== JSON.stringify(stored.timeline)) {
      mismatches.push({ bundleId, what: 'handles', expected: knowable, actual: stored.timeline });
    } else {
      handlesRecorded += knowable.length;
    }
    if (mismatches.length === before) bundlesEqual += 1;
  }
  for (const bundleId of mirror.keys()) {
    if (!truth.has(bundleId)) mismatches.push({ bundleId, what: 'row', expected: 'absent', actual: 'present' });
  }
  return {
    bundles: truth.size,
    bundlesEqual,
    handlesExpected,
    handlesRecorded,
    handlesUnknowable,
    mismatches,
    ok: mismatches.length === 0 && bundlesEqual === truth.size,
  };
}

export async function readMirror(db: Database): Promise<Map<string, MirrorBundle>> {
  const contents = await readMirrorContents(db);
  const mirror = new Map<string, MirrorBundle>();
  for (const row of contents.bundles) mirror.set(row.bundleId, { row, videos: [], timeline: [] });
  for (const video of contents.videos) mirror.get(video.bundleId)?.videos.push({ position: video.position, status: video.status });
  for (const account of contents.handles) if (account.username !== null) mirror.get(account.bundleId)?.timeline.push(account.username);
  return mirror;
}

/** How many leading handles of a bundle the mirror's first look cannot show (see BundleTruth). */
export function unknowableHandles(handles: readonly string[], remadeCount: number): number {
  const visible = handles.length === 0 ? 0 : remadeCount > 0 ? Math.min(2, handles.length) : 1;
  return handles.length - visible;
}
