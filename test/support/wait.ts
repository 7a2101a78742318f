// Polling helpers: tests wait for a state they can observe (a row, a job count), never for a
// fixed time, so a slow shared machine makes them slower, not flaky.
import type { Job, Queue } from 'bullmq';
import type { Metrics } from '../../src/observability/metrics.js';
import { JOB, type SyncBundleData } from '../../src/queue/jobs.js';
import type { SyncQueue } from '../../src/queue/sync-queue.js';

export async function waitFor<T>(
  probe: () => Promise<T | undefined | null | false> | T | undefined | null | false,
  { timeoutMs = 15_000, intervalMs = 50, what = 'condition' }: { timeoutMs?: number; intervalMs?: number; what?: string } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** Resolves once the queue has nothing waiting, delayed, prioritized or running. */
export async function waitForIdleQueue(queue: Queue, timeoutMs = 20_000): Promise<void> {
  await waitFor(
    async () => {
      const counts = await queue.getJobCounts('waiting', 'prioritized', 'active', 'delayed', 'paused');
      return Object.values(counts).every((count) => count === 0);
    },
    { timeoutMs, what: 'an idle queue', intervalMs: 100 },
  );
}

/** Sync jobs not yet run (prioritized is where BullMQ keeps jobs with a priority). */
/** The sync-bundle jobs waiting to run (not delayed), sorted by bundle id so tests compare them as lists. */
export async function waitingSyncJobs(queue: SyncQueue): Promise<Job<SyncBundleData>[]> {
  const jobs = (await queue.getJobs(['prioritized', 'waiting'])) as Job<SyncBundleData>[];
  return jobs.filter((job) => job.name === JOB.syncBundle).sort((a, b) => a.data.bundleId.localeCompare(b.data.bundleId));
}

export async function pendingSyncJobs(queue: SyncQueue) {
  return queue.getJobs(['prioritized', 'waiting', 'delayed']);
}

/** Sum of a counter/gauge's series whose labels include the given ones. */
export async function metricValue(metrics: Metrics, name: string, labels: Record<string, string> = {}): Promise<number> {
  const metric = (await metrics.registry.getMetricsAsJSON()).find((m) => m.name === name);
  return (metric?.values ?? [])
    .filter((value) =>
      Object.entries(labels).every(([key, expected]) => String((value.labels as Record<string, unknown>)[key]) === expected),
    )
    .reduce((sum, value) => sum + value.value, 0);
}
