// The embedded PGlite served on a local port: psql reaches it (and the demo's, while it runs),
// `report` reads a held folder through the port by itself, a client's transaction never mixes
// with the sync's, and a second process opening the folder directly gets one clear line.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveEmbeddedDatabase } from '../../src/app/serve-embedded.js';
import { createRuntime, type Runtime } from '../../src/app/runtime.js';
import { loadConfig } from '../../src/config.js';
import { rowsOf } from '../../src/db/result-rows.js';
import { latestCursor } from '../../src/db/change-feed.js';
import { createLogger } from '../../src/lib/logger.js';
import { runCli, type CliProcess } from '../support/cli-process.js';
import { applyScriptedHistory } from '../support/history.js';
import { TEST_REDIS_URL, deleteRedisPrefix, uniquePrefix } from '../support/redis.js';

const exec = promisify(execFile);
const PSQL = process.env.PSQL ?? 'psql';
const BIN = join(import.meta.dirname, '../../bin/tokportal-sync.js');
/** This branch's port range (44000-44999), away from a developer's 5433. */
const freePort = () => 44_000 + Math.floor(Math.random() * 900);

/** Each query is its own -c: one session, one message each (a transaction can span them). */
async function psql(url: string, ...queries: string[]): Promise<string> {
  const { stdout } = await exec(PSQL, ['-X', '-A', '-t', '-v', 'ON_ERROR_STOP=1', url, ...queries.flatMap((query) => ['-c', query])], {
    env: { ...process.env, PGSSLMODE: 'disable', PGCONNECT_TIMEOUT: '5' },
    timeout: 20_000,
  });
  return stdout.trim();
}

async function cli(args: string[], env: Record<string, string>) {
  try {
    const { stdout, stderr } = await exec(process.execPath, [BIN, ...args], { env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'warn', ...env }, timeout: 60_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

describe('an embedded database served on PGLITE_PORT', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tps-served-'));
  let runtime: Runtime;
  let url: string;

  beforeAll(async () => {
    const config = { ...loadConfig({ PGLITE_DIR: dir, LOG_LEVEL: 'silent' }), pglitePort: freePort() };
    runtime = await createRuntime({ config, allowPglite: true, logger: createLogger({ level: 'silent' }) });
    await applyScriptedHistory(runtime.db);
    const served = await serveEmbeddedDatabase(runtime);
    expect(served).not.toBeNull();
    url = served!.url;
    expect(served!.psql).toBe(`psql ${url}`);
  });
  afterAll(async () => {
    await runtime?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers psql with the live mirror', async () => {
    expect(await psql(url, "select string_agg(username, ' -> ' order by incarnation) from tokportal.account_timeline where bundle_id = 'bnd_us_001'")).toBe(
      'sunny.days -> sunny.days2 -> sunny.dayz -> sunny_days_us',
    );
    // A write by the sync is visible to the next psql query at once.
    await runtime.db.execute(sql`update tokportal.bundles set title = 'live edit' where bundle_id = 'bnd_us_002'`);
    expect(await psql(url, "select title from tokportal.bundles where bundle_id = 'bnd_us_002'")).toBe('live edit');
  });

  it('keeps a client transaction and the sync apart', async () => {
    // psql opens a transaction across several messages; the sync's write waits for its end, and
    // psql's transaction never sees (or carries) it.
    const client = psql(
      url,
      'begin',
      'select pg_sleep(2)',
      "select count(*) from tokportal.webhook_events where event_id = 'evt_served'",
      'commit',
    );
    // (PGlite runs pg_sleep on this thread: the insert is issued once psql is past it, mid-transaction.)
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    await runtime.db.execute(sql`insert into tokportal.webhook_events (event_id, type) values ('evt_served', 'webhook.test')`);
    expect((await client).split('\n').filter((line) => /^\d+$/.test(line))).toEqual(['0']);
    expect(await psql(url, "select count(*) from tokportal.webhook_events where event_id = 'evt_served'")).toBe('1');
  });

  it('`report` on the held folder reads through the port by itself', async () => {
    const { code, stdout, stderr } = await cli(['report', '--view', 'remakes', '--json'], { PGLITE_DIR: dir });
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    expect((JSON.parse(stdout) as { remakes: { bundle_id: string }[] }).remakes.map((r) => r.bundle_id)).toEqual(['bnd_gb_003', 'bnd_us_001', 'bnd_us_007']);
  });

  it('`changes --follow` on the held folder prints what the sync commits', async () => {
    const since = await latestCursor(runtime.db);
    const follow = runCli(['changes', '--follow', '--json', '--since', String(since)], { PGLITE_DIR: dir, LOG_LEVEL: 'warn' });
    try {
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      await runtime.db.execute(sql`insert into tokportal.bundle_versions (bundle_id, source, source_ref, content_hash, raw) values ('bnd_us_002', 'manual', 'served-feed', 'h', '{}')`);
      await follow.waitForOutput(/"source_ref":"served-feed"/, 15_000);
    } finally {
      follow.child.kill('SIGINT');
      await follow.exited;
    }
  });

  it('a second process opening the folder directly gets one line naming the holder', async () => {
    const { code, stdout, stderr } = await cli(['migrate'], { PGLITE_DIR: dir });
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toMatch(new RegExp(`^tokportal-sync: Migrating embedded PGlite in ${dir} failed: the embedded database in ${dir} is open in process ${process.pid} \\(.+\\); it serves it on 127\\.0\\.0\\.1:\\d+\\n$`));
    const rows = rowsOf(await runtime.db.execute(sql`select count(*)::int as n from tokportal.bundles`));
    expect(rows[0]!.n).toBe(8);
  });
});

describe('demo --keep-running on the embedded database', () => {
  const cwd = mkdtempSync(join(tmpdir(), 'tps-demo-served-'));
  const prefix = uniquePrefix('demoserved');
  const port = freePort();
  let demo: CliProcess;

  beforeAll(() => {
    demo = runCli(['demo', '--bundles', '8', '--seed', 'served', '--quiet', '--keep-running', '--queue-prefix', prefix], {
      REDIS_URL: TEST_REDIS_URL,
      PGLITE_PORT: String(port),
      LOG_LEVEL: 'warn',
    }, { cwd });
  });
  afterAll(async () => {
    if (demo && demo.child.exitCode === null) demo.child.kill('SIGKILL');
    await deleteRedisPrefix(prefix);
    rmSync(cwd, { recursive: true, force: true });
  });

  it('prints a ready psql command that reaches the live mirror, until Ctrl-C', async () => {
    await demo.waitForOutput(/Still running/, 120_000);
    const command = new RegExp(`query it\\s+psql (postgres://postgres@127\\.0\\.0\\.1:${port}/postgres)`).exec(demo.output().stdout);
    expect(command).not.toBeNull();
    expect(Number(await psql(command![1]!, 'select count(*) from tokportal.bundles'))).toBe(8 + 3);
    expect(await psql(command![1]!, "select count(*) > 0 from tokportal.change_feed")).toBe('t');
    demo.child.kill('SIGINT');
    expect((await demo.exited).code).toBe(0);
    await expect(psql(command![1]!, 'select 1')).rejects.toThrow();
  }, 150_000);
});
