// The SQL behind `tokportal-sync report`: one query per reporting view, built from its
// definition in report-views.ts. The views are the contract (docs/reporting.md); these
// queries only pick from them.
import { sql } from 'drizzle-orm';
import type { Database } from './connection.js';
import { REPORT_DEFINITIONS, type ReportDefinition, type ReportName } from './report-views.js';
import { rowsOf } from './result-rows.js';

export type ReportResult = {
  name: ReportName;
  title: string;
  columns: string[];
  rows: Record<string, unknown>[];
  /** More rows exist than the limit let through. */
  truncated: boolean;
};

export async function runReport(db: Database, name: ReportName, limit: number): Promise<ReportResult> {
  const definition: ReportDefinition = REPORT_DEFINITIONS[name];
  const pairs = definition.columns.map((column) => (typeof column === 'string' ? [column, column] : column));
  // Static SQL from the definitions; only the limit comes from the user, as a parameter.
  const select = pairs.map(([as, expression]) => `${expression} AS "${as}"`).join(', ');
  const query = sql`${sql.raw(`SELECT ${select} FROM "tokportal"."${name}" ORDER BY ${definition.orderBy}`)} LIMIT ${limit + 1}`;
  const rows = rowsOf(await db.execute(query));
  return {
    name,
    title: definition.title,
    columns: pairs.map(([as]) => as!),
    rows: rows.slice(0, limit),
    truncated: rows.length > limit,
  };
}
