// `tokportal-sync audit`: one audit-bundle job per bundle through the sync queue, so every call
// passes the same Redis-shared rate limiter as the workers' (and any running worker helps), then
// the results as the jobs complete. The jobs repair what they find (audit-bundle.ts).
import { randomBytes } from 'node:crypto';
import { QueueEvents, type Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { DEFAULT_JOB_OPTIONS, JOB, PRIORITY, SYNC_QUEUE_NAME, type AuditBundleData } from '../queue/jobs.js';
import type { AuditFindings, BundleAudit } from '../sync/audit.js';
import type { AuditBundleOutcome } from './audit-bundle.js';
import type { SyncWorkerHandle, WorkerStop } from './worker.js';

export type AuditResult = AuditFindings & {
  /** The in-process worker stopped on its own (API key rejected). */
  stop?: Extract<WorkerStop, { reason: 'auth-rejected' }>;
};

export type AuditDependencies = {
  queue: Queue;
  /** A connection for the queue events (blocking reads: a 'worker' role connection). */
  eventsConnection: Redis;
  prefix: string;
  startWorker: () => Promise<SyncWorkerHandle>;
};

export const newAuditId = (now = new Date()): string =>
  `audit_${now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z')}_${randomBytes(3).toString('hex')}`;

export async function runAudit(
  deps: AuditDependencies,
  bundleIds: string[],
  onProgress?: (done: number, total: number) => void,
): Promise<AuditResult> {
  const auditId = newAuditId();
  const jobIds = new Map(bundleIds.map((bundleId) => [`${auditId}-${bundleId}`, bundleId]));
  const audited: BundleAudit[] = [];
  const failed: AuditResult['failed'] = [];
  if (bundleIds.length === 0) return { auditId, audited, failed };

  const events = new QueueEvents(SYNC_QUEUE_NAME, { connection: deps.eventsConnection, prefix: deps.prefix });
  events.on('error', () => {});
  let settle!: () => void;
  const allSettled = new Promise<void>((resolve) => (settle = resolve));
  const done = () => {
    onProgress?.(audited.length + failed.length, bundleIds.length);
    if (audited.length + failed.length >= bundleIds.length) settle();
  };
  events.on('completed', ({ jobId, returnvalue }) => {
    if (!jobIds.has(jobId)) return;
    jobIds.delete(jobId);
    const outcome = (typeof returnvalue === 'string' ? JSON.parse(returnvalue) : returnvalue) as AuditBundleOutcome;
    audited.push({ bundleId: outcome.bundleId, differences: outcome.differences, outcome: outcome.refresh });
    done();
  });
  events.on('failed', ({ jobId, failedReason }) => {
    const bundleId = jobIds.get(jobId);
    if (bundleId === undefined) return;
    jobIds.delete(jobId);
    failed.push({ bundleId, error: failedReason });
    done();
  });
  await events.waitUntilReady();

  let worker: SyncWorkerHandle | undefined;
  try {
    const data = (bundleId: string): AuditBundleData => ({ bundleId, auditId });
    await deps.queue.addBulk(
      [...jobIds].map(([jobId, bundleId]) => ({
        name: JOB.auditBundle,
        data: data(bundleId),
        // The results travel in the completed event; the jobs need not stay.
        opts: { ...DEFAULT_JOB_OPTIONS, jobId, priority: PRIORITY.audit, removeOnComplete: true },
      })),
    );
    worker = await deps.startWorker();
    const stopped = worker.stopped.then((stop) => stop);
    const first = await Promise.race([allSettled.then(() => null), stopped]);
    const result: AuditResult = { auditId, audited: sortById(audited), failed: sortById(failed) };
    if (first && first.reason === 'auth-rejected') result.stop = first;
    return result;
  } finally {
    await worker?.close();
    await events.close();
  }
}

const sortById = <T extends { bundleId: string }>(items: T[]): T[] => [...items].sort((a, b) => a.bundleId.localeCompare(b.bundleId));
