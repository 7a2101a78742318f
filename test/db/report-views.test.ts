// Every reporting view on the scripted history (test/support/history.ts), on both databases.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql, type SQL } from 'drizzle-orm';
import { rowsOf } from '../../src/db/result-rows.js';
import { DATABASE_BACKENDS, type OpenedBackend } from '../support/backends.js';
import { applyScriptedHistory, HISTORY as H } from '../support/history.js';

describe.each(DATABASE_BACKENDS)('reporting views on $name', (backend) => {
  let opened: OpenedBackend;
  beforeAll(async () => {
    opened = await backend.open('views');
    await applyScriptedHistory(opened.db);
  });
  afterAll(async () => opened?.close());

  const query = async (text: SQL) => rowsOf(await opened.db.execute(text));
  /** Rows as arrays of the named columns, so a failure shows the whole table. */
  const table = async (view: string, columns: string[], orderBy: string) =>
    (await query(sql.raw(`select ${columns.join(', ')} from tokportal.${view} order by ${orderBy}`))).map((row) =>
      columns.map((column) => row[column.split(' as ').at(-1)!.trim()]),
    );

  it('current_bundles: one row per live bundle with its current handle', async () => {
    expect(await table('current_bundles', ['bundle_id', 'external_ref', 'status', 'current_username', 'remade_count', 'known_handles', 'not_owned'], 'bundle_id')).toEqual([
      [H.listOnly, 'campaign-7-001', 'pending_setup', null, 0, 0, false],
      [H.cancelled, 'campaign-7-002', 'cancelled', null, 0, 0, false],
      [H.missedRemakes, 'campaign-12-003', 'in_review', 'tea_time_gb', 3, 3, false],
      [H.solo, 'solo', 'pending_setup', 'london.calling', 0, 1, false],
      [H.remadeThrice, 'campaign-12-001', 'completed', 'sunny_days_us', 3, 4, false],
      [H.steady, 'campaign-12-002', 'accepted', 'quiet.river', 0, 1, false],
      // A list showed the remake; the old handle is no longer current, the new one not known yet.
      [H.listRemade, null, 'published', null, 1, 1, false],
    ]);
  });

  it('account_timeline: every handle of every bundle in order, with evidence and neighbours', async () => {
    const rows = await table(
      'account_timeline',
      ['bundle_id', 'incarnation', 'username', 'previous_username', 'next_username', 'evidence', 'unseen_before', 'is_current', 'bundle_deleted'],
      'bundle_id, incarnation',
    );
    expect(rows).toEqual([
      [H.deleted, 1, 'berlin.nights', null, null, 'observed', 0, true, true],
      [H.missedRemakes, 1, 'tea.time', null, 'teatime.uk', 'observed', 0, false, false],
      [H.missedRemakes, 2, 'teatime.uk', 'tea.time', 'tea_time_gb', 'old_username', 1, false, false],
      [H.missedRemakes, 3, 'tea_time_gb', 'teatime.uk', null, 'observed', 0, true, false],
      [H.solo, 1, 'london.calling', null, null, 'observed', 0, true, false],
      [H.remadeThrice, 1, 'sunny.days', null, 'sunny.days2', 'observed', 0, false, false],
      [H.remadeThrice, 2, 'sunny.days2', 'sunny.days', 'sunny.dayz', 'observed', 0, false, false],
      [H.remadeThrice, 3, 'sunny.dayz', 'sunny.days2', 'sunny_days_us', 'observed', 0, false, false],
      [H.remadeThrice, 4, 'sunny_days_us', 'sunny.dayz', null, 'observed', 0, true, false],
      [H.steady, 1, 'quiet.river', null, null, 'observed', 0, true, false],
      [H.listRemade, 1, 'night.owl', null, null, 'observed', 0, false, false],
    ]);
    const [replaced] = await query(
      sql`select to_char(replaced_at at time zone 'UTC', 'YYYY-MM-DD HH24:MI') as at from tokportal.account_timeline where username = 'sunny.days'`,
    );
    expect(replaced!.at).toBe('2026-01-10 10:00');
  });

  it('account_timeline: what is known of each handle, no derived duration negative', async () => {
    const rows = await query(sql`
      select username, evidence,
        to_char(known_from at time zone 'UTC', 'YYYY-MM-DD HH24:MI') as known_from,
        to_char(replaced_at at time zone 'UTC', 'YYYY-MM-DD HH24:MI') as replaced_at,
        extract(epoch from known_for)::float8 as known_for_seconds,
        observed_from is null as never_observed,
        observed_until >= observed_from as observed_in_order
      from tokportal.account_timeline where bundle_id = ${H.missedRemakes} order by incarnation`);
    expect(rows).toEqual([
      { username: 'tea.time', evidence: 'observed', known_from: '2026-01-21 10:00', replaced_at: '2026-02-04 10:00', known_for_seconds: 14 * 86_400, never_observed: false, observed_in_order: true },
      // Only named by the remake that replaced it: known to exist right before it was replaced, never seen.
      { username: 'teatime.uk', evidence: 'old_username', known_from: '2026-02-04 10:00', replaced_at: '2026-02-04 10:00', known_for_seconds: 0, never_observed: true, observed_in_order: null },
      { username: 'tea_time_gb', evidence: 'observed', known_from: '2026-02-04 10:00', replaced_at: null, known_for_seconds: null, never_observed: false, observed_in_order: true },
    ]);
    const [negative] = await query(sql`
      select count(*)::int as n from tokportal.account_timeline
      where known_for < interval '0' or replaced_at < known_from or observed_until < observed_from`);
    expect(negative!.n).toBe(0);
  });

  it('every view comes in its documented order when selected as it is', async () => {
    const orders: Record<string, string> = {
      current_bundles: 'api_updated_at desc, bundle_id',
      account_timeline: 'bundle_id, incarnation',
      remakes: 'remade_count desc, bundle_id',
      remakes_by_market: 'remakes desc, platform, country',
      campaign_summary: 'campaign nulls last',
      credit_spend: 'month desc nulls last, credits_spent desc, platform, country',
      pipeline: 'bundles desc, status, next_action nulls first',
      sync_lag: 'received_at desc, event_id',
      sync_lag_summary: 'events desc, type',
      status_durations: 'bundle_id, field desc, entered_at, version_id',
      delivery_intervals: 'finished_at, bundle_id, step',
      delivery_times: 'month desc, step, country, platform, bundle_type',
      status_daily: 'day desc, status',
      change_feed: 'cursor',
    };
    for (const [view, order] of Object.entries(orders)) {
      // One statement, so now() (in pipeline and sync_lag) is the same instant for both.
      const [both] = await query(
        sql.raw(`select (select json_agg(v) from (select * from tokportal.${view}) v)::text as as_is,
                        (select json_agg(v) from (select * from tokportal.${view} order by ${order}) v)::text as ordered`),
      );
      expect({ view, rows: both!.as_is }).toEqual({ view, rows: both!.ordered });
      const [comment] = await query(sql`select obj_description(${`tokportal.${view}`}::regclass, 'pg_class') as text`);
      expect({ view, documented: String(comment!.text).includes(`Order: `) }).toEqual({ view, documented: true });
    }
  });

  it('remakes: remade bundles with their chain and what is missing from it', async () => {
    expect(await table('remakes', ['bundle_id', 'remade_count', 'known_handles', 'handles_missing', 'handles'], 'bundle_id')).toEqual([
      [H.missedRemakes, 3, 3, 1, 'tea.time -> teatime.uk -> tea_time_gb'],
      [H.remadeThrice, 3, 4, 0, 'sunny.days -> sunny.days2 -> sunny.dayz -> sunny_days_us'],
      [H.listRemade, 1, 1, 1, 'night.owl'],
    ]);
  });

  it('remakes_by_market: counts per platform and country', async () => {
    expect(await table('remakes_by_market', ['platform', 'country', 'bundles', 'remade_bundles', 'remakes', 'remade_pct'], 'platform, country')).toEqual([
      ['instagram', 'FR', 1, 0, 0, 0],
      ['instagram', 'GB', 2, 1, 3, 50],
      ['tiktok', 'FR', 1, 0, 0, 0],
      ['tiktok', 'US', 3, 2, 4, 66.7],
    ]);
  });

  it('campaign_summary: campaigns from external_ref, tombstoned bundles left out', async () => {
    expect(
      await table(
        'campaign_summary',
        ['campaign', 'bundles', 'completed', 'in_progress', 'cancelled_or_archived', 'accounts_delivered', 'remakes', 'credits_spent', 'credits_restored', 'first_ref', 'last_ref'],
        'campaign nulls last',
      ),
    ).toEqual([
      ['campaign-12', 3, 1, 2, 0, 3, 6, 150, 0, 'campaign-12-001', 'campaign-12-003'],
      // The cancelled bundle's 50 credits came back: one definition of spent, everywhere.
      ['campaign-7', 2, 0, 1, 1, 0, 0, 30, 50, 'campaign-7-001', 'campaign-7-002'],
      ['solo', 1, 0, 1, 0, 1, 0, 30, 0, 'solo', 'solo'],
      [null, 1, 0, 1, 0, 1, 1, 40, 0, null, null],
    ]);
  });

  it('credit_spend: by month of creation (a date) and market, restored credits apart', async () => {
    expect(
      await table('credit_spend', ['month::text as month', 'platform', 'country', 'bundles', 'credits_spent', 'credits_restored', 'credits_published'], 'month, platform, country'),
    ).toEqual([
      ['2026-01-01', 'instagram', 'GB', 1, 50, 0, 50],
      ['2026-01-01', 'tiktok', 'US', 2, 100, 0, 100],
      ['2026-02-01', 'instagram', 'FR', 1, 30, 0, 0],
      ['2026-02-01', 'instagram', 'GB', 1, 30, 0, 0],
      ['2026-02-01', 'tiktok', 'FR', 1, 0, 50, 0],
      ['2026-02-01', 'tiktok', 'US', 1, 40, 0, 40],
    ]);
    const [type] = await query(sql`select pg_typeof(month)::text as type from tokportal.credit_spend limit 1`);
    expect(type!.type).toBe('date');
  });

  it('pipeline: live bundles by status and next_action', async () => {
    const rows = await table('pipeline', ['status', 'next_action', 'bundles', 'credits_spent', 'max_days_idle'], 'status, next_action');
    expect(rows.map((row) => row.slice(0, 4))).toEqual([
      ['accepted', null, 1, 40],
      ['cancelled', null, 1, 0],
      ['completed', null, 1, 60],
      ['in_review', null, 1, 50],
      ['pending_setup', 'configure_account', 1, 30],
      ['pending_setup', 'publish_bundle', 1, 30],
      ['published', null, 1, 40],
    ]);
    expect(rows.every((row) => typeof row[4] === 'number' && row[4] > 0)).toBe(true);
  });

  it('sync_lag: webhook received -> bundle synced per event, pending ones waiting', async () => {
    const rows = await table('sync_lag', ['event_id', 'type', 'bundle_id', 'lag_seconds', 'pending', 'waiting_seconds'], 'event_id');
    expect(rows.map((row) => row.slice(0, 5))).toEqual([
      ['evt_1', 'account.remade', H.remadeThrice, 2.5, false],
      ['evt_2', 'account.remade', H.remadeThrice, 4, false],
      ['evt_3', 'account.remade', H.missedRemakes, 1, false],
      ['evt_4', 'bundle.published', H.listRemade, 0.8, false],
      ['evt_5', 'video.published', H.steady, 1.2, false],
      // Never marked processed, but the bundle synced 1.5 s after it arrived.
      ['evt_6', 'account.finalized', H.solo, 1.5, false],
      ['evt_7', 'video.published', H.steady, null, true],
    ]);
    expect(rows.slice(0, 6).every((row) => row[5] === null)).toBe(true);
    expect(rows[6]![5]).toBeGreaterThan(0);
  });

  it('sync_lag_summary: percentiles per event type', async () => {
    expect(await table('sync_lag_summary', ['type', 'events', 'pending', 'p50_seconds', 'p95_seconds', 'max_seconds'], 'type')).toEqual([
      ['account.finalized', 1, 0, 1.5, 1.5, 1.5],
      ['account.remade', 3, 0, 2.5, 3.85, 4],
      ['bundle.published', 1, 0, 0.8, 0.8, 0.8],
      ['video.published', 2, 1, 1.2, 1.2, 1.2],
    ]);
  });
});
