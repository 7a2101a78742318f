// What `tokportal-sync report` runs: the reporting views as terminal tables (or JSON for scripts).
// Read-only: it opens an existing mirror without migrating or creating anything (read-mirror.ts).
import { formatReports } from '../../format/reports.js';
import { loadConfig } from '../../config.js';
import type { Database } from '../../db/connection.js';
import type { ReportName } from '../../db/report-views.js';
import { DEFAULT_REPORTS, REPORT_DEFINITIONS } from '../../db/report-views.js';
import { runReport, type ReportResult } from '../../db/reports.js';
import { explainMissingRelation, openMirrorReadOnly } from '../../app/read-mirror.js';
import { ConfigError } from '../../lib/fatal-error.js';

export type ReportOptions = { view?: ReportName; limit: number; json?: boolean; at?: Date };

export async function buildReports(db: Database, options: ReportOptions): Promise<ReportResult[]> {
  const names = options.view ? [options.view] : DEFAULT_REPORTS;
  const results: ReportResult[] = [];
  for (const name of names) results.push(await runReport(db, name, options.limit, options.at));
  return results;
}

export async function runReportCommand(options: ReportOptions): Promise<void> {
  const config = loadConfig();
  const view = options.view && REPORT_DEFINITIONS[options.view];
  if (view && 'takesInstant' in view && !options.at) throw new ConfigError(`--view ${options.view} needs --at <instant>, e.g. --at 2026-09-15T00:00:00Z`);
  if (options.at && !options.view) options = { ...options, view: 'bundles_as_of' };
  const database = await openMirrorReadOnly(config, 'tokportal-sync report');
  try {
    process.stdout.write(`${formatReports(await buildReports(database.db, options), options.json)}\n`);
  } catch (error) {
    throw explainMissingRelation(error, config) ?? error;
  } finally {
    await database.close();
  }
}
