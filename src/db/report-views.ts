// The reporting views `tokportal-sync report` prints (drizzle/0005): per view, the columns worth
// a terminal, in the order the view itself defines (each view ends with ORDER BY on a unique key,
// repeated here so a LIMIT cuts the same rows). Data only, apart from reports.ts (the queries), so
// the CLI can list the view names in `report --help` without loading the database driver.

/** A date column as 'YYYY-MM-DD' text: drivers turn a bare date into a local-midnight Date. */
const day = (column: string): [string, string] => [column, `${column}::text`];
/**
 * A timestamp as ISO 8601 text with its offset (UTC), the same from every driver (postgres.js
 * under drizzle answers Postgres' own text, PGlite a Date): what --json prints.
 */
export const TIMESTAMP_FORMAT = 'YYYY-MM-DD"T"HH24:MI:SS.MS"+00:00"';
const ts = (column: string): [string, string] => [column, `to_char(${column} AT TIME ZONE 'UTC', '${TIMESTAMP_FORMAT}')`];

export type ReportDefinition = {
  title: string;
  /** [output name, SQL expression] pairs; a bare name selects the view column as is. */
  columns: (string | [string, string])[];
  orderBy: string;
  /** A set-returning function taking the instant of `report --at` (bundles_as_of). */
  takesInstant?: true;
};

export const REPORT_DEFINITIONS = {
  pipeline: {
    title: 'Pipeline: live bundles by status and next action',
    columns: ['status', 'next_action', 'bundles', 'credits_spent', ts('oldest_update'), 'max_days_idle'],
    orderBy: 'bundles DESC, status, next_action NULLS FIRST',
  },
  campaign_summary: {
    title: 'Campaigns (external_ref without its last segment)',
    columns: ['campaign', 'bundles', 'completed', 'in_progress', 'cancelled_or_archived', 'accounts_delivered', 'remakes', 'credits_spent', 'credits_restored', 'videos_configured', 'videos_total', ts('last_updated_at')],
    orderBy: 'campaign NULLS LAST',
  },
  credit_spend: {
    title: 'Credit spend by month of creation, platform and country',
    columns: [day('month'), 'platform', 'country', 'bundles', 'credits_spent', 'credits_restored', 'credits_published'],
    orderBy: 'month DESC NULLS LAST, credits_spent DESC, platform, country',
  },
  delivery_times: {
    title: "TokPortal's service times by month finished, step and market (hours)",
    columns: [day('month'), 'step', 'country', 'platform', 'bundle_type', 'measured', 'median_hours', 'p90_hours'],
    orderBy: 'month DESC, step, country, platform, bundle_type',
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
    columns: ['bundle_id', 'external_ref', 'platform', 'country', 'status', 'account_status', 'next_action', 'current_username', 'remade_count', 'known_handles', 'credits_spent', ts('api_updated_at')],
    orderBy: 'api_updated_at DESC, bundle_id',
  },
  account_timeline: {
    title: 'Account timeline: every handle of every bundle, in order',
    columns: ['bundle_id', 'external_ref', 'incarnation', 'username', 'evidence', 'unseen_before', 'remade_count', ts('known_from'), ts('replaced_at'), 'is_current'],
    orderBy: 'bundle_id, incarnation',
  },
  status_durations: {
    title: 'Status durations: each stretch a bundle (or its account) spent in one status',
    columns: ['bundle_id', 'external_ref', 'field', 'status', ts('entered_at'), ts('left_at'), 'hours', 'entry_observed'],
    orderBy: 'bundle_id, field DESC, entered_at, version_id',
  },
  delivery_intervals: {
    title: "TokPortal's service intervals, one per measured step",
    columns: ['bundle_id', 'external_ref', 'country', 'platform', 'step', ts('started_at'), ts('finished_at'), 'hours'],
    orderBy: 'finished_at, bundle_id, step',
  },
  status_daily: {
    title: 'Bundles in each status at the end of each day (UTC), newest day first',
    columns: [day('day'), 'status', 'bundles'],
    orderBy: 'day DESC, status',
  },
  bundles_as_of: {
    title: 'Every bundle as the mirror knew it at --at (TokPortal time)',
    columns: ['bundle_id', 'external_ref', 'status', 'account_status', 'username', 'remade_count', ts('dated_at')],
    orderBy: 'bundle_id',
    takesInstant: true,
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
export const DEFAULT_REPORTS: ReportName[] = [
  'pipeline',
  'campaign_summary',
  'credit_spend',
  'delivery_times',
  'remakes_by_market',
  'remakes',
  'sync_lag_summary',
];

export const isReportName = (name: string): name is ReportName => Object.hasOwn(REPORT_DEFINITIONS, name);
