// `tokportal-sync report` on the scripted history (test/support/history.ts), in-process and
// through the real binary.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildReports } from '../../../src/cli/report/run.js';
import { formatReports } from '../../../src/format/reports.js';
import { DEFAULT_REPORTS } from '../../../src/db/report-views.js';
import { createTestDatabase, type TestDatabase } from '../../support/postgres.js';
import { applyScriptedHistory } from '../../support/history.js';

const run = promisify(execFile);
const BIN = join(import.meta.dirname, '../../../bin/tokportal-sync.js');

/** The binary with a clean environment: only what the test sets (and PATH for node). */
function cli(args: string[], env: Record<string, string>) {
  return run(process.execPath, [BIN, ...args], { env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'warn', ...env }, timeout: 60_000 });
}

describe('report', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase('report');
    await applyScriptedHistory(database.db);
  });
  afterAll(async () => database?.drop());

  it('prints the overview views as tables', async () => {
    const results = await buildReports(database.db, { limit: 20 });
    expect(results.map((r) => r.name)).toEqual(DEFAULT_REPORTS);
    const text = formatReports(results);
    expect(text).toContain('== Pipeline: live bundles by status and next action [pipeline]');
    expect(text).toMatch(/campaign-12\s+3\s+1\s+2\s+0\s+3\s+6\s+150/);
    expect(text).toContain('(4 rows)');
  });

  it('limits rows and says when more exist', async () => {
    const [timeline] = await buildReports(database.db, { view: 'account_timeline', limit: 3 });
    expect(timeline!.rows).toHaveLength(3);
    expect(timeline!.truncated).toBe(true);
    expect(formatReports([timeline!])).toContain('(3 rows, more with --limit)');
  });

  it('prints one view as JSON through the binary', async () => {
    const { stdout } = await cli(['report', '--view', 'remakes', '--json'], { DATABASE_URL: database.url });
    const parsed = JSON.parse(stdout) as { remakes: { bundle_id: string; handles: string }[] };
    expect(parsed.remakes.map((r) => r.bundle_id)).toEqual(['bnd_gb_003', 'bnd_us_001', 'bnd_us_007']);
    expect(parsed.remakes[1]!.handles).toBe('sunny.days -> sunny.days2 -> sunny.dayz -> sunny_days_us');
    // Timestamps: ISO 8601 with an explicit offset.
    expect((parsed.remakes[1] as unknown as { last_remade_at: string }).last_remade_at).toBe('2026-01-20T10:00:00.000+00:00');
  });

  it('--at prints bundles_as_of: the workspace as the mirror knew it then', async () => {
    const { stdout } = await cli(['report', '--at', '2026-01-16', '--json'], { DATABASE_URL: database.url });
    const parsed = JSON.parse(stdout) as { bundles_as_of: { bundle_id: string; username: string; remade_count: number; dated_at: string }[] };
    expect(parsed.bundles_as_of.map((r) => [r.bundle_id, r.username, r.remade_count, r.dated_at])).toEqual([
      ['bnd_us_001', 'sunny.dayz', 2, '2026-01-15T10:00:00.000+00:00'],
      ['bnd_us_002', 'quiet.river', 0, '2026-01-08T10:00:00.000+00:00'],
    ]);
  });
});
