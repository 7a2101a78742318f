// After the faults: does the mirror equal the fake's truth? Every live bundle field by field
// (the stored raw document, the typed columns, the videos), tombstones for deleted bundles,
// nothing the fake never had, and every bundle's account timeline against the handles the
// fake ever gave it. Pure comparison code over two read-outs, so a mismatch names exactly
// which bundle and field disagree.
import { asc } from 'drizzle-orm';
import type { Database } from '../../../src/db/connection.js';
import { bundleAccounts, bundles, bundleVersions, bundleVideos, type BundleRow } from '../../../src/db/schema.js';
import { asRecord, columnMismatches, expectedColumns, isoOrNull, storedColumns, type Mismatch } from '../../../src/demo/verify.js';
import { canonicalJson } from '../../../src/sync/canonical.js';

export type HandleFigures = {
  /** Handles the fake gave, over every bundle checked. */
  total: number;
  /** Of those, in the mirror's account timeline, in the right order. */
  recorded: number;
  /** Never shown by any API answer: no mirror can know them. */
  unobservable: number;
  /**
   * Of the unobservable, those hidden by construction (seeded history, the middle of a remake
   * burst); the rest were remade again before any fetch looked (freshness lost to the faults).
   */
  unobservableByConstruction: number;
  /**
   * Shown only by answers served in the moments before the worker was SIGKILLed (the answer
   * died with the process before its commit): no mirror can know them, counted apart.
   */
  lostWithKilledWorker: number;
  /** Shown by an answer a live worker received, yet missing from the timeline: must be 0. */
  servedNotObserved: number;
};

export type Verification = {
  liveBundles: number;
  tombstoned: number;
  deletedNeverSeen: number;
  handles: HandleFigures;
  mismatches: Mismatch[];
};

export type Truth = {
  /** GET /bundles/:id as the fake answers it now, for every live bundle. */
  live: Map<string, Record<string, unknown>>;
  /** Deleted during the run: id → the handles it had. */
  deleted: Map<string, string[]>;
  handles(bundleId: string): string[];
  /** Handles some API answer showed for the bundle (see api-tap.ts). */
  exposed(bundleId: string): ReadonlySet<string>;
  /** Handles no answer could show, whatever the mirror did (see campaign.ts). */
  hidden(bundleId: string): ReadonlySet<string>;
  /** Every answer that showed the handle was served to a worker killed right after. */
  onlyServedToKilledWorker(bundleId: string, handle: string): boolean;
};

type VideoView = { position: number; videoId: string; status: string; name: string | null };

type Mirror = {
  rows: Map<string, BundleRow>;
  videos: Map<string, VideoView[]>;
  timelines: Map<string, string[]>;
  /** Handles in committed observations (bundle_versions: username, raw.remade.old_username). */
  observed: Map<string, Set<string>>;
};

async function readMirror(db: Database): Promise<Mirror> {
  const rows = new Map((await db.select().from(bundles)).map((row) => [row.bundleId, row]));
  const group = <T>(map: Map<string, T[]>, id: string, value: T) => map.set(id, [...(map.get(id) ?? []), value]);

  const videos = new Map<string, VideoView[]>();
  const videoRows = await db.select().from(bundleVideos).orderBy(asc(bundleVideos.bundleId), asc(bundleVideos.position));
  for (const v of videoRows) group(videos, v.bundleId, { position: v.position, videoId: v.videoId, status: v.status, name: v.name });

  const timelines = new Map<string, string[]>();
  const accounts = await db.select().from(bundleAccounts).orderBy(asc(bundleAccounts.bundleId), asc(bundleAccounts.incarnation));
  for (const a of accounts) if (a.username !== null) group(timelines, a.bundleId, a.username);

  const observed = new Map<string, Set<string>>();
  const versions = await db
    .select({ bundleId: bundleVersions.bundleId, username: bundleVersions.username, raw: bundleVersions.raw })
    .from(bundleVersions);
  for (const v of versions) {
    const set = observed.get(v.bundleId) ?? new Set<string>();
    observed.set(v.bundleId, set);
    if (v.username) set.add(v.username);
    const old = (v.raw as { remade?: { old_username?: unknown } } | null)?.remade?.old_username;
    if (typeof old === 'string') set.add(old);
  }
  return { rows, videos, timelines, observed };
}

/** Null and missing are the same fact (the wire schemas fill some absent keys with null). */
function withoutNulls(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutNulls);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([, inner]) => inner !== null && inner !== undefined)
      .map(([key, inner]) => [key, withoutNulls(inner)]),
  );
}
const same = (a: unknown, b: unknown): boolean => canonicalJson(withoutNulls(a ?? null)) === canonicalJson(withoutNulls(b ?? null));

