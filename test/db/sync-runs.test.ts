import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import {
  addRunStats,
  countVanished,
  deleteRunListings,
  passFigures,
  startNextPass,
  createRun,
  findResumableRun,
  finishRun,
  getRun,
  recordPage,
  reopenRun,
  startReconcileRun,
} from '../../src/db/sync-runs.js';
import { createTestDatabase, type TestDatabase } from '../support/postgres.js';

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase('syncruns');
});
afterAll(async () => {
  await database?.drop();
});

describe('sync runs', () => {
  it('resumes only a run with the same params, whatever the key order or unset filters', async () => {
    const { db } = database;
    const run = await createRun(db, 'backfill', { filters: { status: 'published', platform: 'tiktok' }, details: 'auto' });
    expect(run.status).toBe('running');
    expect(run.nextPage).toBe(1);
    expect(run.stats.pages).toBe(0);

    const same = await findResumableRun(db, 'backfill', {
      filters: { platform: 'tiktok', status: 'published', external_ref: undefined as unknown as string },
      details: 'auto',
    });
    expect(same?.id).toBe(run.id);
    expect(await findResumableRun(db, 'backfill', { filters: { status: 'published' }, details: 'auto' })).toBeNull();
    expect(await findResumableRun(db, 'backfill', { filters: { status: 'published', platform: 'tiktok' }, details: 'always' })).toBeNull();
    expect(await findResumableRun(db, 'reconcile', { filters: { status: 'published', platform: 'tiktok' }, details: 'auto' })).toBeNull();

    expect(await finishRun(db, run.id, 'interrupted')).toBe(true);
    expect((await findResumableRun(db, 'backfill', run.params))?.status).toBe('interrupted');
    expect((await reopenRun(db, run.id))?.status).toBe('running');
    expect(await finishRun(db, run.id, 'completed')).toBe(true);
    expect(await finishRun(db, run.id, 'failed')).toBe(false);
    expect(await findResumableRun(db, 'backfill', run.params)).toBeNull();
  });

  it('resumes only the latest run with those params: an older unfinished one was superseded', async () => {
    const { db } = database;
    const params = { filters: { platform: 'instagram' }, details: 'auto' as const };
    const older = await createRun(db, 'backfill', params, new Date('2026-03-01T10:00:00Z'));
    await finishRun(db, older.id, 'failed', 'HTTP 500');
    expect((await findResumableRun(db, 'backfill', params))?.id).toBe(older.id);
    const newer = await createRun(db, 'backfill', params, new Date('2026-03-01T11:00:00Z'));
    expect((await findResumableRun(db, 'backfill', params))?.id).toBe(newer.id);
    await finishRun(db, newer.id, 'completed');
    expect(await findResumableRun(db, 'backfill', params)).toBeNull();
  });

  it('counts a page once even when its job runs twice, and not after the run ended', async () => {
    const { db } = database;
    const run = await createRun(db, 'backfill', { filters: {}, details: 'never' });
    const first = await recordPage(db, run.id, { pass: 1, listedIds: [], page: 1, totalPages: 3, delta: { pages: 1, listed: 100, created: 100, apiCalls: 1 } });
    expect(first).toMatchObject({ nextPage: 2, totalPages: 3 });
    expect(first?.stats).toMatchObject({ pages: 1, listed: 100, created: 100, apiCalls: 1, changed: 0 });

    expect(await recordPage(db, run.id, { pass: 1, listedIds: [], page: 1, totalPages: 3, delta: { pages: 1, listed: 100 } })).toBeNull();
    await addRunStats(db, run.id, { errors: 1, apiCalls: 1 }, 'HTTP 503');
    const second = await recordPage(db, run.id, { pass: 1, listedIds: [], page: 2, totalPages: 3, delta: { pages: 1, listed: 100, unchanged: 100, apiCalls: 1 } });
    expect(second?.stats).toMatchObject({ pages: 2, listed: 200, created: 100, unchanged: 100, apiCalls: 3, errors: 1 });
    expect(second?.lastError).toBe('HTTP 503');

    // The page in flight when the run was interrupted still counts; nothing after it does.
    await finishRun(db, run.id, 'interrupted');
    expect(await recordPage(db, run.id, { pass: 1, listedIds: [], page: 3, totalPages: 4, delta: { pages: 1 } })).toMatchObject({ status: 'interrupted', nextPage: 4 });
    await reopenRun(db, run.id);
    await finishRun(db, run.id, 'failed', 'gave up');
    expect(await recordPage(db, run.id, { pass: 1, listedIds: [], page: 4, totalPages: 4, delta: { pages: 1 } })).toBeNull();
    expect(await getRun(db, run.id)).toMatchObject({ nextPage: 4, status: 'failed', lastError: 'gave up' });
  });

  it('records what each pass listed: repeats as duplicates, what the next pass lost as vanished, once per page', async () => {
    const { db } = database;
    const run = await createRun(db, 'backfill', { filters: { platform: 'tiktok' }, details: 'auto' });
    const page = (pass: number, number: number, listedIds: string[]) =>
      recordPage(db, run.id, { pass, page: number, totalPages: null, delta: { pages: 1 }, listedIds });
    await page(1, 1, ['a', 'b', 'c']);
    // The list shifted: c is listed again on page 2.
    expect((await page(1, 2, ['c', 'd']))?.stats.duplicatesListed).toBe(1);
    // A rerun of a counted page changes nothing.
    expect(await page(1, 2, ['c', 'd'])).toBeNull();
    expect(await passFigures(db, run.id, 1)).toEqual({ pass: 1, listed: 4, duplicates: 1 });

    expect(await startNextPass(db, run.id, 1, { passes: 1 })).toMatchObject({ pass: 2, nextPage: 1, totalPages: null });
    expect(await startNextPass(db, run.id, 1, { passes: 1 })).toBeNull();
    await page(2, 1, ['a', 'c', 'd', 'e']);
    expect(await countVanished(db, run.id, 1, 2)).toBe(1);
    expect(await passFigures(db, run.id, 2)).toEqual({ pass: 2, listed: 4, duplicates: 0 });

    await deleteRunListings(db, run.id);
    expect(await passFigures(db, run.id, 2)).toEqual({ pass: 2, listed: 0, duplicates: 0 });
  });

  it('lets one reconcile run at a time, even when many processes ask at once, and replaces a dead one', async () => {
    const { db } = database;
    const params = { filters: {}, details: 'auto' as const };
    const attempts = await Promise.all(Array.from({ length: 6 }, () => startReconcileRun(db, params, 60_000)));
    const started = attempts.filter((attempt) => attempt.started);
    expect(started).toHaveLength(1);
    const winner = started[0]!;
    if (!winner.started) throw new Error('unreachable');
    for (const attempt of attempts) if (!attempt.started) expect(attempt.running.id).toBe(winner.run.id);

    // Ten minutes without progress: the process that ran it is gone.
    const later = new Date(Date.now() + 10 * 60_000);
    const replacement = await startReconcileRun(db, params, 5 * 60_000, later);
    expect(replacement).toMatchObject({ started: true, replaced: winner.run.id });
    expect((await getRun(db, winner.run.id))?.status).toBe('failed');
    const [{ running }] = (await db.execute(
      sql`select count(*)::int as running from tokportal.sync_runs where kind = 'reconcile' and status = 'running'`,
    )) as unknown as [{ running: number }];
    expect(running).toBe(1);
  });
});
