// Read-only commands never write: `report` (and `changes`) open an existing mirror without
// migrating, creating a schema or a folder (src/app/read-mirror.ts), work under a role that may
// only read, and stop with one line and exit 2 where there is no mirror.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import postgres from 'postgres';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openMirrorReadOnly } from '../../../src/app/read-mirror.js';
import { buildReports } from '../../../src/cli/report/run.js';
import { openDatabase } from '../../../src/db/connection.js';
import { acquirePgliteLock } from '../../../src/db/pglite-lock.js';
import { REPORT_NAMES } from '../../../src/db/report-views.js';
import { applyScriptedHistory } from '../../support/history.js';
import { ADMIN_URL, createTestDatabase, databaseUrl, dropDatabase, type TestDatabase } from '../../support/postgres.js';

const run = promisify(execFile);
const BIN = join(import.meta.dirname, '../../../bin/tokportal-sync.js');

/** The binary with a clean environment; resolves with the exit code instead of throwing. */
async function cli(args: string[], env: Record<string, string>) {
  try {
    const { stdout, stderr } = await run(process.execPath, [BIN, ...args], {
      env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'warn', ...env },
      timeout: 60_000,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

const suffix = randomBytes(4).toString('hex');
const role = `tps_reader_${suffix}`;
const emptyName = `tps_empty_${suffix}`;
let mirror: TestDatabase;
let admin: postgres.Sql;

beforeAll(async () => {
  mirror = await createTestDatabase('readonly');
  await applyScriptedHistory(mirror.db);
  admin = postgres(ADMIN_URL, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database "${emptyName}"`);
  await admin.unsafe(`create role "${role}" login`);
  // What a DBA grants an analyst: read the schema, nothing else.
  const owner = postgres(mirror.url, { max: 1, onnotice: () => {} });
  await owner.unsafe(`grant usage on schema tokportal to "${role}"; grant select on all tables in schema tokportal to "${role}"`);
  await owner.end({ timeout: 5 });
});

afterAll(async () => {
  await mirror?.drop();
  await dropDatabase(emptyName);
  await admin?.unsafe(`drop role if exists "${role}"`).catch(() => undefined);
  await admin?.end({ timeout: 5 });
});

const asReader = () => {
  const url = new URL(mirror.url);
  url.username = role;
  return url.toString();
};

describe('a read-only role (USAGE + SELECT on tokportal)', () => {
  it('reads every view, bundles_as_of included, in-process', async () => {
    const handle = await openMirrorReadOnly({ databaseUrl: asReader(), pgliteDir: '' }, 'test');
    try {
      for (const view of REPORT_NAMES) {
        const [result] = await buildReports(handle.db, { view, limit: 5, at: new Date('2026-02-06T00:00:00Z') });
        expect({ view, columns: result!.columns.length > 0 }).toEqual({ view, columns: true });
      }
      const [timeline] = await buildReports(handle.db, { view: 'account_timeline', limit: 100 });
      expect(timeline!.rows).toHaveLength(11);
    } finally {
      await handle.close();
    }
  });

  it('runs `report` through the binary, and its session cannot write', async () => {
    const { code, stdout, stderr } = await cli(['report'], { DATABASE_URL: asReader() });
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    expect(stdout).toContain('[delivery_times]');
    expect(stdout).toMatch(/campaign-12\s+3\s+1\s+2\s+0\s+3\s+6\s+150/);
    // The owner's session is read-only too when opened for reading: nothing is written by mistake.
    const handle = await openMirrorReadOnly({ databaseUrl: mirror.url, pgliteDir: '' }, 'test');
    try {
      await expect(handle.db.execute(sql`delete from tokportal.webhook_events`)).rejects.toMatchObject({
        cause: { message: expect.stringMatching(/read-only transaction/) },
      });
    } finally {
      await handle.close();
    }
  });
});

describe('no mirror to read', () => {
  it('an empty database: one line, exit 2, and pg_namespace unchanged', async () => {
    const url = databaseUrl(emptyName);
    const schemas = async () => {
      const client = postgres(url, { max: 1, onnotice: () => {} });
      try {
        return (await client<{ nspname: string }[]>`select nspname from pg_namespace order by nspname`).map((r) => r.nspname);
      } finally {
        await client.end({ timeout: 5 });
      }
    };
    const before = await schemas();
    for (const args of [['report'], ['report', '--view', 'remakes', '--json'], ['changes']]) {
      const { code, stdout, stderr } = await cli(args, { DATABASE_URL: url });
      expect({ args, code, stdout, stderr }).toEqual({
        args,
        code: 2,
        stdout: '',
        stderr: `tokportal-sync: no tokportal mirror in PostgreSQL 127.0.0.1:5432/${emptyName}: run migrate or start first\n`,
      });
    }
    expect(await schemas()).toEqual(before);
    expect(before).not.toContain('tokportal_migrations');
  });

  it('a mistyped PGLITE_DIR: one line, exit 2, no folder created', async () => {
    const parent = mkdtempSync(join(tmpdir(), 'tps-readonly-'));
    try {
      const dir = join(parent, 'pglite-typo');
      const { code, stderr } = await cli(['report'], { PGLITE_DIR: dir });
      expect({ code, stderr }).toEqual({ code: 2, stderr: `tokportal-sync: no tokportal mirror in embedded PGlite in ${dir}: run migrate or start first\n` });
      expect(existsSync(dir)).toBe(false);
    } finally {
      rmSync(parent, { recursive: true, force: true });
    }
  });

  it('an embedded folder another process holds without serving it: one line naming the process', async () => {
    const parent = mkdtempSync(join(tmpdir(), 'tps-held-'));
    try {
      const handle = await openDatabase({ databaseUrl: undefined, pgliteDir: parent });
      await handle.migrate();
      await handle.close();
      // A live process that is not us holds it (our parent: the test runner's).
      const lock = acquirePgliteLock(parent, 'tokportal-sync start');
      const path = join(parent, 'tokportal-sync.lock');
      const { writeFileSync, readFileSync } = await import('node:fs');
      writeFileSync(path, readFileSync(path, 'utf8').replace(`"pid":${process.pid}`, `"pid":${process.ppid}`));
      const { code, stderr } = await cli(['report'], { PGLITE_DIR: parent });
      expect(code).toBe(1);
      expect(stderr).toMatch(new RegExp(`^tokportal-sync: the embedded database in ${parent} is open in process ${process.ppid} \\(tokportal-sync start, since .+\\), not on a port: set PGLITE_PORT .+\\n$`));
      lock.release();
    } finally {
      rmSync(parent, { recursive: true, force: true });
    }
  }, 120_000); // booting and migrating PGlite takes tens of seconds on a loaded machine
});
