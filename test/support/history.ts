// A scripted history of a small workspace, written through the repository exactly as the
// sync would: three markets, two campaigns, remakes seen one by one, remakes missed, a remake
// only a list revealed, a cancellation, a tombstone, and webhook events with known lags.
// The reporting-view tests assert on it and docs/reporting.md shows its output.
import type { Database } from '../../src/db/connection.js';
import { applyBundleSnapshot, tombstoneBundle } from '../../src/db/repository.js';
import type { Observation } from '../../src/sync/observation.js';
import { bundles, webhookEvents, type NewWebhookEventRow } from '../../src/db/schema.js';
import type { BundleDetail } from '../../src/tokportal/schemas.js';
import { listItemOf, makeDetail, makeListItem, remadeDetail } from './bundles.js';

const day = (date: string, time = '10:00:00') => `${date}T${time}.000Z`;

/** Bundle ids of the scripted history, by role. */
export const HISTORY = {
  remadeThrice: 'bnd_us_001',
  steady: 'bnd_us_002',
  missedRemakes: 'bnd_gb_003',
  listOnly: 'bnd_fr_004',
  cancelled: 'bnd_fr_005',
  deleted: 'bnd_de_006',
  listRemade: 'bnd_us_007',
  solo: 'bnd_gb_008',
} as const;

const detail = (bundle: BundleDetail): Observation => ({ kind: 'detail', bundle });

export async function applyScriptedHistory(db: Database): Promise<void> {
  // Observed the moment TokPortal changed it, so the account timeline reads like real time.
  const apply = (observation: Observation, sourceRef: string) =>
    applyBundleSnapshot(db, observation, { source: 'webhook', sourceRef, observedAt: new Date(observation.bundle.updated_at) });

  // Campaign 12, TikTok US: a bundle remade three times, every remake seen.
  let a1 = makeDetail({
    id: HISTORY.remadeThrice,
    external_ref: 'campaign-12-001',
    status: 'completed',
    credit_cost: 60,
    account: { username: 'sunny.days' },
    created_at: day('2026-01-05'),
    updated_at: day('2026-01-06'),
  });
  await apply(detail(a1), 'evt_a1_0');
  for (const [i, handle] of ['sunny.days2', 'sunny.dayz', 'sunny_days_us'].entries()) {
    a1 = remadeDetail(a1, { username: handle, updatedAt: day(`2026-01-${10 + i * 5}`) });
    await apply(detail(a1), `evt_a1_${i + 1}`);
  }

  // Campaign 12, TikTok US: never remade, still accepted.
  await apply(
    detail(
      makeDetail({
        id: HISTORY.steady,
        external_ref: 'campaign-12-002',
        status: 'accepted',
        credit_cost: 40,
        account: { username: 'quiet.river' },
        created_at: day('2026-01-07'),
        updated_at: day('2026-01-08'),
      }),
    ),
    'evt_a2',
  );

  // Campaign 12, Instagram GB: seen once, then three remakes later (two never seen).
  const b0 = makeDetail({
    id: HISTORY.missedRemakes,
    external_ref: 'campaign-12-003',
    platform: 'instagram',
    country: 'GB',
    status: 'in_review',
    credit_cost: 50,
    account: { username: 'tea.time' },
    created_at: day('2026-01-20'),
    updated_at: day('2026-01-21'),
  });
  await apply(detail(b0), 'evt_b0');
  let b3 = b0;
  for (const [i, handle] of ['tea.time2', 'teatime.uk', 'tea_time_gb'].entries()) {
    b3 = remadeDetail(b3, { username: handle, updatedAt: day(`2026-02-0${2 + i}`) });
  }
  await apply(detail(b3), 'evt_b3');

  // Campaign 7, Instagram FR: only ever listed (backfill with --details never).
  await applyBundleSnapshot(
    db,
    {
      kind: 'list',
      bundle: makeListItem({
        id: HISTORY.listOnly,
        external_ref: 'campaign-7-001',
        platform: 'instagram',
        country: 'FR',
        status: 'pending_setup',
        account_status: 'pending',
        next_action: 'configure_account',
        is_published: false,
        account_configured: false,
        videos_configured_count: 0,
        credit_cost: 30,
        created_at: day('2026-02-01'),
        updated_at: day('2026-02-01', '11:00:00'),
      }),
    },
    { source: 'backfill', sourceRef: 'run_1', observedAt: new Date(day('2026-02-01', '12:00:00')) },
  );

  // Campaign 7, TikTok FR: cancelled (its credits come back).
  await apply(
    detail(
      makeDetail({
        id: HISTORY.cancelled,
        external_ref: 'campaign-7-002',
        country: 'FR',
        status: 'cancelled',
        account_status: 'pending',
        credit_cost: 50,
        is_published: false,
        saved_account_id: null,
        account: { username: null, saved_account_id: null },
        created_at: day('2026-02-03'),
        updated_at: day('2026-02-04'),
      }),
    ),
    'evt_c',
  );

  // Campaign 7, TikTok DE: deleted on TokPortal (404), tombstoned.
  await apply(
    detail(
      makeDetail({
        id: HISTORY.deleted,
        external_ref: 'campaign-7-003',
        country: 'DE',
        credit_cost: 40,
        account: { username: 'berlin.nights' },
        created_at: day('2026-02-05'),
        updated_at: day('2026-02-05', '12:00:00'),
      }),
    ),
    'evt_d',
  );
  await tombstoneBundle(db, HISTORY.deleted, { source: 'webhook', sourceRef: 'evt_d_404', observedAt: new Date(day('2026-02-08')) });

  // No campaign, TikTok US: published; a reconcile listing revealed a remake, no detail since.
  const e0 = makeDetail({
    id: HISTORY.listRemade,
    status: 'published',
    credit_cost: 40,
    account: { username: 'night.owl' },
    created_at: day('2026-02-10'),
    updated_at: day('2026-02-11'),
  });
  await apply(detail(e0), 'evt_e0');
  const e1 = remadeDetail(e0, { username: 'night.owl2', updatedAt: day('2026-02-15') });
  await applyBundleSnapshot(
    db,
    { kind: 'list', bundle: listItemOf(e1) },
    { source: 'reconcile', sourceRef: 'run_2', observedAt: new Date(day('2026-02-15', '10:15:00')) },
  );

  // A ref without a separator, Instagram GB, waiting to be published.
  await apply(
    detail(
      makeDetail({
        id: HISTORY.solo,
        external_ref: 'solo',
        platform: 'instagram',
        country: 'GB',
        status: 'pending_setup',
        next_action: 'publish_bundle',
        is_published: false,
        credit_cost: 30,
        account: { username: 'london.calling' },
        created_at: day('2026-02-12'),
        updated_at: day('2026-02-12', '13:00:00'),
      }),
    ),
    'evt_f',
  );

  await insertEvents(db);
}

