// `tokportal-sync start` as a real process on an embedded PGlite (no DATABASE_URL): a signed
// webhook from the fake reaches its receiver, its worker refetches the bundle, and after a
// graceful SIGTERM the PGlite directory holds the bundle as the API shows it.
import { VERIFY_SCHEDULER_ID } from '../../../src/worker/verify.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../../src/db/connection.js';
import { bundles, webhookEvents } from '../../../src/db/schema.js';
import { startFakeTokPortal, type FakeTokPortal } from '../../../fake-tokportal/index.js';
import { RECONCILE_SCHEDULER_ID } from '../../../src/worker/reconcile.js';
import { apiView, mirrorView } from '../../support/mirror.js';
import { TEST_REDIS_URL, openTestQueue, type TestQueue } from '../../support/redis.js';
import { waitFor } from '../../support/wait.js';
import { runCli, type CliProcess } from '../../support/cli-process.js';

const SECRET = 'whsec_start_process_0123456789abcdef';
const ADMIN_TOKEN = 'admin-token-start-process-0123456789';

let fake: FakeTokPortal;
let q: TestQueue;
let pgliteDir: string;
let start: CliProcess | undefined;

beforeAll(async () => {
  fake = await startFakeTokPortal({ bundles: 8, seed: 'start-process', rateLimitPerMin: 0 });
  q = openTestQueue('start');
  pgliteDir = mkdtempSync(join(tmpdir(), 'tps-start-'));
});
afterAll(async () => {
  if (start && start.child.exitCode === null) start.child.kill('SIGKILL');
  await q?.close();
  await fake?.close();
  rmSync(pgliteDir, { recursive: true, force: true });
});

describe('tokportal-sync start (PGlite)', () => {
  it('receives, syncs and stops gracefully in one process; the mirror holds the API state', async () => {
    start = runCli(['start', '--port', '0', '--host', '127.0.0.1'], {
      PGLITE_DIR: pgliteDir,
      REDIS_URL: TEST_REDIS_URL,
      QUEUE_PREFIX: q.prefix,
      TOKPORTAL_API_KEY: fake.apiKey,
      TOKPORTAL_BASE_URL: fake.baseUrl,
      TOKPORTAL_WEBHOOK_SECRETS: SECRET,
      TOKPORTAL_RATE_LIMIT_PER_MIN: '6000',
      ADMIN_TOKEN,
      RECONCILE_INTERVAL: '1h',
      LOG_LEVEL: 'info',
      PGLITE_PORT: '0',
    });
    // Booting PGlite (WebAssembly) and migrating it takes seconds, more on a loaded machine.
    await start.waitForOutput(/"msg":"receiver listening"/, 60_000);
    await start.waitForOutput(/"msg":"admin listener ready"/);
    const url = /"url":"(http:\/\/127\.0\.0\.1:\d+)"[^\n]*"msg":"receiver listening"/.exec(start.output().stdout)?.[1];
    const adminUrl = /"url":"(http:\/\/127\.0\.0\.1:\d+)"[^\n]*"msg":"admin listener ready"/.exec(start.output().stdout)?.[1];
    expect(url).toBeDefined();
    expect(adminUrl).toBeDefined();
    expect(await q.queue.getJobScheduler(RECONCILE_SCHEDULER_ID)).toBeTruthy();

    const bundleId = fake.listBundleIds()[0]!;
    fake.addWebhookEndpoint({ url: `${url}/webhooks/tokportal`, secret: SECRET });
    await fake.patch(bundleId, { title: 'seen through start', events: ['bundle.published'] });
    await waitFor(() => fake.stats().webhooksSent === 1 && fake.stats().webhooksPending === 0, { what: 'the delivery' });
    // Idle but for the schedulers' next ticks, waiting delayed: the reconcile's (an hour) and
    // rolling verification's (every 30 s at the default VERIFY_WITHIN).
    await waitFor(
      async () => {
        const counts = await q.queue.getJobCounts('waiting', 'prioritized', 'active', 'delayed');
        return counts.waiting === 0 && counts.prioritized === 0 && counts.active === 0 && counts.delayed === 2;
      },
      { timeoutMs: 30_000, what: 'the webhook sync and the first reconcile to finish' },
    );
    expect(await q.queue.getJobScheduler(VERIFY_SCHEDULER_ID)).toBeTruthy();
    // The start-up line says whether VERIFY_WITHIN fits the budget for the bundles there are.
    await start.waitForOutput(/rolling verification: VERIFY_WITHIN 24h fits: \d+ bundles need [\d.]+ detail calls\/min of the 6000\/min budget/);
    // The embedded database is served while start holds it, with a ready psql command in the log.
    const psqlUrl = /embedded database served for psql, report and BI tools: psql (postgres:\/\/postgres@127\.0\.0\.1:\d+\/postgres)/.exec(start.output().stdout)?.[1];
    expect(psqlUrl).toBeDefined();
    const { stdout: titles } = await promisify(execFile)('psql', ['-X', '-A', '-t', psqlUrl!, '-c', `select title from tokportal.bundles where bundle_id = '${bundleId}'`], {
      env: { ...process.env, PGSSLMODE: 'disable' },
    });
    expect(titles.trim()).toBe('seen through start');
    // One process, both sides' series on its one admin listener; none on the public port.
    expect((await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })).status).toBe(404);
    const exposition = await (await fetch(`${adminUrl}/metrics`)).text();
    expect(exposition).toMatch(/tokportal_sync_jobs_total\{name="sync-bundle",outcome="completed"\} [1-9]/);
    expect(exposition).toMatch(/tokportal_sync_webhooks_received_total\{type="bundle.published",outcome="accepted"\} 1/);
    // The worker's verification gauge: the first reconcile read every bundle in detail moments ago.
    expect(exposition).toMatch(/^tokportal_sync_oldest_verification_age_seconds \d+(\.\d+)?$/m);

    start.child.kill('SIGTERM');
    expect((await start.exited).code).toBe(0);

    const mirror = await openDatabase({ databaseUrl: undefined, pgliteDir });
    try {
      const [row] = await mirror.db.select().from(bundles).where(eq(bundles.bundleId, bundleId));
      expect(mirrorView(row)).toEqual(apiView(fake.getBundle(bundleId)));
      expect(row?.title).toBe('seen through start');
      const events = await mirror.db.select().from(webhookEvents).where(eq(webhookEvents.bundleId, bundleId));
      expect(events.map((event) => event.status)).toEqual(['processed']);
    } finally {
      await mirror.close();
    }
  }, 90_000);

  it('without Redis: exits 1 with one line saying what is missing and how to get it', async () => {
    const child = runCli(['start'], {
      PGLITE_DIR: pgliteDir,
      REDIS_URL: 'redis://127.0.0.1:1',
      TOKPORTAL_API_KEY: fake.apiKey,
      TOKPORTAL_WEBHOOK_SECRETS: SECRET,
    });
    expect((await child.exited).code).toBe(1);
    expect(child.output().stderr).toBe(
      'tokportal-sync: Redis is not reachable at redis://127.0.0.1:1: start a local redis-server or `docker compose up -d redis`\n',
    );
  });
});
