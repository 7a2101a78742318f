// The reporting views as terminal tables (or JSON for scripts): what `report` and the demo print.
import type { ReportResult } from '../db/reports.js';
import { formatTable, type Cell } from './table.js';

/** ISO 8601 with an explicit offset (UTC), what every JSON consumer parses without guessing a zone. */
export function isoWithOffset(date: Date): string {
  return date.toISOString().replace(/Z$/, '+00:00');
}

/** A row fit for JSON: timestamps as ISO 8601 with offset, everything else as the driver gave it. */
export function jsonRow(row: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(row).map(([key, value]) => [key, value instanceof Date ? isoWithOffset(value) : value]));
}

export function formatReports(results: readonly ReportResult[], json = false): string {
  if (json) return JSON.stringify(Object.fromEntries(results.map((r) => [r.name, r.rows.map(jsonRow)])), null, 2);
  return results
    .map((result) => {
      const timestamps = new Set(result.timestampColumns);
      // Terminal tables keep the seconds, in UTC like every timestamp of the report; --json keeps it all.
      const cell = (column: string, value: unknown): Cell =>
        timestamps.has(column) && typeof value === 'string' ? value.replace('T', ' ').replace(/\.\d+\+00:00$/, '') : (value as Cell);
      const rows = result.rows.map((row) => result.columns.map((column) => cell(column, row[column])));
      const footer =
        result.rows.length === 0
          ? '(no rows)'
          : `(${result.rows.length} row${result.rows.length === 1 ? '' : 's'}${result.truncated ? ', more with --limit' : ''})`;
      return [`== ${result.title} [${result.name}]`, formatTable(result.columns, rows, { maxCellWidth: 64 }), footer].join('\n');
    })
    .join('\n\n');
}
