// status_durations, delivery_intervals / delivery_times, status_daily and bundles_as_of on a
// scripted history with known answers: a bundle followed from creation through publish, review,
// finalization and a remake; one first seen already published whose next two changes share a
// second; one remade with the new account finalized at once; one deleted on TokPortal.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql, type SQL } from 'drizzle-orm';
import type { Database } from '../../src/db/connection.js';
import { rowsOf } from '../../src/db/result-rows.js';
import { applyBundleSnapshot, tombstoneBundle } from '../../src/db/repository.js';
import type { ObservationSource } from '../../src/sync/observation.js';
import type { BundleDetail } from '../../src/tokportal/schemas.js';
import { DATABASE_BACKENDS, type OpenedBackend } from '../support/backends.js';
import { makeDetail, remadeDetail } from '../support/bundles.js';

const t = (day: number, time: string) => `2026-03-${String(day).padStart(2, '0')}T${time}:00.000Z`;

async function applyTimingHistory(db: Database): Promise<void> {
  const apply = (bundle: BundleDetail, source: ObservationSource['source'] = 'webhook') =>
    applyBundleSnapshot(db, { kind: 'detail', bundle }, { source, sourceRef: `evt_${bundle.id}_${bundle.updated_at}`, observedAt: new Date(bundle.updated_at) });

  // A: TikTok US, followed from creation.
  const a = { id: 'bnd_a', external_ref: 'timing-a', created_at: t(2, '09:00') };
  await apply(makeDetail({ ...a, status: 'pending_setup', account_status: 'pending', saved_account_id: null, account: null, updated_at: t(2, '09:00') }));
  const configured = { username: 'alpha.one', saved_account_id: null };
  await apply(makeDetail({ ...a, status: 'published', account_status: 'configured', saved_account_id: null, account: configured, updated_at: t(2, '11:00') }));
  const delivered = { username: 'alpha.one', saved_account_id: 'sa_alpha1' };
  await apply(makeDetail({ ...a, status: 'published', account_status: 'in_review', saved_account_id: 'sa_alpha1', account: delivered, updated_at: t(3, '11:00') }));
  const accepted = makeDetail({ ...a, status: 'accepted', account_status: 'finalized', saved_account_id: 'sa_alpha1', account: delivered, updated_at: t(4, '17:00') });
  await apply(accepted);
  // Banned and remade: the new account goes through review again.
  const remade = remadeDetail(accepted, { username: 'alpha.two', updatedAt: t(10, '08:00') });
  await apply({ ...remade, account_status: 'in_review' });
  await apply({ ...remade, account_status: 'finalized', updated_at: t(10, '20:00') });

  // B: Instagram US, first seen by a backfill already published; then two changes in one second.
  const b = { id: 'bnd_b', external_ref: 'timing-b', platform: 'instagram' as const, created_at: t(1, '08:00') };
  await apply(makeDetail({ ...b, status: 'published', account_status: 'configured', updated_at: t(5, '10:00') }), 'backfill');
  await apply(makeDetail({ ...b, status: 'published', account_status: 'in_review', title: 'same second', updated_at: t(5, '10:00') }));
  await apply(makeDetail({ ...b, status: 'accepted', account_status: 'finalized', title: 'same second', updated_at: t(6, '10:00') }));

  // C: TikTok FR, remade with the new account shown finalized in the very answer that told of the remake.
  const c = makeDetail({ id: 'bnd_c', external_ref: 'timing-c', country: 'FR', status: 'accepted', account_status: 'finalized', account: { username: 'charlie' }, created_at: t(6, '09:00'), updated_at: t(7, '10:00') });
  await apply(c);
  await apply(remadeDetail(c, { username: 'charlie2', updatedAt: t(8, '12:00'), remadeAt: t(8, '11:00') }));

  // D: TikTok DE, published, then 404 on TokPortal (tombstoned when the mirror saw it).
  await apply(makeDetail({ id: 'bnd_d', country: 'DE', status: 'published', account_status: 'configured', created_at: t(2, '08:00'), updated_at: t(2, '08:00') }));
  await tombstoneBundle(db, 'bnd_d', { source: 'webhook', sourceRef: 'evt_d_404', observedAt: new Date(t(4, '00:00')) });
}

