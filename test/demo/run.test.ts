// `tokportal-sync demo` as a newcomer runs it, in a reduced form (12 seeded bundles), each run
// on its own test database and queue prefix. One run must end by itself with exit 0 and print
// the remade handles; one kept running is checked from outside: the mirror in Postgres against
// the fake's own answers over HTTP, then a live remake (reaching the mirror and printed), then Ctrl-C. A third run on a mirror
// that already holds bundles must refuse to write into it.
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleAccounts, bundles, type BundleRow } from '../../src/db/schema.js';
import { runDemo } from '../../src/demo/run.js';
import { runCli, type CliProcess } from '../support/cli-process.js';
import { createTestDatabase, type TestDatabase } from '../support/postgres.js';
import { TEST_REDIS_URL, deleteRedisPrefix, uniquePrefix } from '../support/redis.js';
import { waitFor } from '../support/wait.js';

const DEMO_ARGS = ['demo', '--bundles', '12', '--seed', 'demo-test', '--quiet'];
const EXPECTED_BUNDLES = 12 + 3; // seeded + the campaign's

let plainDb: TestDatabase;
let liveDb: TestDatabase;
const prefixes = [uniquePrefix('demo'), uniquePrefix('demolive'), uniquePrefix('demorefuse')] as const;
let plain: CliProcess;
let live: CliProcess;

beforeAll(async () => {
  [plainDb, liveDb] = await Promise.all([createTestDatabase('demo'), createTestDatabase('demolive')]);
  // Both at once: each spends most of its time waiting on the other's CPU anyway.
  plain = runCli([...DEMO_ARGS, '--queue-prefix', prefixes[0]], { DATABASE_URL: plainDb.url, REDIS_URL: TEST_REDIS_URL });
  live = runCli([...DEMO_ARGS, '--queue-prefix', prefixes[1], '--keep-running'], {
    DATABASE_URL: liveDb.url,
    REDIS_URL: TEST_REDIS_URL,
  });
}, 30_000);

afterAll(async () => {
  for (const child of [plain, live]) if (child && child.child.exitCode === null) child.child.kill('SIGKILL');
  await Promise.all([plainDb?.drop(), liveDb?.drop(), ...prefixes.map((prefix) => deleteRedisPrefix(prefix))]);
});

async function handlesOf(db: TestDatabase, bundleId: string): Promise<string[]> {
  const rows = await db.db
    .select({ username: bundleAccounts.username })
    .from(bundleAccounts)
    .where(eq(bundleAccounts.bundleId, bundleId))
    .orderBy(bundleAccounts.incarnation);
  return rows.map((row) => row.username).filter((name): name is string => name !== null);
}

type Detail = {
  status: string;
  account_status: string | null;
  external_ref: string | null;
  updated_at: string;
  account: { username: string | null } | null;
  remade: { remade_count: number };
};

const apiFields = (api: Detail) => ({
  status: api.status,
  accountStatus: api.account_status,
  externalRef: api.external_ref,
  username: api.account?.username ?? null,
  remadeCount: api.remade.remade_count,
  updatedAt: new Date(api.updated_at).toISOString(),
});

const mirrorFields = (row: BundleRow) => ({
  status: row.status,
  accountStatus: row.accountStatus,
  externalRef: row.externalRef,
  username: row.username,
  remadeCount: row.remadeCount,
  updatedAt: row.apiUpdatedAt.toISOString(),
});

async function getJson<T>(url: string): Promise<T> {
  const response = await fetch(url);
  expect(response.status).toBe(200);
  return ((await response.json()) as { data: T }).data;
}