/**
 * Inbox rows with known lags, received in the last quarter hour: five processed, one never
 * marked but covered by its bundle's later sync (1.5 s), one received after every sync so far
 * (pending), one of an unknown type (ignored, not a sync).
 */
async function insertEvents(db: Database): Promise<void> {
  const synced = new Map(
    (await db.select({ id: bundles.bundleId, at: bundles.lastSyncedAt }).from(bundles)).map((row) => [row.id, row.at.getTime()]),
  );
  const base = Date.now() - 15 * 60_000;
  const at = (ms: number) => new Date(ms);
  const event = (
    eventId: string,
    type: string,
    bundleId: string | null,
    receivedAt: Date,
    processedAt: Date | null,
    status = processedAt ? 'processed' : 'enqueued',
  ): NewWebhookEventRow => ({ eventId, type, bundleId, payload: { id: eventId, type }, status, receivedAt, processedAt });
  await db.insert(webhookEvents).values([
    event('evt_1', 'account.remade', HISTORY.remadeThrice, at(base), at(base + 2_500)),
    event('evt_2', 'account.remade', HISTORY.remadeThrice, at(base + 60_000), at(base + 64_000)),
    event('evt_3', 'account.remade', HISTORY.missedRemakes, at(base + 120_000), at(base + 121_000)),
    event('evt_4', 'bundle.published', HISTORY.listRemade, at(base + 180_000), at(base + 180_800)),
    event('evt_5', 'video.published', HISTORY.steady, at(base + 240_000), at(base + 241_200)),
    event('evt_6', 'account.finalized', HISTORY.solo, at(synced.get(HISTORY.solo)! - 1_500), null),
    event('evt_7', 'video.published', HISTORY.steady, at(synced.get(HISTORY.steady)! + 1), null),
    event('evt_8', 'thing.happened', null, at(base + 300_000), null, 'ignored'),
  ]);
}
