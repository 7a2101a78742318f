// The reporting views as terminal tables (or JSON for scripts): what `report` and the demo print.
import type { ReportResult } from '../db/reports.js';
import { formatTable, type Cell } from './table.js';

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
