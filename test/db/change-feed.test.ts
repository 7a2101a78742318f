// The change feed: cursors in commit order (a consumer reading `cursor > X` never skips a change
// committed late), NOTIFY with the cursor on commit, and `changes --follow` through the binary
// surviving dropped connections without gaps or repeats.
import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { followChanges, latestCursor, readChanges, type Change } from '../../src/db/change-feed.js';
import { applyBundleSnapshot } from '../../src/db/repository.js';
import { rowsOf } from '../../src/db/result-rows.js';
import { runCli, type CliProcess } from '../support/cli-process.js';
import { at, makeDetail } from '../support/bundles.js';
import { ADMIN_URL, createTestDatabase, type TestDatabase } from '../support/postgres.js';
import { waitFor } from '../support/wait.js';

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase('changefeed');
});
afterAll(async () => database?.drop());

const tag = randomBytes(3).toString('hex');
let counter = 0;
/** One committed change: a new bundle, or a new status of an existing one. */
async function applyChange(bundleId = `bnd_feed_${tag}_${++counter}`, minutes = counter): Promise<string> {
  await applyBundleSnapshot(
    database.db,
    { kind: 'detail', bundle: makeDetail({ id: bundleId, status: minutes % 2 ? 'published' : 'accepted', updated_at: at(minutes) }) },
    { source: 'webhook', sourceRef: `evt_${minutes}` },
  );
  return bundleId;
}

async function versionIds(): Promise<number[]> {
  return rowsOf(await database.db.execute(sql`select id from tokportal.bundle_versions order by id`)).map((r) => Number(r.id));
}

describe('cursor order is commit order', () => {
  it('a version inserted first but committed last gets the larger cursor, so `cursor > X` does not skip it', async () => {
    const bundleId = await applyChange();
    const early = postgres(database.url, { max: 1, onnotice: () => {} });
    const late = postgres(database.url, { max: 1, onnotice: () => {} });
    try {
      const version = (ref: string) =>
        `insert into tokportal.bundle_versions (bundle_id, source, source_ref, content_hash, raw)
         values ('${bundleId}', 'manual', '${ref}', 'h', '{}') returning id`;
      const before = await latestCursor(database.db);
      let releaseEarly!: () => void;
      const earlyHeld = new Promise<void>((resolve) => (releaseEarly = resolve));
      let earlyId = 0;
      const earlyTx = early.begin(async (tx) => {
        earlyId = Number((await tx.unsafe(version('early')))[0]!.id);
        await earlyHeld;
      });
      await waitFor(async () => earlyId > 0 || undefined);
      const [lateRow] = await late.begin((tx) => tx.unsafe(version('late')));
      expect(Number(lateRow!.id)).toBeGreaterThan(earlyId); // ids follow insert order...

      // A consumer reads now: it sees the late commit and moves its cursor past it.
      const seen = await readChanges(database.db, before);
      expect(seen.map((c) => c.sourceRef)).toEqual(['late']);
      releaseEarly();
      await earlyTx;
      // ...cursors follow commit order: the early insert, committed last, comes after.
      const next = await readChanges(database.db, seen.at(-1)!.cursor);
      expect(next.map((c) => [c.sourceRef, c.versionId])).toEqual([['early', earlyId]]);
    } finally {
      await early.end({ timeout: 5 });
      await late.end({ timeout: 5 });
    }
  });

  it('NOTIFY tokportal_changes carries the cursor of each committed change, on commit', async () => {
    const listener = postgres(database.url, { max: 1, onnotice: () => {} });
    const payloads: string[] = [];
    try {
      await listener.listen('tokportal_changes', (payload) => payloads.push(payload));
      const before = await latestCursor(database.db);
      await applyChange();
      await applyChange();
      await waitFor(async () => payloads.length >= 2 || undefined);
      expect(payloads).toEqual([String(before + 1), String(before + 2)]);
    } finally {
      await listener.end({ timeout: 5 });
    }
  });

  it('a follower sees every change of concurrent writers once, in cursor order', async () => {
    const start = await latestCursor(database.db);
    const seen: Change[] = [];
    const follower = await followChanges(database, { afterCursor: start, onChange: (change) => seen.push(change) });
    try {
      // Four writers at once, each committing 25 changes (new bundles and updates of one of its own).
      await Promise.all(
        [1, 2, 3, 4].map(async (writer) => {
          const own = `bnd_writer_${tag}_${writer}`;
          for (let i = 0; i < 25; i++) await applyChange(i % 3 === 0 ? own : undefined, 1_000 * writer + i);
        }),
      );
      await follower.caughtUp();
      const cursors = seen.map((c) => c.cursor);
      expect(cursors).toEqual([...cursors].sort((a, b) => a - b));
      expect(new Set(cursors).size).toBe(cursors.length);
      const committed = rowsOf(await database.db.execute(sql`select version_id from tokportal.changes where cursor > ${start} order by cursor`));
      expect(seen.map((c) => c.versionId)).toEqual(committed.map((r) => Number(r.version_id)));
      expect(seen.length).toBe(100);
    } finally {
      await follower.stop();
    }
  });

  it('every version has exactly one cursor', async () => {
    const [counts] = rowsOf(
      await database.db.execute(sql`select (select count(*) from tokportal.bundle_versions)::int as versions, (select count(*) from tokportal.changes)::int as changes`),
    );
    expect(counts!.changes).toBe(counts!.versions);
    expect((await versionIds()).length).toBe(counts!.versions);
  });
});

