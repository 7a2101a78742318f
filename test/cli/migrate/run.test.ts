// `tokportal-sync migrate`, in-process and through the real binary.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeDatabase, formatMigrateOutcome, runMigrate } from '../../../src/cli/migrate/run.js';
import { loadConfig } from '../../../src/config.js';
import { shippedMigrations } from '../../../src/db/migrations.js';
import { ADMIN_URL, databaseUrl, dropDatabase } from '../../support/postgres.js';

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
