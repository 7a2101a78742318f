// The fault run end to end: fake TokPortal (webhooks duplicated, reordered, delayed, dropped)
// → receiver (in this process, on our own Redis) → `tokportal-sync worker` child → Postgres,
// with a seeded campaign on the fake and a seeded fault plan against every link at once. Then
// the faults stop, everything settles, one reconcile runs, and the mirror is compared with
// the fake's truth. Shared by the full suite (npm run test:faults) and the CI smoke test.
import { createWriteStream, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Queue } from 'bullmq';
import { webhookEvents } from '../../../src/db/schema.js';
import { createLogger } from '../../../src/lib/logger.js';
import { startFakeTokPortal, type ProfileName } from '../../../fake-tokportal/index.js';
import type { TestDatabase } from '../../support/postgres.js';
import { startStack } from '../../support/stack.js';
import { startApiTap } from './api-tap.js';
import { Campaign, type CampaignCounts } from './campaign.js';
import { defaultFaultMix, planFaults, runFaultPlan, serverErrorAnswers, type FaultKind, type FaultMix } from './faults.js';
import { OwnRedisServer } from './redis-server.js';
import { flushWebhooks, runReconcile, waitForIdleQueue, waitForRelay } from './settle.js';
import { verifyMirror, type Verification } from './verify.js';
import { WorkerProcess, type WorkerProcessStats } from './worker-process.js';

export type FaultRunOptions = {
  bundles: number;
  steps: number;
  seed: number | string;
  /** Pause between two campaign actions (default 50 ms). */
  stepMs?: number;
  faults?: FaultMix;
  /** Bound on each settling phase (default 120 s). */
  settleTimeoutMs?: number;
  /** The fake's profile (default kind): strict is the least convenient API the documentation allows. */
  profile?: ProfileName;
};

export type FaultRunReport = {
  options: Required<Omit<FaultRunOptions, 'faults' | 'settleTimeoutMs'>>;
  durationMs: number;
  campaignMs: number;
  campaign: CampaignCounts;
  webhooks: {
    /** Distinct events the fake sent (every one of them must be in the inbox when delivered). */
    deliveredEvents: number;
    /** Events lost on TokPortal's side by the drop fault (never reached us). */
    droppedEvents: number;
    /** POSTs answered 2xx, injected duplicates included. */
    postsAccepted: number;
    postsFailed: number;
    inboxRows: number;
    /** Deliveries the inbox absorbed as duplicates (same event id again). */
    duplicatesAbsorbed: number;
    inboxByStatus: Record<string, number>;
    /** Delivered (2xx) events missing from the inbox: must be 0. */
    deliveredButMissing: number;
  };
  faults: {
    injected: Record<FaultKind, number>;
    timeline: string[];
    api429Answers: number;
    api5xxAnswers: number;
    worker: WorkerProcessStats;
  };
  api: { requests: number; detailAnswers: number; listAnswers: number };
  verification: Verification;
  logs: string;
};

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** Fetch to commit takes milliseconds; an answer served this long before a SIGKILL may never have been applied. */
const KILL_WINDOW_MS = 2_000;

