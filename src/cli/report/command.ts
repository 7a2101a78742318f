// `tokportal-sync report`: the reporting views as terminal tables (or JSON for scripts).
import { InvalidArgumentError, Option, type Command } from 'commander';
import { REPORT_NAMES } from '../../db/report-views.js';
import { withFatalErrors } from '../../lib/fatal-error.js';
import type { ReportOptions } from './run.js';

function parseLimit(value: string): number {
  const limit = Number(value);
  if (!Number.isInteger(limit) || limit < 1) throw new InvalidArgumentError('expected a positive whole number');
  return limit;
}

function parseInstant(value: string): Date {
  // A bare date means its midnight UTC; anything else must say its zone, or the answer would
  // depend on the machine's.
  const text = /^\d{4}-\d{2}-\d{2}$/.test(value) ? `${value}T00:00:00Z` : value;
  const at = new Date(text);
  if (!/(Z|[+-]\d{2}:?\d{2})$/i.test(text) || Number.isNaN(at.getTime())) {
    throw new InvalidArgumentError('expected a date (2026-09-15, midnight UTC) or an ISO 8601 instant with its offset (2026-09-15T12:00:00+02:00)');
  }
  return at;
}

export function registerReportCommand(program: Command): void {
  program
    .command('report')
    .description(
      'Print the reporting views as tables: pipeline, campaigns, credit spend, delivery times, remakes, sync lag (see docs/reporting.md). Read-only: never migrates or creates anything',
    )
    .addOption(new Option('--view <name>', 'print one view').choices(REPORT_NAMES))
    .option('--at <instant>', 'the workspace as the mirror knew it then (view bundles_as_of): a date or an ISO 8601 instant', parseInstant)
    .option('--limit <n>', 'rows per view', parseLimit, 20)
    .option('--json', 'print rows as JSON, keyed by view name (timestamps ISO 8601 with offset)')
    .action(withFatalErrors(async (options: ReportOptions) => (await import('./run.js')).runReportCommand(options)));
}
