import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UnrecoverableError, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { insertInboxEvents } from '../../src/db/inbox-insert.js';
import { bundleAccounts, bundles } from '../../src/db/schema.js';
import { JOB, PRIORITY, SYNC_QUEUE_NAME, type SyncBundleData } from '../../src/queue/jobs.js';
import { createRedis } from '../../src/queue/redis.js';
import { createSyncQueue, enqueueBundleSyncs, type SyncQueue } from '../../src/queue/sync-queue.js';
import { enqueueReplay, planEventReplay, planFailedRetry, retryFailedSyncJobs } from '../../src/worker/replay.js';
import { createTestDatabase, type TestDatabase } from '../support/postgres.js';
import { TEST_REDIS_URL, deleteRedisPrefix, uniquePrefix } from '../support/redis.js';

const BIN = fileURLToPath(new URL('../../bin/tokportal-sync.js', import.meta.url));

let database: TestDatabase;
let prefix: string;
let producer: Redis;
let queue: SyncQueue;

const event = (eventId: string, type: string, receivedAt: string, ids: { bundleId?: string; accountId?: string; savedAccountId?: string }, status = 'processed') => ({
  eventId,
  type,
  bundleId: ids.bundleId ?? null,
  accountId: ids.accountId ?? null,
  savedAccountId: ids.savedAccountId ?? null,
  payload: { id: eventId, type, data: {} },
  status,
  receivedAt: new Date(receivedAt),
});

async function waitingSyncJobs(): Promise<Job<SyncBundleData>[]> {
  const jobs = (await queue.getJobs(['prioritized', 'waiting'])) as Job<SyncBundleData>[];
  return jobs.filter((job) => job.name === JOB.syncBundle).sort((a, b) => a.data.bundleId.localeCompare(b.data.bundleId));
}

beforeAll(async () => {
  database = await createTestDatabase('replay');
  prefix = uniquePrefix('replay');
  producer = createRedis(TEST_REDIS_URL, 'producer');
  queue = createSyncQueue(producer, prefix);
  const { db } = database;
  await db.insert(bundles).values({
    bundleId: 'bnd_known',
    status: 'published',
    raw: {},
    contentHash: 'h',
    apiUpdatedAt: new Date(),
    savedAccountId: 'acc_saved_2',
  });
  await db.insert(bundleAccounts).values({
    bundleId: 'bnd_known',
    incarnation: 1,
    savedAccountId: 'acc_saved_1',
    username: 'old_handle',
    firstSeenAt: new Date(),
    lastSeenAt: new Date(),
    replacedAt: new Date(),
  });
  await insertInboxEvents(db, [
    event('evt_1', 'account.in_review', '2026-03-01T09:00:00Z', { bundleId: 'bnd_a' }),
    event('evt_2', 'account.finalized', '2026-03-01T11:00:00Z', { bundleId: 'bnd_a' }),
    event('evt_3', 'account.remade', '2026-03-01T11:30:00Z', { bundleId: 'bnd_b' }, 'received'),
    event('evt_4', 'video.published', '2026-03-01T12:00:00Z', { bundleId: 'bnd_c' }),
    // An account event without a bundle id, for an account the mirror knows from history.
    event('evt_5', 'account.banned', '2026-03-01T12:30:00Z', { savedAccountId: 'acc_saved_1' }),
    event('evt_6', 'credits.restored', '2026-03-01T13:00:00Z', {}, 'not_applicable'),
    event('evt_7', 'account.finalized', '2026-03-01T13:30:00Z', { bundleId: 'bnd_rejected' }, 'rejected'),
  ]);
});

afterAll(async () => {
  await queue?.close();
  producer?.disconnect();
  await database?.drop();
  if (prefix) await deleteRedisPrefix(prefix);
});

