// The SQL behind `tokportal-sync report`: one query per reporting view (drizzle/0002), with
// the columns worth a terminal and an order that puts what matters first. The views are the
// contract (docs/reporting.md); these queries only pick from them.
import { sql } from 'drizzle-orm';
import type { Database } from './connection.js';

/** Timestamps as UTC text, so every driver (postgres.js, PGlite) prints the same thing. */
const ts = (column: string): [string, string] => [column, `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS')`];

type ReportDefinition = {
  title: string;
  /** [output name, SQL expression] pairs; a bare name selects the view column as is. */
  columns: (string | [string, string])[];
  orderBy: string;
};

const DEFINITIONS = {
  pipeline: {
    title: 'Pipeline: live bundles by status and next action',
    columns: ['status', 'next_action', 'bundles', 'credits', ts('oldest_update'), 'max_days_idle'],
    orderBy: 'bundles DESC, status, next_action NULLS FIRST',
  },
  campaign_summary: {
    title: 'Campaigns (external_ref without its last segment)',
    columns: ['campaign', 'bundles', 'completed', 'in_progress', 'cancelled_or_archived', 'accounts_delivered', 'remakes', 'credits', 'videos_configured', 'videos_total', ts('last_updated_at')],
    orderBy: 'campaign NULLS LAST',
  },
  credit_spend: {
    title: 'Credit spend by month of creation, platform and country',
    columns: ['month', 'platform', 'country', 'bundles', 'credits_spent', 'credits_cancelled', 'credits_published'],
    orderBy: 'month DESC, credits_spent DESC, platform, country',
  },
  remakes_by_market: {
    title: 'Remakes by platform and country',
    columns: ['platform', 'country', 'bundles', 'remade_bundles', 'remakes', 'remade_pct', ts('last_remade_at')],
    orderBy: 'remakes DESC, platform, country',
  },
  remakes: {
    title: 'Remade bundles and their chain of handles',
    columns: ['bundle_id', 'external_ref', 'platform', 'country', 'remade_count', 'known_handles', 'handles_missing', 'handles', ts('last_remade_at')],
    orderBy: 'remade_count DESC, bundle_id',
  },
  sync_lag_summary: {
    title: 'Sync lag (webhook received -> bundle synced) by event type, seconds',
    columns: ['type', 'events', 'pending', 'p50_seconds', 'p95_seconds', 'max_seconds', 'oldest_pending_seconds'],
    orderBy: 'events DESC, type',
  },
  current_bundles: {
    title: 'Live bundles with their current handle',
    columns: ['bundle_id', 'external_ref', 'platform', 'country', 'status', 'account_status', 'next_action', 'current_username', 'remade_count', 'known_handles', 'credit_cost', ts('api_updated_at')],
    orderBy: 'api_updated_at DESC, bundle_id',
  },
  account_timeline: {
    title: 'Account timeline: every handle of every bundle, in order',
    columns: ['bundle_id', 'external_ref', 'incarnation', 'username', 'evidence', 'unseen_before', 'remade_count', ts('first_seen_at'), ts('replaced_at'), 'is_current'],
    orderBy: 'bundle_id, incarnation',
  },
  sync_lag: {
    title: 'Sync lag per webhook event, newest first',
    columns: ['event_id', 'type', 'bundle_id', 'status', ts('received_at'), ts('synced_at'), 'lag_seconds', 'pending', 'waiting_seconds'],
    orderBy: 'received_at DESC, event_id',
  },
} satisfies Record<string, ReportDefinition>;

export type ReportName = keyof typeof DEFINITIONS;
export const REPORT_NAMES = Object.keys(DEFINITIONS) as ReportName[];
/** What `report` prints without --view: the overview, not the per-row listings. */
export const DEFAULT_REPORTS: ReportName[] = ['pipeline', 'campaign_summary', 'credit_spend', 'remakes_by_market', 'remakes', 'sync_lag_summary'];

export const isReportName = (name: string): name is ReportName => Object.hasOwn(DEFINITIONS, name);

export type ReportResult = {
  name: ReportName;
  title: string;
  columns: string[];
  rows: Record<string, unknown>[];
  /** More rows exist than the limit let through. */
  truncated: boolean;
};

/** postgres.js answers an array of rows, PGlite an object with `rows`. */
export function rowsOf(result: unknown): Record<string, unknown>[] {
  if (Array.isArray(result)) return result as Record<string, unknown>[];
  return ((result as { rows?: Record<string, unknown>[] }).rows ?? []) as Record<string, unknown>[];
}

export async function runReport(db: Database, name: ReportName, limit: number): Promise<ReportResult> {
  const definition: ReportDefinition = DEFINITIONS[name];
  const pairs = definition.columns.map((column) => (typeof column === 'string' ? [column, column] : column));
  // Static SQL from the table above; only the limit comes from the user, as a parameter.
  const select = pairs.map(([as, expression]) => `${expression} AS "${as}"`).join(', ');
  const query = sql`${sql.raw(`SELECT ${select} FROM "tokportal"."${name}" ORDER BY ${definition.orderBy}`)} LIMIT ${limit + 1}`;
  const rows = rowsOf(await db.execute(query));
  return {
    name,
    title: definition.title,
    columns: pairs.map(([as]) => as!),
    rows: rows.slice(0, limit),
    truncated: rows.length > limit,
  };
}
