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
        ['campaign', 'bundles', 'completed', 'in_progress', 'cancelled_or_archived', 'accounts_delivered', 'remakes', 'credits', 'first_ref', 'last_ref'],
        'campaign nulls last',
      ),
    ).toEqual([
      ['campaign-12', 3, 1, 2, 0, 3, 6, 150, 'campaign-12-001', 'campaign-12-003'],
      ['campaign-7', 2, 0, 1, 1, 0, 0, 80, 'campaign-7-001', 'campaign-7-002'],
      ['solo', 1, 0, 1, 0, 1, 0, 30, 'solo', 'solo'],
      [null, 1, 0, 1, 0, 1, 1, 40, null, null],
    ]);
  });

  it('credit_spend: by month of creation and market, cancelled credits apart', async () => {
    expect(
      await table('credit_spend', ['month', 'platform', 'country', 'bundles', 'credits_spent', 'credits_cancelled', 'credits_published'], 'month, platform, country'),
    ).toEqual([
      ['2026-01', 'instagram', 'GB', 1, 50, 0, 50],
      ['2026-01', 'tiktok', 'US', 2, 100, 0, 100],
      ['2026-02', 'instagram', 'FR', 1, 30, 0, 0],
      ['2026-02', 'instagram', 'GB', 1, 30, 0, 0],
      ['2026-02', 'tiktok', 'FR', 1, 0, 50, 0],
      ['2026-02', 'tiktok', 'US', 1, 40, 0, 40],
    ]);
  });

  it('pipeline: live bundles by status and next_action', async () => {
    const rows = await table('pipeline', ['status', 'next_action', 'bundles', 'credits', 'max_days_idle'], 'status, next_action');
    expect(rows.map((row) => row.slice(0, 4))).toEqual([
      ['accepted', null, 1, 40],
      ['cancelled', null, 1, 50],
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