describe('replay', () => {
  it('plans one sync per bundle behind the matching events, tracing account events to their bundle', async () => {
    const all = await planEventReplay(database.db, {});
    expect(all.events).toBe(6);
    expect(all.withoutBundle).toBe(1);
    expect(all.bundles).toEqual([
      { bundleId: 'bnd_a', events: 2, latestEventId: 'evt_2' },
      { bundleId: 'bnd_b', events: 1, latestEventId: 'evt_3' },
      { bundleId: 'bnd_c', events: 1, latestEventId: 'evt_4' },
      { bundleId: 'bnd_known', events: 1, latestEventId: 'evt_5' },
    ]);

    const recent = await planEventReplay(database.db, { since: new Date('2026-03-01T11:15:00Z') });
    expect(recent.bundles.map((target) => target.bundleId)).toEqual(['bnd_b', 'bnd_c', 'bnd_known']);
    const finalized = await planEventReplay(database.db, { type: 'account.finalized' });
    expect(finalized).toEqual({ events: 1, withoutBundle: 0, bundles: [{ bundleId: 'bnd_a', events: 1, latestEventId: 'evt_2' }] });
  });

  it('enqueues one replay-priority job per bundle, coalesced with what is already waiting', async () => {
    const plan = await planEventReplay(database.db, {});
    await enqueueReplay(queue, plan.bundles);
    await enqueueReplay(queue, plan.bundles);
    const jobs = await waitingSyncJobs();
    expect(jobs.map((job) => [job.data.bundleId, job.data.reason, job.data.sourceRef, job.opts.priority])).toEqual([
      ['bnd_a', 'replay', 'evt_2', PRIORITY.replay],
      ['bnd_b', 'replay', 'evt_3', PRIORITY.replay],
      ['bnd_c', 'replay', 'evt_4', PRIORITY.replay],
      ['bnd_known', 'replay', 'evt_5', PRIORITY.replay],
    ]);
  });

  it('gives each failed bundle one fresh job and clears the failed ones', async () => {
    // Drain what the previous test queued, failing bnd_a twice over (two jobs) and bnd_c once.
    await queue.obliterate({ force: true });
    await enqueueBundleSyncs(queue, [{ bundleId: 'bnd_a', reason: 'webhook', sourceRef: 'evt_2' }, { bundleId: 'bnd_c', reason: 'backfill', sourceRef: 'run_1' }]);
    await queue.add(JOB.syncBundle, { bundleId: 'bnd_a', reason: 'manual' } satisfies SyncBundleData, { priority: 1 });
    await queue.add(JOB.listPage, { runId: 'run_1', page: 3 }, { priority: PRIORITY.listPage });
    const workerConnection = createRedis(TEST_REDIS_URL, 'worker');
    const worker = new Worker(
      SYNC_QUEUE_NAME,
      async () => {
        throw new UnrecoverableError('HTTP 400 VALIDATION_ERROR');
      },
      { connection: workerConnection, prefix, concurrency: 4 },
    );
    try {
      await expect.poll(() => queue.getFailedCount(), { timeout: 10_000 }).toBe(4);
    } finally {
      await worker.close();
      workerConnection.disconnect();
    }

    const plan = await planFailedRetry(queue);
    expect(plan).toMatchObject({ bundleIds: ['bnd_a', 'bnd_c'], listPageJobs: 1, otherJobs: 0 });
    expect(plan.syncJobs).toHaveLength(3);
    expect((await planFailedRetry(queue, new Date(Date.now() + 60_000))).syncJobs).toHaveLength(0);

    expect(await retryFailedSyncJobs(queue, plan)).toBe(3);
    expect(await queue.getFailedCount()).toBe(1);
    const jobs = await waitingSyncJobs();
    expect(jobs.map((job) => [job.data.bundleId, job.data.reason, job.opts.priority])).toEqual([
      ['bnd_a', 'replay', PRIORITY.replay],
      ['bnd_c', 'replay', PRIORITY.replay],
    ]);
  });

  it('runs as a command: a dry run counts without enqueuing, a real one enqueues and prints the counts', async () => {
    await queue.obliterate({ force: true });
    const cli = (args: string[]) =>
      new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
        execFile(
          process.execPath,
          [BIN, 'replay', ...args],
          { env: { ...process.env, DATABASE_URL: database.url, REDIS_URL: TEST_REDIS_URL, QUEUE_PREFIX: prefix, LOG_LEVEL: 'silent' }, timeout: 30_000 },
          (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
        );
      });
    const dry = await cli(['--since', '2026-03-01T11:15:00Z', '--dry-run']);
    expect(dry).toMatchObject({ code: 0, stdout: 'events: 4 matching, would enqueue 3 bundle syncs (1 events name no bundle: skipped)\n' });
    expect(await waitingSyncJobs()).toEqual([]);

    const real = await cli(['--type', 'account.finalized', '--failed']);
    expect(real.code).toBe(0);
    expect(real.stdout).toBe('events: 1 matching, enqueued 1 bundle syncs\nfailed jobs: 0 sync jobs for 0 bundles, enqueued 0 fresh syncs, 0 failed jobs cleared\n');
    expect((await waitingSyncJobs()).map((job) => job.data.bundleId)).toEqual(['bnd_a']);
  });
});
