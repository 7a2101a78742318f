// Rolling verification (src/sync/verification.ts): a job scheduler ticks every verifyTickMs and
// queues a GET /bundles/:id for the live bundles whose last verification is due, oldest first, at
// the queue's lowest priority. The queue-wide limiter and the priorities do the rest: a
// verification runs only when no webhook, replay, reconcile or backfill job waits.
import type { Job, Queue } from 'bullmq';
import { countLiveBundles, findDueForVerification } from '../db/verification.js';
import type { Database } from '../db/connection.js';
import type { Logger } from '../lib/logger.js';
import { JOB, PRIORITY, type VerifyTickData } from '../queue/jobs.js';
import { enqueueBundleSyncs } from '../queue/sync-queue.js';
import { describeBudget, dueBefore, verificationBatch, verificationBudget, verifyTickMs } from '../sync/verification.js';
import type { ProcessorContext } from './processor-context.js';

export const VERIFY_SCHEDULER_ID = 'verify';

/** Creates or updates the repeatable tick; idempotent, every worker may call it at start. */
export async function ensureVerifyScheduler(queue: Queue, verifyWithinMs: number): Promise<void> {
  const data: VerifyTickData = {};
  await queue.upsertJobScheduler(
    VERIFY_SCHEDULER_ID,
    { every: verifyTickMs(verifyWithinMs) },
    {
      name: JOB.verifyTick,
      data,
      opts: {
        priority: PRIORITY.verify,
        attempts: 1,
        removeOnComplete: { age: 3_600, count: 100 },
        removeOnFail: { age: 24 * 3_600, count: 100 },
      },
    },
  );
}

export async function removeVerifyScheduler(queue: Queue): Promise<boolean> {
  return queue.removeJobScheduler(VERIFY_SCHEDULER_ID);
}

export type VerifyTickOutcome = { due: number; waiting: number; enqueued: number };

/** The JOB.verifyTick processor: no API call itself. */
export async function processVerifyTick(_job: Job, ctx: ProcessorContext): Promise<VerifyTickOutcome> {
  const { verifyWithinMs, rateLimitPerMin } = ctx.config;
  const counts = await ctx.queue.getCountsPerPriority([PRIORITY.verify]);
  // Ticks share the priority; only the re-reads still waiting count against the batch.
  const waiting = Math.max(0, (counts[String(PRIORITY.verify)] ?? 0) - 1);
  const before = dueBefore(new Date(), verifyWithinMs);
  const peek = await findDueForVerification(ctx.db, before, 0);
  const batch = verificationBatch({ due: peek.due, waiting, rateLimitPerMin, tickMs: verifyTickMs(verifyWithinMs) });
  if (batch === 0) return { due: peek.due, waiting, enqueued: 0 };
  const { bundleIds } = await findDueForVerification(ctx.db, before, batch);
  const outcome = await enqueueBundleSyncs(
    ctx.queue,
    bundleIds.map((bundleId) => ({ bundleId, reason: 'verify' as const, sourceRef: 'verification' })),
    PRIORITY.verify,
  );
  ctx.logger.debug({ due: peek.due, waiting, enqueued: outcome.added }, 'rolling verification tick');
  return { due: peek.due, waiting, enqueued: outcome.added };
}

/** The start-up line: whether VERIFY_WITHIN fits the budget for the bundles the mirror holds now, and by how much. */
export async function logVerificationBudget(
  db: Database,
  logger: Logger,
  settings: { verifyWithinMs: number; rateLimitPerMin: number },
): Promise<void> {
  const budget = verificationBudget(await countLiveBundles(db), settings.verifyWithinMs, settings.rateLimitPerMin);
  const fields = { bundles: budget.bundles, neededPerMin: Number(budget.neededPerMin.toFixed(2)), budgetPerMin: budget.rateLimitPerMin };
  if (budget.fits) logger.info(fields, describeBudget(budget));
  else logger.warn(fields, describeBudget(budget));
}
