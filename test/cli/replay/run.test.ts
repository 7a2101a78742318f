// `tokportal-sync replay` as the binary, on the inbox history of test/support/inbox-history.ts:
// what it counts, what it enqueues, and what it prints. (The plans themselves: test/worker/replay.test.ts.)
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SyncQueue } from '../../../src/queue/sync-queue.js';
import { insertReplayHistory } from '../../support/inbox-history.js';
import { createTestDatabase, type TestDatabase } from '../../support/postgres.js';
import { TEST_REDIS_URL, openTestQueue, type TestQueue } from '../../support/redis.js';
import { waitingSyncJobs } from '../../support/wait.js';

const BIN = fileURLToPath(new URL('../../../bin/tokportal-sync.js', import.meta.url));

let database: TestDatabase;
let own: TestQueue;
let prefix: string;
let queue: SyncQueue;

beforeAll(async () => {
  database = await createTestDatabase('replaycli');
  own = openTestQueue('replaycli');
  ({ prefix, queue } = own);
  await insertReplayHistory(database.db);
});

afterAll(async () => {
  await own?.close();
  await database?.drop();
});

describe('replay', () => {
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
    expect(await waitingSyncJobs(queue)).toEqual([]);

    const real = await cli(['--type', 'account.finalized', '--failed']);
    expect(real.code).toBe(0);
    expect(real.stdout).toBe('events: 1 matching, enqueued 1 bundle syncs\nfailed jobs: 0 sync jobs for 0 bundles, enqueued 0 fresh syncs, 0 failed jobs cleared\n');
    expect((await waitingSyncJobs(queue)).map((job) => job.data.bundleId)).toEqual(['bnd_a']);
  });
});
