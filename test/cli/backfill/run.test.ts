// `tokportal-sync backfill` as an operator runs it: the real binary in a child process,
// interrupted with Ctrl-C (SIGINT) in the middle of the listing, then run again: it resumes
// the same run, lists no page twice and ends with the mirror complete.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRun, findResumableRun, finishRun, getRun } from '../../../src/db/sync-runs.js';
import { syncRuns } from '../../../src/db/schema.js';
import { EXIT_CODE } from '../../../src/lib/fatal-error.js';
import { mirrorDifferences } from '../../support/mirror.js';
import { startStack, type Stack } from '../../support/stack.js';

const BIN = fileURLToPath(new URL('../../../bin/tokportal-sync.js', import.meta.url));
const BUNDLES = 500;
const PAGES = BUNDLES / 100;

type Run = { code: number | null; stdout: string; stderr: string };

let harness: Stack;

beforeAll(async () => {
  harness = await startStack({ label: 'bfresume', fake: { bundles: BUNDLES, seed: 'resume' } });
});
afterAll(async () => {
  await harness?.close();
});

/** Runs the backfill command; `onStderr` sees the progress lines as they come. */
function backfillCli(
  args: string[],
  rateLimitPerMin: number,
  onStderr?: (text: string, child: ReturnType<typeof spawn>) => void,
): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, 'backfill', ...args], {
      env: {
        ...process.env,
        DATABASE_URL: harness.database!.url,
        REDIS_URL: harness.config.redisUrl,
        QUEUE_PREFIX: harness.prefix,
        TOKPORTAL_API_KEY: harness.fake.apiKey,
        TOKPORTAL_BASE_URL: harness.fake.baseUrl,
        TOKPORTAL_RATE_LIMIT_PER_MIN: String(rateLimitPerMin),
        WORKER_CONCURRENCY: '4',
        LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      onStderr?.(stderr, child);
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 90_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

describe('backfill command interrupted and resumed', { timeout: 120_000 }, () => {
  it('stops on Ctrl-C leaving the run resumable, then resumes it without listing a page twice', async () => {
    // 1 call a second: list pages run ahead of detail fetches, so at a faster pace all 5 pages
    // could be listed between two progress lines and Ctrl-C would land after the listing.
    let interruptedAt: number | null = null;
    const first = await backfillCli([], 60, (stderr, child) => {
      const pages = [...stderr.matchAll(/^page (\d+)\//gm)].map((match) => Number(match[1]));
      if (interruptedAt === null && pages.some((page) => page >= 2)) {
        interruptedAt = Math.max(...pages);
        child.kill('SIGINT');
      }
    });
    expect(first.stderr).toMatch(/^Starting backfill backfill_/m);
    expect(first.code).toBe(EXIT_CODE.interrupted);
    expect(first.stdout).toMatch(/interrupted \(run the same command again to resume\)/);
    const [run] = await harness.db.select().from(syncRuns);
    expect(run).toMatchObject({ kind: 'backfill', status: 'interrupted' });
    expect(run).toMatchObject({ pass: 1 });
    expect(run!.nextPage).toBeGreaterThan(2);
    expect(run!.nextPage).toBeLessThanOrEqual(PAGES);
    const listedBeforeResume = harness.calls().list;
    expect(listedBeforeResume).toBe(run!.nextPage - 1);

    const second = await backfillCli([], 60_000);
    expect(second.code).toBe(0);
    expect(second.stderr).toContain(`Resuming backfill ${run!.id} (all bundles, details auto) at page ${run!.nextPage}`);
    expect(second.stdout).toMatch(/completed in .* \(resumed\)/);
    // Two passes: the second proves the first saw everything.
    expect(second.stdout).toContain(`bundles: ${2 * BUNDLES} listed on ${2 * PAGES} pages: ${BUNDLES} new`);
    expect(second.stdout).toContain('listing: 2 passes, pass 1 proven complete by the next');

    // Every page of each pass listed once over both sessions, every bundle fetched in detail once.
    expect(harness.calls()).toEqual({ list: 2 * PAGES, detail: BUNDLES });
    expect(await getRun(harness.db, run!.id)).toMatchObject({ status: 'completed', pass: 2, nextPage: PAGES + 1 });
    expect(await mirrorDifferences(harness)).toEqual([]);
  });

  it('with --restart supersedes the run it would have resumed and starts a new one', async () => {
    const params = { filters: { status: 'published' }, details: 'never' as const };
    const stale = await createRun(harness.db, 'backfill', params);
    await finishRun(harness.db, stale.id, 'interrupted');
    const run = await backfillCli(['--status', 'published', '--details', 'never', '--restart'], 60_000);
    expect(run.code).toBe(0);
    expect(run.stderr).toContain(`(status=published, details never) (supersedes ${stale.id})`);
    expect(await getRun(harness.db, stale.id)).toMatchObject({ status: 'failed', lastError: 'superseded by a restarted backfill' });
    expect(await findResumableRun(harness.db, 'backfill', params)).toBeNull();
  });
});