describe('tokportal-sync demo', () => {
  it('ends by itself with exit 0, prints the report with the remade handles and a passing verification', async () => {
    const { code } = await plain.exited;
    const { stdout, stderr } = plain.output();
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    expect(stdout).toMatch(/^Verification OK: mirror = TokPortal for 15\/15 bundles/m);
    for (const table of ['current_bundles', 'account_timeline', 'remakes', 'pipeline']) expect(stdout).toContain(`[${table}]`);

    const [remade] = await plainDb.db.select().from(bundles).where(eq(bundles.externalRef, 'demo-spring-001'));
    expect(remade?.remadeCount).toBe(2);
    const handles = await handlesOf(plainDb, remade!.bundleId);
    expect(handles).toHaveLength(3);
    expect(stdout).toContain(handles.join(' -> '));
    for (const handle of handles) expect(stdout).toMatch(new RegExp(`${remade!.bundleId}.*\\b${handle.replace(/\./g, '\\.')}\\b`));
    // The external_ref rename reached the mirror through the reconcile (TokPortal sends no webhook for it).
    expect(await plainDb.db.select().from(bundles).where(eq(bundles.externalRef, 'demo-summer-001'))).toHaveLength(1);
    expect(stdout).toContain(`psql '${plainDb.url}'`);
  }, 120_000);

  it('with --keep-running: the mirror equals the fake, a live remake reaches it, Ctrl-C ends with exit 0', async () => {
    await live.waitForOutput(/Still running/, 120_000);
    const { stdout } = live.output();
    expect(stdout).toMatch(/^Verification OK/m);
    const origin = /fake TokPortal\s+(http:\/\/127\.0\.0\.1:\d+)\/api\/ext/.exec(stdout)?.[1];
    expect(origin).toBeDefined();

    const ids = await getJson<string[]>(`${origin}/_fake/bundles`);
    expect(ids).toHaveLength(EXPECTED_BUNDLES);
    const rows = new Map((await liveDb.db.select().from(bundles)).map((row) => [row.bundleId, row]));
    expect([...rows.keys()].sort()).toEqual([...ids].sort());
    for (const id of ids) {
      const row = rows.get(id)!;
      expect({ id, ...mirrorFields(row) }).toEqual({ id, ...apiFields(await getJson<Detail>(`${origin}/_fake/bundles/${id}`)) });
      // Every handle from the mirror's first look on, in order (older ones no answer ever showed).
      const { handles } = await getJson<{ handles: string[] }>(`${origin}/_fake/bundles/${id}/handles`);
      const timeline = await handlesOf(liveDb, id);
      expect(handles.slice(handles.length - timeline.length)).toEqual(timeline);
      if (row.externalRef?.startsWith('demo-')) expect(timeline).toEqual(handles);
    }

    // Still live: a remake at TokPortal now reaches the mirror through webhook, receiver and worker.
    const [target] = await liveDb.db.select().from(bundles).where(eq(bundles.externalRef, 'demo-spring-002'));
    const remake = await fetch(`${origin}/_fake/bundles/${target!.bundleId}/remake`, { method: 'POST' });
    expect(remake.status).toBe(200);
    const { handles } = await getJson<{ handles: string[] }>(`${origin}/_fake/bundles/${target!.bundleId}/handles`);
    await waitFor(async () => JSON.stringify(await handlesOf(liveDb, target!.bundleId)) === JSON.stringify(handles), {
      timeoutMs: 20_000,
      what: 'the live remake in the mirror',
    });
    // ...and the demo prints it: with PGlite that is the only window on a running demo.
    const newHandle = handles[handles.length - 1]!.replace(/\./g, '\\.');
    await live.waitForOutput(new RegExp(`\\[mirror\\] #\\d+ ${target!.bundleId} \\(demo-spring-002\\) via webhook: .*@${newHandle}, remade 1x`), 10_000);

    live.child.kill('SIGINT');
    expect((await live.exited).code).toBe(0);
  }, 120_000);

  it('refuses to write into a mirror that already holds bundles, naming the way out', async () => {
    await plain.exited;
    const lines: string[] = [];
    await expect(
      runDemo(
        { bundles: 2, seed: 'refuse', queuePrefix: prefixes[2], databaseUrl: plainDb.url, keepRunning: false, quiet: true },
        (line) => lines.push(line),
      ),
    ).rejects.toThrow(/already holds 15 bundles; the demo needs an empty mirror: point --database-url at a new database/);
    expect(lines).toEqual([]);
    expect(await plainDb.db.select().from(bundles)).toHaveLength(EXPECTED_BUNDLES);
  }, 60_000);
});
