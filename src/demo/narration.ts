// What the demo prints: one line per step, the reporting tables, the verification verdict and
// where to look next. Formatting only; the work is in run.ts and campaign.ts.
import { formatReports } from '../format/reports.js';
import type { Database } from '../db/connection.js';
import { runReport, type ReportResult } from '../db/reports.js';
import { redactUrl } from '../app/runtime.js';
import type { BackfillResult } from '../worker/backfill.js';
import type { StepReport } from './campaign.js';
import { DEMO_PGLITE_DIR } from './defaults.js';
import type { Verification } from './verify.js';

const seconds = (ms: number) => `${(ms / 1_000).toFixed(1)} s`;
const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

export function formatBackfillLine(result: BackfillResult): string {
  const { stats } = result.progress.run;
  return (
    `Initial mirror (backfill): ${plural(stats.listed, 'bundle')} listed on ${plural(stats.pages, 'page')}, ` +
    `${plural(stats.detailsEnqueued, 'detail')} fetched: ${plural(result.sessionApiCalls, 'API call')} in ${seconds(result.durationMs)}`
  );
}

const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
/** When a step happened on TokPortal's simulated clock, e.g. "Tue 10-06 14:00". */
function tokportalTime(at: Date): string {
  return `${WEEKDAYS[at.getUTCDay()]} ${at.toISOString().slice(5, 10)} ${at.toISOString().slice(11, 16)}`;
}

export function formatStepLine(step: StepReport): string {
  const webhooks =
    step.events === 0 ? 'no webhook' : `${plural(step.events, 'event')} in ${plural(step.deliveries, 'delivery', 'deliveries')}`;
  const effects = `${webhooks}, ${plural(step.refetches, 'refetch', 'refetches')}`;
  return `  ${String(step.index).padStart(2)}. ${tokportalTime(step.at)} ${step.title}: ${step.detail} [${effects}, ${seconds(step.durationMs)}]`;
}

export function formatVerification(v: Verification, maxMismatches = 10): string {
  const unknowable =
    v.handlesUnknowable > 0
      ? `; ${plural(v.handlesUnknowable, 'older handle')} of bundles remade before the first sync cannot be known (remakes.handles_missing)`
      : '';
  const head =
    `${v.ok ? 'OK' : 'MISMATCH'}: mirror = TokPortal for ${v.bundlesEqual}/${v.bundles} bundles ` +
    `(status, account, handle, remade_count, external_ref, videos, updated_at); ` +
    `handles: ${v.handlesRecorded}/${v.handlesExpected} in order${unknowable}`;
  const lines = v.mismatches
    .slice(0, maxMismatches)
    .map((m) => `  ${m.bundleId} ${m.what}: expected ${JSON.stringify(m.expected)}, mirror has ${JSON.stringify(m.actual)}`);
  if (v.mismatches.length > maxMismatches) lines.push(`  ... and ${v.mismatches.length - maxMismatches} more`);
  return [`Verification ${head}`, ...lines].join('\n');
}

/** The tables a newcomer wants first: newest bundles, the remade ones' handle chains, remakes, pipeline. */
export async function buildDemoReports(db: Database, remadeBundleIds: readonly string[], topBundles: number): Promise<ReportResult[]> {
  const timeline = await runReport(db, 'account_timeline', 10_000);
  const remade = new Set(remadeBundleIds);
  return [
    only(await runReport(db, 'current_bundles', topBundles), CURRENT_COLUMNS),
    only(
      {
        ...timeline,
        title: 'Account timeline of the bundles remade in this demo: old and new handles',
        rows: timeline.rows.filter((row) => remade.has(String(row.bundle_id))),
        truncated: false,
      },
      TIMELINE_COLUMNS,
    ),
    await runReport(db, 'remakes', 10),
    await runReport(db, 'pipeline', 20),
  ];
}

// Fewer columns than `report` prints, so the tables fit a common terminal width.
const CURRENT_COLUMNS = ['bundle_id', 'external_ref', 'platform', 'country', 'status', 'account_status', 'current_username', 'remade_count', 'api_updated_at'];
const TIMELINE_COLUMNS = ['bundle_id', 'external_ref', 'incarnation', 'username', 'evidence', 'known_from', 'replaced_at', 'is_current'];

function only(result: ReportResult, columns: readonly string[]): ReportResult {
  return { ...result, columns: result.columns.filter((column) => columns.includes(column)) };
}

export { formatReports };

export function formatWhereToLook(databaseUrl: string | undefined, exampleBundleId: string | undefined): string {
  const example = exampleBundleId ?? '<bundle_id>';
  const lines = ['Explore the mirror (SQL views in schema tokportal, see docs/reporting.md):'];
  if (databaseUrl) {
    lines.push(
      `  psql '${redactUrl(databaseUrl)}' -c "select * from tokportal.account_timeline where bundle_id = '${example}'"`,
      `  DATABASE_URL=... npx tokportal-sync report            # every view as a table`,
    );
  } else {
    lines.push(
      `  PGLITE_DIR=${DEMO_PGLITE_DIR} npx tokportal-sync report --view account_timeline`,
      `  (an embedded PGlite, one process's own: once the demo has stopped, or while demo --keep-running serves it on PGLITE_PORT for psql)`,
    );
  }
  return lines.join('\n');
}

export type RunningEndpoints = {
  receiverUrl: string;
  fakeOrigin: string;
  fakeBaseUrl: string;
  exampleBundleId: string | undefined;
  /** psql command reaching the served embedded mirror (PGlite only). */
  psql?: string | undefined;
};

export function formatKeepRunning(endpoints: RunningEndpoints): string {
  const id = endpoints.exampleBundleId ?? '<bundle_id>';
  return [
    'Still running (Ctrl-C stops everything):',
    `  receiver         ${endpoints.receiverUrl}/webhooks/tokportal   (also /healthz, /readyz; /metrics and /admin/queues with ADMIN_TOKEN)`,
    `  fake TokPortal   ${endpoints.fakeBaseUrl}   (X-API-Key: the demo key TOKPORTAL_API_KEY in .env.demo)`,
    `  move a bundle    curl -X POST ${endpoints.fakeOrigin}/_fake/bundles/${id}/advance   (or /remake; list ids: GET ${endpoints.fakeOrigin}/_fake/bundles)`,
    ...(endpoints.psql
      ? [`  query it         ${endpoints.psql} -c 'select * from tokportal.delivery_times'   (the embedded mirror, live; also: npx tokportal-sync report)`]
      : []),
    `  watch it         each change the mirror records is printed below as it lands (the change feed; also: npx tokportal-sync changes --follow)`,
  ].join('\n');
}