export async function runFaultCampaign(options: FaultRunOptions): Promise<FaultRunReport> {
  const startedAt = Date.now();
  const stepMs = options.stepMs ?? 50;
  const settleMs = options.settleTimeoutMs ?? 120_000;
  const logs = mkdtempSync(join(tmpdir(), 'tokportal-faults-'));
  const cleanups: (() => Promise<unknown>)[] = [];
  const cleanup = async () => {
    for (const step of cleanups.reverse()) await step().catch(() => {});
  };

  try {
    const redis = await OwnRedisServer.start();
    cleanups.push(() => redis.stop());
    const fake = await startFakeTokPortal({
      bundles: options.bundles,
      seed: options.seed,
      profile: options.profile ?? 'kind',
      // A real bucket above the worker's own pace: it binds only if the worker misbehaves.
      rateLimitPerMin: 6_000,
      delivery: { duplicateRate: 0.2, dropRate: 0.05, minDelayMs: 0, maxDelayMs: 1_500, reorder: true, maxAttempts: 8, retryBaseMs: 300 },
    });
    cleanups.push(() => fake.close());
    const tap = await startApiTap(fake);
    cleanups.push(() => tap.close());

    const receiverLog = createWriteStream(join(logs, 'receiver.log'));
    cleanups.push(() => new Promise((resolve) => receiverLog.end(resolve)));
    // The receiver in this process, on our own Redis, with the fake delivering to it.
    const stack = await startStack({
      label: 'faults',
      fake,
      env: { REDIS_URL: redis.url },
      logger: createLogger({ level: 'warn', destination: receiverLog }),
      receiver: { relay: { intervalMs: 300, graceMs: 1_000, maxBackoffMs: 2_000 } },
    });
    cleanups.push(() => stack.close());
    const database = stack.database!;
    const prefix = stack.prefix;
    const queue = stack.receiver.queue as unknown as Queue;

    const worker = new WorkerProcess({
      logFile: join(logs, 'worker.log'),
      env: {
        DATABASE_URL: database.url,
        REDIS_URL: redis.url,
        QUEUE_PREFIX: prefix,
        TOKPORTAL_API_KEY: fake.apiKey,
        TOKPORTAL_BASE_URL: tap.baseUrl,
        TOKPORTAL_RATE_LIMIT_PER_MIN: '4800',
        TOKPORTAL_TIMEOUT_MS: '5000',
        WORKER_CONCURRENCY: '4',
        LOG_LEVEL: 'warn',
      },
      // Short locks: a killed worker's job is rerun within seconds, not the default 30 s.
      args: ['--lock-duration', '4s', '--stalled-interval', '2s'],
    });
    cleanups.push(() => worker.stop());
    worker.start();

    // Baseline: the mirror learns the seeded workspace the way a deployment would, by a reconcile.
    await runReconcile(database.db, queue, settleMs);

    const campaign = new Campaign(fake, options.seed);
    const campaignMs = options.steps * stepMs;
    const plan = planFaults(options.seed, campaignMs, options.faults ?? defaultFaultMix(campaignMs));
    const campaignStart = Date.now();
    const faultsDone = runFaultPlan(plan, { redis, worker, fake }, campaignStart);
    for (let step = 0; step < options.steps; step++) {
      campaign.step();
      // Paced against the clock, so a slow step does not stretch the campaign.
      const due = campaignStart + (step + 1) * stepMs;
      await sleep(Math.max(0, due - Date.now()));
    }
    const faultLog = await faultsDone;
    const campaignEnd = Date.now();

    // Faults over: everything still in flight must now arrive.
    fake.setFaults({ errorRate: 0, resetRate: 0, rateLimitBurst: false });
    await flushWebhooks(fake, settleMs);
    await waitForRelay(database.db, settleMs);
    await waitForIdleQueue(queue, settleMs);
    await runReconcile(database.db, queue, settleMs);

    const verification = await verifyMirror(database.db, {
      live: new Map(fake.listBundleIds().map((id) => [id, fake.getBundle(id) as Record<string, unknown>])),
      deleted: campaign.deletedHandles,
      handles: (id) => campaign.truthHandles(id),
      exposed: (id) => tap.exposedHandles(id),
      hidden: (id) => campaign.hiddenByConstruction(id),
      // An answer served less than KILL_WINDOW_MS before a SIGKILL may have died with the worker.
      onlyServedToKilledWorker: (id, handle) =>
        tap.servedAt(id, handle).every((at) => worker.stats.killedAt.some((killed) => killed >= at && killed - at < KILL_WINDOW_MS)),
    });
    const webhooks = await webhookFigures(database, fake);
    const stats = fake.stats();

    return {
      options: { bundles: options.bundles, steps: options.steps, seed: options.seed, stepMs, profile: options.profile ?? 'kind' },
      durationMs: Date.now() - startedAt,
      campaignMs: campaignEnd - campaignStart,
      campaign: campaign.counts,
      webhooks,
      faults: {
        injected: faultLog.injected,
        timeline: faultLog.timeline,
        api429Answers: stats.rateLimited,
        api5xxAnswers: serverErrorAnswers(fake),
        worker: worker.stats,
      },
      api: { requests: stats.requestsTotal, detailAnswers: tap.counts.details, listAnswers: tap.counts.listPages },
      verification,
      logs,
    };
  } finally {
    await cleanup();
  }
}

type Db = TestDatabase;
type Fake = Awaited<ReturnType<typeof startFakeTokPortal>>;

/** The receiver side of "nothing is lost": every event the fake got a 2xx for is in the inbox. */
async function webhookFigures(database: Db, fake: Fake): Promise<FaultRunReport['webhooks']> {
  const deliveries = fake.service.webhooks.list(fake.service.primaryKey).flatMap((endpoint) => fake.service.dispatcher.forEndpoint(endpoint.id));
  const delivered = new Set(deliveries.filter((d) => d.state === 'delivered').map((d) => d.event.id));
  const dropped = new Set(deliveries.filter((d) => d.state === 'failed').map((d) => d.event.id));
  const rows = await database.db
    .select({ eventId: webhookEvents.eventId, status: webhookEvents.status, deliveries: webhookEvents.deliveries })
    .from(webhookEvents);
  const stored = new Set(rows.map((row) => row.eventId));
  const inboxByStatus: Record<string, number> = {};
  for (const row of rows) inboxByStatus[row.status] = (inboxByStatus[row.status] ?? 0) + 1;
  const stats = fake.stats();
  return {
    deliveredEvents: delivered.size,
    droppedEvents: dropped.size,
    postsAccepted: stats.webhooksSent,
    postsFailed: stats.webhooksFailed,
    inboxRows: rows.length,
    duplicatesAbsorbed: rows.reduce((sum, row) => sum + row.deliveries - 1, 0),
    inboxByStatus,
    deliveredButMissing: [...delivered].filter((id) => !stored.has(id)).length,
  };
}
