// Read-outs of the mirror, and comparisons with what the API (the fake TokPortal) shows: the
// assertions of every test that runs the sync against the fake end in one of these.
import { eq, inArray, sql } from 'drizzle-orm';
import { planNextStep, type FakeTokPortal, type StepName } from '../../fake-tokportal/index.js';
import type { Database } from '../../src/db/connection.js';
import { bundleAccounts, bundles, bundleVideos, webhookEvents, type BundleRow } from '../../src/db/schema.js';
import { waitFor } from './wait.js';

/** The mirror and the API it copies: a Stack, or any pair of them. */
export type MirrorAndApi = { db: Database; fake: FakeTokPortal };

export async function readBundle(db: Database, bundleId: string): Promise<BundleRow | undefined> {
  const rows = await db.select().from(bundles).where(eq(bundles.bundleId, bundleId));
  return rows[0];
}

/** The account timeline of a bundle: every handle in incarnation order, oldest first. */
export async function readHandles(db: Database, bundleId: string): Promise<(string | null)[]> {
  const rows = await db
    .select({ username: bundleAccounts.username, incarnation: bundleAccounts.incarnation })
    .from(bundleAccounts)
    .where(eq(bundleAccounts.bundleId, bundleId))
    .orderBy(bundleAccounts.incarnation);
  return rows.map((row) => row.username);
}

export async function readEventStatuses(db: Database, eventIds: string[]): Promise<Map<string, string>> {
  if (eventIds.length === 0) return new Map();
  const rows = await db
    .select({ eventId: webhookEvents.eventId, status: webhookEvents.status })
    .from(webhookEvents)
    .where(inArray(webhookEvents.eventId, eventIds));
  return new Map(rows.map((row) => [row.eventId, row.status]));
}

/** Inbox events not processed yet (received, or enqueued and waiting for their sync). */
export async function pendingInboxEvents(db: Database): Promise<number> {
  const rows = (await db.execute(
    sql`select count(*)::int as n from tokportal.webhook_events where status in ('received', 'enqueued')`,
  )) as unknown as { n: number }[];
  return Number(rows[0]?.n ?? 0);
}

/** The fields the mirror must agree on with the API (the fake's GET /bundles/:id answer). */
export function mirrorView(row: BundleRow | undefined) {
  return row && {
    status: row.status,
    accountStatus: row.accountStatus,
    username: row.username,
    savedAccountId: row.savedAccountId,
    remadeCount: row.remadeCount,
    apiUpdatedAt: row.apiUpdatedAt.toISOString(),
  };
}

type ApiDetail = {
  status: string;
  account_status: string | null;
  saved_account_id?: string | null;
  account?: { username?: string | null; saved_account_id?: string | null } | null;
  remade?: { remade_count: number } | null;
  updated_at: string;
};

export function apiView(detail: unknown) {
  const bundle = detail as ApiDetail;
  return {
    status: bundle.status,
    accountStatus: bundle.account_status ?? null,
    username: bundle.account?.username ?? null,
    savedAccountId: bundle.saved_account_id ?? bundle.account?.saved_account_id ?? null,
    remadeCount: bundle.remade?.remade_count ?? 0,
    apiUpdatedAt: new Date(bundle.updated_at).toISOString(),
  };
}

/** Seeded bundles whose next step is `step` (the fake's own lifecycle decides). */
export function bundlesAtStep(fake: FakeTokPortal, step: StepName): string[] {
  return fake.listBundleIds().filter((id) => {
    const record = fake.service.store.get(id);
    return record !== undefined && planNextStep(record) === step;
  });
}

/** Waits until the mirror row of each bundle shows exactly what the API shows now. */
export async function waitForMirror(stack: MirrorAndApi, bundleIds: string[], timeoutMs = 20_000): Promise<void> {
  await waitFor(
    async () => {
      for (const id of bundleIds) {
        const expected = apiView(stack.fake.getBundle(id));
        if (JSON.stringify(mirrorView(await readBundle(stack.db, id))) !== JSON.stringify(expected)) return false;
      }
      return true;
    },
    { timeoutMs, what: `the mirror of ${bundleIds.length} bundle(s) to match the API`, intervalMs: 100 },
  );
}