describe.each(DATABASE_BACKENDS)('timing views on $name', (backend) => {
  let opened: OpenedBackend;
  beforeAll(async () => {
    opened = await backend.open('timing');
    await applyTimingHistory(opened.db);
  });
  afterAll(async () => opened?.close());

  const query = async (text: SQL) => rowsOf(await opened.db.execute(text));
  const minute = (column: string) => `to_char(${column} at time zone 'UTC', 'MM-DD HH24:MI') as ${column}`;

  it('status_durations: every stretch with when it began, ended and how long it lasted', async () => {
    const rows = await query(
      sql.raw(`select bundle_id, field, status, ${minute('entered_at')}, ${minute('left_at')}, hours, entry_observed
               from tokportal.status_durations where bundle_id in ('bnd_a', 'bnd_b')`),
    );
    const r = (bundle: string, field: string, status: string, entered: string, left: string | null, hours: number | null, observed: boolean) => ({
      bundle_id: bundle, field, status, entered_at: entered, left_at: left, hours, entry_observed: observed,
    });
    expect(rows).toEqual([
      // Created in pending_setup: its entry is exact.
      r('bnd_a', 'status', 'pending_setup', '03-02 09:00', '03-02 11:00', 2, true),
      r('bnd_a', 'status', 'published', '03-02 11:00', '03-04 17:00', 54, true),
      r('bnd_a', 'status', 'accepted', '03-04 17:00', null, null, true),
      r('bnd_a', 'account_status', 'pending', '03-02 09:00', '03-02 11:00', 2, true),
      r('bnd_a', 'account_status', 'configured', '03-02 11:00', '03-03 11:00', 24, true),
      r('bnd_a', 'account_status', 'in_review', '03-03 11:00', '03-04 17:00', 30, true),
      r('bnd_a', 'account_status', 'finalized', '03-04 17:00', '03-10 08:00', 135, true),
      r('bnd_a', 'account_status', 'in_review', '03-10 08:00', '03-10 20:00', 12, true),
      r('bnd_a', 'account_status', 'finalized', '03-10 20:00', null, null, true),
      // Already published when first seen: the entry is only an upper bound.
      r('bnd_b', 'status', 'published', '03-05 10:00', '03-06 10:00', 24, false),
      r('bnd_b', 'status', 'accepted', '03-06 10:00', null, null, true),
      // Two changes in the same second: a stretch of zero, never a negative one.
      r('bnd_b', 'account_status', 'configured', '03-05 10:00', '03-05 10:00', 0, false),
      r('bnd_b', 'account_status', 'in_review', '03-05 10:00', '03-06 10:00', 24, true),
      r('bnd_b', 'account_status', 'finalized', '03-06 10:00', null, null, true),
    ]);
    const [deleted] = await query(sql.raw(`select status, ${minute('left_at')} from tokportal.status_durations where bundle_id = 'bnd_d' and field = 'status'`));
    expect(deleted).toEqual({ status: 'published', left_at: '03-04 00:00' });
    const [negative] = await query(sql`select count(*)::int as n from tokportal.status_durations where duration < interval '0'`);
    expect(negative!.n).toBe(0);
  });

  it('delivery_intervals: only intervals whose both ends the mirror saw', async () => {
    const rows = await query(sql.raw(`select bundle_id, step, ${minute('started_at')}, ${minute('finished_at')}, hours from tokportal.delivery_intervals`));
    expect(rows).toEqual([
      { bundle_id: 'bnd_a', step: 'publish_to_account_review', started_at: '03-02 11:00', finished_at: '03-03 11:00', hours: 24 },
      { bundle_id: 'bnd_a', step: 'account_review_to_finalized', started_at: '03-03 11:00', finished_at: '03-04 17:00', hours: 30 },
      // B's publish was before the mirror's first look: no publish_to_account_review for it.
      { bundle_id: 'bnd_b', step: 'account_review_to_finalized', started_at: '03-05 10:00', finished_at: '03-06 10:00', hours: 24 },
      // From remade_at (11:00) to the answer showing the new account finalized (12:00).
      { bundle_id: 'bnd_c', step: 'remake_to_finalized', started_at: '03-08 11:00', finished_at: '03-08 12:00', hours: 1 },
      { bundle_id: 'bnd_a', step: 'account_review_to_finalized', started_at: '03-10 08:00', finished_at: '03-10 20:00', hours: 12 },
      { bundle_id: 'bnd_a', step: 'remake_to_finalized', started_at: '03-10 08:00', finished_at: '03-10 20:00', hours: 12 },
    ]);
  });

  it('delivery_times: count, median and p90 per month finished, step and market', async () => {
    const rows = await query(
      sql`select month::text as month, step, country, platform, measured, median::text as median, p90::text as p90, median_hours, p90_hours
          from tokportal.delivery_times`,
    );
    expect(rows).toEqual([
      { month: '2026-03-01', step: 'account_review_to_finalized', country: 'US', platform: 'instagram', measured: 1, median: '1 day', p90: '1 day', median_hours: 24, p90_hours: 24 },
      // 30 h and 12 h: median 21 h, p90 = 12 + 0.9 x 18 = 28.2 h.
      { month: '2026-03-01', step: 'account_review_to_finalized', country: 'US', platform: 'tiktok', measured: 2, median: '21:00:00', p90: '28:12:00', median_hours: 21, p90_hours: 28.2 },
      { month: '2026-03-01', step: 'publish_to_account_review', country: 'US', platform: 'tiktok', measured: 1, median: '1 day', p90: '1 day', median_hours: 24, p90_hours: 24 },
      { month: '2026-03-01', step: 'remake_to_finalized', country: 'FR', platform: 'tiktok', measured: 1, median: '01:00:00', p90: '01:00:00', median_hours: 1, p90_hours: 1 },
      { month: '2026-03-01', step: 'remake_to_finalized', country: 'US', platform: 'tiktok', measured: 1, median: '12:00:00', p90: '12:00:00', median_hours: 12, p90_hours: 12 },
    ]);
  });

  it('status_daily: bundles per status at the end of each day', async () => {
    const rows = await query(sql`select day::text as day, status, bundles from tokportal.status_daily where day between '2026-03-01' and '2026-03-08' order by day, status`);
    expect(rows.map((r) => `${r.day} ${r.status} ${r.bundles}`)).toEqual([
      '2026-03-02 published 2', // A (since 11:00) and D
      '2026-03-03 published 2',
      // D was seen deleted at midnight: gone from 03-04 on.
      '2026-03-04 accepted 1',
      '2026-03-05 accepted 1',
      '2026-03-05 published 1', // B, counted from its first recorded state
      '2026-03-06 accepted 2', // C is recorded from 03-07 on
      '2026-03-07 accepted 3',
      '2026-03-08 accepted 3',
    ].map((line) => line.replace(/ \/\/.*/, '')));
    const [today] = await query(sql`select max(day) = (now() at time zone 'UTC')::date as reaches_today from tokportal.status_daily`);
    expect(today!.reaches_today).toBe(true);
  });

  it('bundles_as_of: the workspace at three instants', async () => {
    const asOf = async (instant: string) =>
      (await query(sql`select bundle_id, status, account_status, username, remade_count from tokportal.bundles_as_of(${instant}::timestamptz)`)).map(
        (r) => `${r.bundle_id} ${r.status} ${r.account_status} ${r.username ?? '-'} ${r.remade_count}`,
      );
    expect(await asOf(t(2, '10:00'))).toEqual(['bnd_a pending_setup pending - 0', 'bnd_d published configured user_bnd_d 0']);
    // D deleted, B recorded (its same-second second change included), C not yet created.
    expect(await asOf(t(5, '12:00'))).toEqual([
      'bnd_a accepted finalized alpha.one 0',
      'bnd_b published in_review user_bnd_b 0',
    ]);
    expect(await asOf(t(10, '12:00'))).toEqual([
      'bnd_a accepted in_review alpha.two 1',
      'bnd_b accepted finalized user_bnd_b 0',
      'bnd_c accepted finalized charlie2 1',
    ]);
  });
});
