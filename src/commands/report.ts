// `tokportal-sync report`: the reporting views as terminal tables (or JSON for scripts).
import { InvalidArgumentError, Option, type Command } from 'commander';
import { formatTable, type Cell } from '../cli-support/table.js';
import { loadConfig } from '../config.js';
import type { Database } from '../db/connection.js';
import { DEFAULT_REPORTS, REPORT_NAMES, type ReportName } from '../db/report-views.js';
import { runReport, type ReportResult } from '../db/reports.js';
import { createLogger } from '../logger.js';
import { withFatalErrors } from '../fatal-error.js';
import { createRuntime } from '../runtime.js';

export type ReportOptions = { view?: ReportName; limit: number; json?: boolean };

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

function parseLimit(value: string): number {
  const limit = Number(value);
  if (!Number.isInteger(limit) || limit < 1) throw new InvalidArgumentError('expected a positive whole number');
  return limit;
}

export function registerReportCommand(program: Command): void {
  program
    .command('report')
    .description('Print the reporting views as tables: pipeline, campaigns, credit spend, remakes, sync lag (see docs/reporting.md)')
    .addOption(new Option('--view <name>', 'print one view').choices(REPORT_NAMES))
    .option('--limit <n>', 'rows per view', parseLimit, 20)
    .option('--json', 'print rows as JSON, keyed by view name')
    .action(
      withFatalErrors(async (options: ReportOptions) => {
        const config = loadConfig();
        // Logs to stderr: stdout holds only the report (pipe-able with --json).
        const logger = createLogger({ level: config.logLevel, destination: process.stderr });
        const runtime = await createRuntime({ config, logger, allowPglite: true, maxConnections: 1 });
        try {
          process.stdout.write(`${formatReports(await buildReports(runtime.db, options), options.json)}\n`);
        } finally {
          await runtime.close();
        }
      }),
    );
}
