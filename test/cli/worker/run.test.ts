// `tokportal-sync worker` as a real process: SIGKILLed in the middle of a job, its job is
// rerun by the next worker (BullMQ stalled-job recovery) and the state is right; a rejected
// API key stops it with exit code 3 and one line, leaving the jobs for a fixed key.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Job } from 'bullmq';
import type { SyncBundleData } from '../../../src/queue/jobs.js';
import { TEST_REDIS_URL } from '../../support/redis.js';
import { waitFor } from '../../support/wait.js';
import { runCli, type CliProcess } from '../../support/cli-process.js';
import { compareWithApi, pendingInboxEvents } from '../../support/mirror.js';
import { startStack, type Stack } from '../../support/stack.js';

let live: Stack;
const children: CliProcess[] = [];

const ADMIN_TOKEN = 'admin-token-worker-process-0123456789';

function workerProcess(apiKey: string, extraArgs: string[] = [], { reconcile = false } = {}): CliProcess {
  // No rolling verification: its standing schedule would keep the queue from ever being idle.
  const args = ['worker', ...(reconcile ? [] : ['--no-reconcile']), '--no-verify', '--concurrency', '2', '--lock-duration', '2s', '--stalled-interval', '1s'];
  const child = runCli([...args, ...extraArgs], {
    DATABASE_URL: live.database!.url,
    REDIS_URL: TEST_REDIS_URL,
    QUEUE_PREFIX: live.prefix,
    TOKPORTAL_API_KEY: apiKey,
    TOKPORTAL_BASE_URL: live.fake.baseUrl,
    TOKPORTAL_RATE_LIMIT_PER_MIN: '6000',
    LOG_LEVEL: 'info',
    ADMIN_TOKEN,
    HOST: '127.0.0.1',
    RECONCILE_INTERVAL: '10m',
  });
  children.push(child);
  return child;
}

beforeAll(async () => {
  live = await startStack({ label: 'e2ekill', fake: { bundles: 20, seed: 'e2e-kill' }, rateLimitPerMin: 6_000, receiver: true });
});
afterAll(async () => {
  for (const child of children) if (child.child.exitCode === null) child.child.kill('SIGKILL');
  await live?.close();
});

describe('tokportal-sync worker process', () => {
  it('a worker killed mid-job: the next worker reruns the job and the mirror is right', async () => {
    const bundleId = live.fake.listBundleIds()[0]!;
    // Slow API: the job is surely in flight when the worker dies.
    live.fake.setFaults({ latencyMs: 4_000 });
    await live.fake.patch(bundleId, { title: 'changed before the crash', events: ['bundle.published'] });
    await waitFor(async () => (await live.queue.getJobCounts('prioritized', 'waiting')).prioritized === 1, { what: 'the job' });

    const doomed = workerProcess(live.fake.apiKey);
    await doomed.waitForOutput(/sync worker started/);
    await waitFor(async () => (await live.queue.getJobCounts('active')).active === 1, { what: 'the job to be active' });
    doomed.child.kill('SIGKILL');
    expect((await doomed.exited).signal).toBe('SIGKILL');
    const [orphan] = (await live.queue.getJobs(['active'])) as Job<SyncBundleData>[];
    expect(orphan?.data.bundleId).toBe(bundleId);
    live.fake.setFaults({ latencyMs: 0 });

    const successor = workerProcess(live.fake.apiKey, ['--admin-port', '0']);
    await successor.waitForOutput(/admin listener ready/);
    await live.settle(20_000);
    const rerun = await live.queue.getJob(orphan!.id!);
    expect(await rerun?.getState()).toBe('completed');
    expect(rerun?.stalledCounter).toBeGreaterThanOrEqual(1);
    expect(successor.output().stdout).toContain('job stalled');
    const [result] = await compareWithApi(live, [bundleId]);
    expect(result!.mirror).toEqual(result!.api);
    expect(await pendingInboxEvents(live.db)).toBe(0);

    // The standalone worker's own counters are scrapeable on its admin listener, and only its own.
    const opsUrl = /"url":"(http:\/\/127\.0\.0\.1:\d+)"[^\n]*"msg":"admin listener ready"/.exec(successor.output().stdout)?.[1];
    expect((await fetch(`${opsUrl}/healthz`)).status).toBe(200);
    const scrape = await (await fetch(`${opsUrl}/metrics`)).text();
    expect(scrape).toMatch(/tokportal_sync_api_requests_total\{endpoint="GET \/bundles\/:id",status="200"\} [1-9]/);
    expect(scrape).toMatch(/tokportal_sync_jobs_total\{name="sync-bundle",outcome="completed"\} [1-9]/);
    expect(scrape).toMatch(/^tokportal_sync_api_rate_limit_per_minute 6000$/m);
    expect(scrape).toMatch(/^process_resident_memory_bytes \d+/m);
    expect(scrape).not.toContain('tokportal_sync_webhooks_received_total');
    expect(scrape).not.toContain('tokportal_sync_inbox_');

    // SIGTERM: graceful stop, exit 0.
    successor.child.kill('SIGTERM');
    expect((await successor.exited).code).toBe(0);
  });

  it('a rejected API key: exit code 3, one line on stderr, the jobs stay queued with no attempt spent', async () => {
    const bundleId = live.fake.listBundleIds()[1]!;
    await live.fake.patch(bundleId, { title: 'changed while the key is wrong', events: ['bundle.published'] });
    await waitFor(async () => (await live.queue.getJobCounts('prioritized')).prioritized === 1, { what: 'the job' });

    const wrongKey = `sk_${'f'.repeat(64)}`;
    const rejected = workerProcess(wrongKey);
    const { code } = await rejected.exited;
    expect(code).toBe(3);
    expect(rejected.output().stderr).toBe('tokportal-sync: TokPortal rejected the API key (AUTH_INVALID_KEY): check TOKPORTAL_API_KEY\n');
    expect(rejected.output().stdout + rejected.output().stderr).not.toContain(wrongKey);
    const [job] = await live.queue.getJobs(['prioritized']);
    expect(job?.attemptsMade).toBe(0);
    expect(await live.queue.getJobCounts('failed')).toEqual({ failed: 0 });
  });

  it('registers the one shared reconcile schedule, so separate receiver and worker processes still reconcile', async () => {
    expect(await live.queue.getJobScheduler('reconcile')).toBeUndefined(); // the workers above ran with --no-reconcile
    const scheduling = workerProcess(live.fake.apiKey, [], { reconcile: true });
    await scheduling.waitForOutput(/sync worker started/);
    await waitFor(async () => (await live.queue.getJobScheduler('reconcile')) !== undefined, { what: 'the schedule' });
    expect((await live.queue.getJobScheduler('reconcile'))?.every).toBe(600_000);
    scheduling.child.kill('SIGTERM');
    expect((await scheduling.exited).code).toBe(0);
  });
});
