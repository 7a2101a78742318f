// `migrate` and `report`, in-process and through the real binary.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { Command } from 'commander';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerReportCommand } from '../../../src/cli/report/command.js';
import { describeDatabase, formatMigrateOutcome, runMigrate } from '../../../src/cli/migrate/run.js';
import { buildReports } from '../../../src/cli/report/run.js';
import { formatReports } from '../../../src/format/reports.js';
import { loadConfig } from '../../../src/config.js';
import { shippedMigrations } from '../../../src/db/migrations.js';
import { DEFAULT_REPORTS } from '../../../src/db/report-views.js';
import { ADMIN_URL, createTestDatabase, databaseUrl, dropDatabase, type TestDatabase } from '../../support/postgres.js';
import { applyScriptedHistory } from '../../support/history.js';

const run = promisify(execFile);
const BIN = join(import.meta.dirname, '../../../bin/tokportal-sync.js');
const shipped = shippedMigrations().map((m) => m.tag);

/** The binary with a clean environment: only what the test sets (and PATH for node). */
function cli(args: string[], env: Record<string, string>) {
  return run(process.execPath, [BIN, ...args], { env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'warn', ...env }, timeout: 60_000 });
}

describe('migrate', () => {
  const emptyName = `tps_migrate_${randomBytes(5).toString('hex')}`;
  beforeAll(async () => {
    const admin = postgres(ADMIN_URL, { max: 1, onnotice: () => {} });
    await admin.unsafe(`create database "${emptyName}"`).finally(() => admin.end({ timeout: 5 }));
  });
  afterAll(async () => {
    await dropDatabase(emptyName);
  });

  it('names the database without credentials', () => {
    expect(describeDatabase({ databaseUrl: 'postgres://app:hunter2@db.internal:6543/mirror?sslmode=require', pgliteDir: '' })).toBe(
      'PostgreSQL db.internal:6543/mirror',
    );
    expect(describeDatabase({ databaseUrl: undefined, pgliteDir: './.data/pglite' })).toBe('embedded PGlite in ./.data/pglite');
  });

  it('applies every migration once through the binary, then has nothing to do', async () => {
    const url = new URL(databaseUrl(emptyName));
    url.username = 'postgres';
    url.password = 'hunter2'; // trust auth ignores it; it must never be printed
    const first = await cli(['migrate'], { DATABASE_URL: url.toString() });
    expect(first.stdout).toContain(`Database: PostgreSQL ${url.hostname}:${url.port || '5432'}/${emptyName}`);
    expect(first.stdout).toContain(`Applied ${shipped.length} migrations:`);
    for (const tag of shipped) expect(first.stdout).toContain(tag);
    expect(first.stdout + first.stderr).not.toContain('hunter2');
    const second = await runMigrate(loadConfig({ DATABASE_URL: url.toString() }));
    expect(second.applied).toEqual([]);
    expect(formatMigrateOutcome(second)).toContain(`Already up to date (${shipped.length} migrations applied).`);
  });

  it('migrates an embedded PGlite', async () => {
    const outcome = await runMigrate(loadConfig({ PGLITE_DIR: 'memory://' }));
    expect(outcome).toEqual({ database: 'embedded PGlite in memory://', applied: shipped, total: shipped.length });
  });

  it('fails with one line naming the database, not the URL, when Postgres refuses', async () => {
    const refused = 'postgres://app:hunter2@127.0.0.1:1/nowhere';
    await expect(runMigrate(loadConfig({ DATABASE_URL: refused }))).rejects.toThrow(/^Migrating PostgreSQL 127\.0\.0\.1:1\/nowhere failed: /);
    await runMigrate(loadConfig({ DATABASE_URL: refused })).catch((error: Error) => expect(error.message).not.toContain('hunter2'));
  });
});

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
  });

  it('rejects an unknown view or a bad limit before touching the database', async () => {
    const program = () => {
      const root = new Command().exitOverride().configureOutput({ writeErr: () => {}, writeOut: () => {} });
      registerReportCommand(root);
      root.commands.forEach((command) => command.exitOverride().configureOutput({ writeErr: () => {} }));
      return root;
    };
    await expect(program().parseAsync(['node', 'x', 'report', '--view', 'nonsense'])).rejects.toThrow(/Allowed choices are pipeline, campaign_summary/);
    await expect(program().parseAsync(['node', 'x', 'report', '--limit', '0'])).rejects.toThrow(/expected a positive whole number/);
  });
});
