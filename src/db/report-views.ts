// The reporting views `tokportal-sync report` prints (drizzle/0002): per view, the columns worth
// a terminal and an order that puts what matters first. Data only, apart from reports.ts (the
// queries), so the CLI can list the view names in `report --help` without loading the database driver.

/** Timestamps as UTC text, so every driver (postgres.js, PGlite) prints the same thing. */
const ts = (column: string): [string, string] => [column, `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS')`];

export type ReportDefinition = {
  title: string;
  /** [output name, SQL expression] pairs; a bare name selects the view column as is. */
  columns: (string | [string, string])[];
  orderBy: string;
};

export const REPORT_DEFINITIONS = {
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

export type ReportName = keyof typeof REPORT_DEFINITIONS;
export const REPORT_NAMES = Object.keys(REPORT_DEFINITIONS) as ReportName[];
/** What `report` prints without --view: the overview, not the per-row listings. */
export const DEFAULT_REPORTS: ReportName[] = ['pipeline', 'campaign_summary', 'credit_spend', 'remakes_by_market', 'remakes', 'sync_lag_summary'];

export const isReportName = (name: string): name is ReportName => Object.hasOwn(REPORT_DEFINITIONS, name);
