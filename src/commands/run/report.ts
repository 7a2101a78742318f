// What `tokportal-sync report` runs: the reporting views as terminal tables (or JSON for scripts).
import { formatTable, type Cell } from '../../cli-support/table.js';
import { loadConfig } from '../../config.js';
import type { Database } from '../../db/connection.js';
import { DEFAULT_REPORTS } from '../../db/report-views.js';
import { runReport, type ReportResult } from '../../db/reports.js';
import { createLogger } from '../../logger.js';
import { createRuntime } from '../../runtime.js';
import type { ReportOptions } from '../report.js';

export async function buildReports(db: Database, options: ReportOptions): Promise<ReportResult[]> {
  const names = options.view ? [options.view] : DEFAULT_REPORTS;
  const results: ReportResult[] = [];
  for (const name of names) results.push(await runReport(db, name, options.limit));
  return results;
}

export function formatReports(results: readonly ReportResult[], json = false): string {
  if (json) return JSON.stringify(Object.fromEntries(results.map((r) => [r.name, r.rows])), null, 2);
  return results
    .map((result) => {
      const rows = result.rows.map((row) => result.columns.map((column) => row[column] as Cell));
      const footer =
        result.rows.length === 0
          ? '(no rows)'
          : `(${result.rows.length} row${result.rows.length === 1 ? '' : 's'}${result.truncated ? ', more with --limit' : ''})`;
      return [`== ${result.title} [${result.name}]`, formatTable(result.columns, rows, { maxCellWidth: 64 }), footer].join('\n');
    })
    .join('\n\n');
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
