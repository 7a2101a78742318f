// `tokportal-sync report`: the reporting views as terminal tables (or JSON for scripts).
import { Option, type Command } from 'commander';
import { REPORT_NAMES, type ReportName } from '../../db/report-views.js';
import { withFatalErrors } from '../../lib/fatal-error.js';
import { limitOrAll } from '../option-parsers.js';
import type { ReportOptions } from './run.js';

export function registerReportCommand(program: Command): void {
  program
    .command('report')
    .description('Print the reporting views as tables: pipeline, campaigns, credit spend, remakes, sync lag (see docs/reporting.md)')
    .addOption(new Option('--view <name>', 'print one view').choices(REPORT_NAMES))
    .option('--limit <n>', 'rows per view, or "all"', limitOrAll, 20)
    .option('--json', 'print rows as JSON, keyed by view name')
    .action(withFatalErrors(async (options: ReportOptions) => (await import('./run.js')).runReportCommand(options)));
}