describe('tokportal-sync changes', () => {
  let follow: CliProcess | undefined;
  afterAll(() => {
    if (follow && follow.child.exitCode === null) follow.child.kill('SIGKILL');
  });

  const linesOf = (text: string) =>
    text
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as { cursor: number; bundle_id: string; recorded_at: string });

  it('prints the feed after --since in order, as JSON lines with ISO timestamps', async () => {
    const since = (await latestCursor(database.db)) - 3;
    const child = runCli(['changes', '--since', String(since), '--json'], { DATABASE_URL: database.url, LOG_LEVEL: 'warn' });
    const { code } = await child.exited;
    expect({ code, stderr: child.output().stderr }).toEqual({ code: 0, stderr: '' });
    const lines = linesOf(child.output().stdout);
    expect(lines.map((l) => l.cursor)).toEqual([since + 1, since + 2, since + 3]);
    expect(lines[0]!.recorded_at).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}\+00:00$/);
  });

  it('--follow keeps printing across killed connections, with no gap and no repeat', async () => {
    const since = await latestCursor(database.db);
    follow = runCli(['changes', '--follow', '--json', '--since', String(since)], { DATABASE_URL: database.url, LOG_LEVEL: 'warn' });
    const admin = postgres(ADMIN_URL, { max: 1, onnotice: () => {} });
    try {
      const printed = () => linesOf(follow!.output().stdout);
      const killConsumer = async () => {
        const killed = await admin`
          select pg_terminate_backend(pid) as done from pg_stat_activity
          where datname = ${database.name} and application_name = 'tokportal-sync changes'`;
        return killed.length;
      };
      // Wait until it listens (its connections show up), then write, kill, write while it reconnects, write.
      await waitFor(async () => ((await admin`select 1 from pg_stat_activity where datname = ${database.name} and application_name = 'tokportal-sync changes'`).length >= 1) || undefined, { timeoutMs: 20_000 });
      for (let i = 0; i < 10; i++) await applyChange();
      await waitFor(async () => printed().length >= 10 || undefined, { timeoutMs: 20_000 });
      expect(await killConsumer()).toBeGreaterThanOrEqual(1);
      for (let i = 0; i < 10; i++) await applyChange();
      expect(await killConsumer()).toBeGreaterThanOrEqual(0);
      for (let i = 0; i < 10; i++) await applyChange();
      const end = await latestCursor(database.db);
      await waitFor(async () => (printed().at(-1)?.cursor ?? 0) >= end || undefined, { timeoutMs: 30_000 });
      const cursors = printed().map((l) => l.cursor);
      const expected = rowsOf(await database.db.execute(sql`select cursor from tokportal.changes where cursor > ${since} order by cursor`)).map((r) => Number(r.cursor));
      expect(cursors).toEqual(expected);
      expect(expected).toHaveLength(30);
    } finally {
      await admin.end({ timeout: 5 });
    }
    follow.child.kill('SIGINT');
    const { code } = await follow.exited;
    expect(code).toBe(0);
  }, 90_000);
});
