// Bringing the pipeline to rest after the faults: webhooks delivered, inbox relayed, queue
// drained, a reconcile run through. Each wait names what it waited for when it gives up.
import { and, desc, eq, gte, isNull } from 'drizzle-orm';
import type { Queue } from 'bullmq';
import type { Database } from '../../../src/db/connection.js';
import { syncRuns, webhookEvents } from '../../../src/db/schema.js';
import type { FakeTokPortal } from '../../../fake-tokportal/index.js';
import { JOB } from '../../../src/queue/jobs.js';
import { waitFor, waitForIdleQueue } from '../../support/wait.js';

/** Delivers everything the fake still holds (delays, retry backoffs) until nothing is pending. */
export async function flushWebhooks(fake: FakeTokPortal, timeoutMs: number): Promise<void> {
  await waitFor(
    async () => {
      await fake.flushWebhooks();
      return fake.stats().webhooksPending === 0;
    },
    { timeoutMs, intervalMs: 200, what: 'the fake to have no webhook pending' },
  );
}

/** Every stored event that needs a job has one (the relay caught up after the Redis outages). */
export async function waitForRelay(db: Database, timeoutMs: number): Promise<void> {
  await waitFor(
    async () => {
      const waiting = await db
        .select({ eventId: webhookEvents.eventId })
        .from(webhookEvents)
        .where(and(eq(webhookEvents.status, 'received'), isNull(webhookEvents.enqueuedAt)))
        .limit(1);
      return waiting.length === 0;
    },
    { timeoutMs, intervalMs: 200, what: 'the relay to enqueue every stored event' },
  );
}

/**
 * Queues one reconcile (what the scheduler does every RECONCILE_INTERVAL) and waits until its
 * listing completed and the detail fetches it asked for have run. Returns the run id.
 */
export async function runReconcile(db: Database, queue: Queue, timeoutMs: number): Promise<string> {
  const requestedAt = new Date(Date.now() - 1_000);
  await queue.add(JOB.reconcile, {}, { jobId: `faults-reconcile-${Date.now()}`, removeOnComplete: true, attempts: 3 });
  const run = await waitFor(
    async () => {
      const [latest] = await db
        .select({ id: syncRuns.id, status: syncRuns.status, lastError: syncRuns.lastError })
        .from(syncRuns)
        .where(and(eq(syncRuns.kind, 'reconcile'), gte(syncRuns.startedAt, requestedAt)))
        .orderBy(desc(syncRuns.startedAt))
        .limit(1);
      return latest?.status === 'completed' || latest?.status === 'failed' ? latest : null;
    },
    { timeoutMs, intervalMs: 200, what: 'the reconcile listing to complete' },
  );
  if (run.status === 'failed') throw new Error(`reconcile ${run.id} failed: ${run.lastError}`);
  await waitForIdleQueue(queue, timeoutMs);
  return run.id;
}

export { waitForIdleQueue };