/** The demo's columns (see src/demo/verify.ts) plus those only a fault run can get wrong. */
function expectedFaultColumns(detail: Record<string, unknown>) {
  return {
    ...expectedColumns(detail),
    remade_at: isoOrNull(asRecord(detail.remade).remade_at),
    account_listing_id: asRecord(detail.account).id ?? null,
    not_owned_at: null,
  };
}

function storedFaultColumns(row: BundleRow): Record<keyof ReturnType<typeof expectedFaultColumns>, unknown> {
  return {
    ...storedColumns(row),
    remade_at: row.remadeAt?.toISOString() ?? null,
    account_listing_id: row.accountListingId,
    not_owned_at: row.notOwnedAt,
  };
}

function compareLive(bundleId: string, detail: Record<string, unknown>, mirror: Mirror, out: Mismatch[]): void {
  const row = mirror.rows.get(bundleId);
  if (!row) {
    out.push({ bundleId, what: 'row', expected: 'present', actual: 'missing' });
    return;
  }
  out.push(...columnMismatches(bundleId, expectedFaultColumns(detail), storedFaultColumns(row), same));
  // The stored document must be the API's, key for key (a list observation merges over the
  // last detail, so after catching up it must still equal the detail).
  const raw = asRecord(row.raw);
  for (const key of new Set([...Object.keys(detail), ...Object.keys(raw)])) {
    if (!same(detail[key], raw[key])) {
      out.push({ bundleId, what: `raw.${key}`, expected: detail[key], actual: raw[key] });
    }
  }
  const videos = (Array.isArray(detail.videos) ? detail.videos : []).map((v) => {
    const video = asRecord(v);
    return { position: video.position, videoId: video.id, status: video.status, name: video.name ?? null };
  });
  const storedVideos = mirror.videos.get(bundleId) ?? [];
  if (!same(videos, storedVideos)) {
    out.push({ bundleId, what: 'videos', expected: videos, actual: storedVideos });
  }
}

/**
 * The timeline must be the fake's handles in order, minus only those no observation could
 * show: nothing invented, nothing repeated, nothing out of order, nothing observed then lost.
 */
function compareTimeline(bundleId: string, truth: Truth, mirror: Mirror, figures: HandleFigures, out: Mismatch[]): void {
  const given = truth.handles(bundleId);
  const timeline = mirror.timelines.get(bundleId) ?? [];
  const positions = timeline.map((handle) => given.indexOf(handle));
  const ordered = positions.every((position, i) => position >= 0 && (i === 0 || position > positions[i - 1]!));
  if (!ordered) out.push({ bundleId, what: 'timeline order', expected: given, actual: timeline });

  const exposed = truth.exposed(bundleId);
  const observed = mirror.observed.get(bundleId) ?? new Set<string>();
  for (const handle of given) {
    figures.total += 1;
    if (timeline.includes(handle)) figures.recorded += 1;
    else if (observed.has(handle)) out.push({ bundleId, what: 'handle observed but not in timeline', expected: handle, actual: timeline });
    else if (exposed.has(handle)) {
      if (truth.onlyServedToKilledWorker(bundleId, handle)) figures.lostWithKilledWorker += 1;
      else figures.servedNotObserved += 1;
    }
    else {
      figures.unobservable += 1;
      if (truth.hidden(bundleId).has(handle)) figures.unobservableByConstruction += 1;
    }
  }
}

export async function verifyMirror(db: Database, truth: Truth): Promise<Verification> {
  const mirror = await readMirror(db);
  const mismatches: Mismatch[] = [];
  const handles: HandleFigures = {
    total: 0,
    recorded: 0,
    unobservable: 0,
    unobservableByConstruction: 0,
    lostWithKilledWorker: 0,
    servedNotObserved: 0,
  };
  let tombstoned = 0;
  let deletedNeverSeen = 0;

  for (const [bundleId, detail] of truth.live) {
    compareLive(bundleId, detail, mirror, mismatches);
    compareTimeline(bundleId, truth, mirror, handles, mismatches);
  }
  for (const bundleId of truth.deleted.keys()) {
    const row = mirror.rows.get(bundleId);
    if (!row) {
      // Created and deleted before any fetch saw it: there is nothing to tombstone.
      deletedNeverSeen += 1;
      continue;
    }
    if (row.deletedAt === null) mismatches.push({ bundleId, what: 'tombstone', expected: 'deleted_at set', actual: null });
    else tombstoned += 1;
    compareTimeline(bundleId, truth, mirror, handles, mismatches);
  }
  for (const bundleId of mirror.rows.keys()) {
    if (!truth.live.has(bundleId) && !truth.deleted.has(bundleId)) {
      mismatches.push({ bundleId, what: 'row of a bundle the fake never had', expected: 'absent', actual: 'present' });
    }
  }
  return { liveBundles: truth.live.size, tombstoned, deletedNeverSeen, handles, mismatches };
}
