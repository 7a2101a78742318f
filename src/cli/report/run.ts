// What `tokportal-sync report` runs: the reporting views as terminal tables (or JSON for scripts).
import { formatReports } from '../../format/reports.js';
import { loadConfig } from '../../config.js';
import type { Database } from '../../db/connection.js';
import type { ReportName } from '../../db/report-views.js';
import { DEFAULT_REPORTS } from '../../db/report-views.js';
import { runReport, type ReportResult } from '../../db/reports.js';
import { createLogger } from '../../lib/logger.js';
import { createRuntime } from '../../app/runtime.js';

/** limit 'all' (--limit all): every row. */
export type ReportOptions = { view?: ReportName; limit: number | 'all'; json?: boolean };

export async function buildReports(db: Database, options: ReportOptions): Promise<ReportResult[]> {
  const names = options.view ? [options.view] : DEFAULT_REPORTS;
  const results: ReportResult[] = [];
  const limit = options.limit === 'all' ? null : options.limit;
  for (const name of names) results.push(await runReport(db, name, limit));
  return results;
}

export async function runReportCommand(options: ReportOptions): Promise<void> {
  const config = loadConfig();
  // Logs to stderr: stdout holds only the report (pipe-able with --json).
  const logger = createLogger({ level: config.logLevel, destination: process.stderr });
  const runtime = await createRuntime({ config, logger, allowPglite: true, maxConnections: 1 });
  try {
    process.stdout.write(`${formatReports(await buildReports(runtime.db, options), options.json)}\n`);
  } finally {
    await runtime.close();
  }
}