/** Mirror rows vs the API, and the account timeline vs every handle the fake ever gave the account. */
export async function compareWithApi(stack: MirrorAndApi, bundleIds: string[]) {
  const rows = await stack.db.select().from(bundles).where(inArray(bundles.bundleId, bundleIds));
  const byId = new Map(rows.map((row) => [row.bundleId, row]));
  return Promise.all(
    bundleIds.map(async (id) => ({
      id,
      mirror: mirrorView(byId.get(id)),
      api: apiView(stack.fake.getBundle(id)),
      timeline: await readHandles(stack.db, id),
      handles: stack.fake.handles(id),
    })),
  );
}

type FakeDetail = {
  id: string;
  status: string;
  account_status: string | null;
  external_ref: string | null;
  title: string | null;
  updated_at: string;
  saved_account_id?: string | null;
  remade: { remade_count: number };
  account: { id: string; username: string | null } | null;
  videos: { position: number; id: string; status: string }[];
};

/** The fields a report reads, as the fake holds them and as the mirror holds them (wider than mirrorView). */
export type Comparable = {
  status: string;
  accountStatus: string | null;
  externalRef: string | null;
  title: string | null;
  apiUpdatedAt: string;
  savedAccountId: string | null;
  accountListingId: string | null;
  username: string | null;
  remadeCount: number;
  videos: string[];
};

export function fakeComparable(fake: FakeTokPortal, bundleId: string): Comparable {
  const detail = fake.getBundle(bundleId) as FakeDetail;
  return {
    status: detail.status,
    accountStatus: detail.account_status,
    externalRef: detail.external_ref,
    title: detail.title,
    apiUpdatedAt: new Date(detail.updated_at).toISOString(),
    savedAccountId: detail.saved_account_id ?? null,
    accountListingId: detail.account?.id ?? null,
    username: detail.account?.username ?? null,
    remadeCount: detail.remade.remade_count,
    videos: [...detail.videos].sort((a, b) => a.position - b.position).map((v) => `${v.position}:${v.id}:${v.status}`),
  };
}

export async function mirrorComparables(db: Database, bundleIds: string[]): Promise<Map<string, Comparable>> {
  const rows = await db.select().from(bundles).where(inArray(bundles.bundleId, bundleIds));
  const videos = await db.select().from(bundleVideos).where(inArray(bundleVideos.bundleId, bundleIds));
  const videosByBundle = new Map<string, string[]>();
  for (const video of [...videos].sort((a, b) => a.position - b.position)) {
    const list = videosByBundle.get(video.bundleId) ?? [];
    list.push(`${video.position}:${video.videoId}:${video.status}`);
    videosByBundle.set(video.bundleId, list);
  }
  return new Map(
    rows.map((row) => [
      row.bundleId,
      {
        status: row.status,
        accountStatus: row.accountStatus,
        externalRef: row.externalRef,
        title: row.title,
        apiUpdatedAt: row.apiUpdatedAt.toISOString(),
        savedAccountId: row.savedAccountId,
        accountListingId: row.accountListingId,
        username: row.username,
        remadeCount: row.remadeCount,
        videos: videosByBundle.get(row.bundleId) ?? [],
      },
    ]),
  );
}

/** Every bundle of the fake (or of `bundleIds`) whose mirror row differs or is missing, with both sides. */
export async function mirrorDifferences(stack: MirrorAndApi, bundleIds = stack.fake.listBundleIds()) {
  const mirror = await mirrorComparables(stack.db, bundleIds);
  const differences: { bundleId: string; fake: Comparable; mirror: Comparable | undefined }[] = [];
  for (const bundleId of bundleIds) {
    const expected = fakeComparable(stack.fake, bundleId);
    const actual = mirror.get(bundleId);
    if (JSON.stringify(expected) !== JSON.stringify(actual)) differences.push({ bundleId, fake: expected, mirror: actual });
  }
  return differences;
}
