// The job registry: one processor per job name. Each processor lives in its own file and
// is listed here with one line; the worker looks jobs up by name.
import { JOB, type JobName } from '../queue/jobs.js';
import { processListPage } from './list-page.js';
import { processReconcile } from './reconcile.js';
import type { Processor } from './processor-context.js';
import { processSyncBundle } from './sync-bundle.js';
import { processVerifyTick } from './verify.js';
import { processAuditBundle } from './audit-bundle.js';

export type { Processor, ProcessorContext } from './processor-context.js';

export const processors: Record<JobName, Processor> = {
  [JOB.syncBundle]: processSyncBundle,
  [JOB.listPage]: processListPage,
  [JOB.reconcile]: processReconcile,
  [JOB.verifyTick]: processVerifyTick,
  [JOB.auditBundle]: processAuditBundle,
};
