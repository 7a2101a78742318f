// "The pipeline is at rest": the fake has no webhook left to deliver, every inbox event is
// processed, and the queue holds no work but the reconcile scheduler's next tick. The demo
// waits for it after each step, so each narrated line reports what that step caused.
import type { Database } from '../db/connection.js';
import { readInboxSnapshot } from '../db/inbox-reads.js';
import { latestRun } from '../db/sync-runs.js';
import type { FakeTokPortal } from '../../fake-tokportal/index.js';
import { JOB, PRIORITY } from '../queue/jobs.js';
import type { SyncQueue } from '../queue/sync-queue.js';

export type Pipeline = { fake: FakeTokPortal; db: Database; queue: SyncQueue };

export type Backlog = { webhooksPending: number; inboxPending: number; jobsQueued: number; jobsFailed: number };

export async function readBacklog({ fake, db, queue }: Pipeline): Promise<Backlog> {
  const inbox = await readInboxSnapshot(db);
  const counts = await queue.getJobCounts('waiting', 'prioritized', 'active', 'paused', 'failed');
  // The scheduler always holds its next reconcile as a delayed job: that one is not work left.
  const delayed = (await queue.getDelayed()).filter((job) => !job.repeatJobKey).length;
  return {
    webhooksPending: fake.stats().webhooksPending,
    inboxPending: inbox.unprocessed,
    jobsQueued: (counts.waiting ?? 0) + (counts.prioritized ?? 0) + (counts.active ?? 0) + (counts.paused ?? 0) + delayed,
    jobsFailed: counts.failed ?? 0,
  };
}

const atRest = (b: Backlog) => b.webhooksPending === 0 && b.inboxPending === 0 && b.jobsQueued === 0;

/**
 * Resolves once the pipeline was at rest twice in a row (a job moving between two states is
 * missed by one look, not by two), or throws naming what was still moving.
 */
export async function waitForRest(pipeline: Pipeline, timeoutMs = 30_000, intervalMs = 50): Promise<Backlog> {
  const deadline = Date.now() + timeoutMs;
  let restingSince = false;
  for (;;) {
    const backlog = await readBacklog(pipeline);
    if (atRest(backlog)) {
      if (restingSince) return backlog;
      restingSince = true;
    } else {
      restingSince = false;
    }
    if (Date.now() > deadline) {
      throw new Error(
        `the pipeline did not come to rest within ${timeoutMs / 1_000} s: ${backlog.webhooksPending} webhooks undelivered, ` +
          `${backlog.inboxPending} inbox events unprocessed, ${backlog.jobsQueued} jobs queued`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/**
 * What the scheduler does every RECONCILE_INTERVAL, now: queues a reconcile tick and waits
 * until the listing run it started has completed and its detail fetches have run. Call it with
 * the pipeline at rest: a tick that finds a reconcile still running starts none.
 */
export async function reconcileNow(pipeline: Pipeline, timeoutMs = 30_000): Promise<void> {
  const { db, queue } = pipeline;
  const previous = (await latestRun(db, 'reconcile'))?.id ?? null;
  await queue.add(JOB.reconcile, {}, { priority: PRIORITY.reconcile, attempts: 3, removeOnComplete: true });
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const run = await latestRun(db, 'reconcile', previous);
    if (run?.status === 'failed') throw new Error(`reconcile ${run.id} failed: ${run.lastError ?? 'unknown error'}`);
    if (run?.status === 'completed') break;
    if (Date.now() > deadline) throw new Error(`the reconcile did not complete within ${timeoutMs / 1_000} s`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  await waitForRest(pipeline, timeoutMs);
}
