// The SQL behind `tokportal-sync report`: one query per reporting view, built from its
// definition in report-views.ts. The views are the contract (docs/reporting.md); these
// queries only pick from them.
import { sql } from 'drizzle-orm';
import type { Database } from './connection.js';
import { REPORT_DEFINITIONS, TIMESTAMP_FORMAT, type ReportDefinition, type ReportName } from './report-views.js';
import { rowsOf } from './result-rows.js';

export type ReportResult = {
  name: ReportName;
  title: string;
  columns: string[];
  /** Columns holding ISO 8601 timestamps (text with offset). */
  timestampColumns: string[];
  rows: Record<string, unknown>[];
  /** More rows exist than the limit let through. */
  truncated: boolean;
};

/**
 * One view, its columns in the report's order. `at` is the instant of a function such as
 * bundles_as_of (required by those, ignored by plain views).
 */
export async function runReport(db: Database, name: ReportName, limit: number, at?: Date): Promise<ReportResult> {
  const definition: ReportDefinition = REPORT_DEFINITIONS[name];
  const pairs = definition.columns.map((column) => (typeof column === 'string' ? [column, column] : column));
  // Static SQL from the definitions; only the limit and the instant come from the user, as parameters.
  const select = sql.raw(`SELECT ${pairs.map(([as, expression]) => `${expression} AS "${as}"`).join(', ')} FROM "tokportal"."${name}"`);
  if (definition.takesInstant && !at) throw new Error(`${name} needs an instant (report --at)`);
  const from = definition.takesInstant ? sql`${select}(${at!.toISOString()}::timestamptz)` : select;
  const query = sql`${from} ${sql.raw(`ORDER BY ${definition.orderBy}`)} LIMIT ${limit + 1}`;
  const rows = rowsOf(await db.execute(query));
  return {
    name,
    title: definition.title,
    columns: pairs.map(([as]) => as!),
    timestampColumns: pairs.filter(([, expression]) => expression!.includes(TIMESTAMP_FORMAT)).map(([as]) => as!),
    rows: rows.slice(0, limit),
    truncated: rows.length > limit,
  };
}
