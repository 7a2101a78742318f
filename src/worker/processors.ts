// The job registry: one processor per job name. Each processor lives in its own file and
// is listed here with one line; the worker looks jobs up by name.
import type { Job, Queue } from 'bullmq';
import type { Config } from '../config.js';
import type { Database } from '../db/connection.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../observability/metrics.js';
import { JOB, type JobName } from '../queue/jobs.js';
import type { TokPortalClient } from '../tokportal/client.js';
import { processListPage } from './list-page.js';
import { processReconcile } from './reconcile.js';
import { processSyncBundle } from './sync-bundle.js';

export type ProcessorContext = {
  db: Database;
  client: TokPortalClient;
  queue: Queue;
  metrics: Metrics;
  logger: Logger;
  config: Config;
};

/**
 * Processors throw TokPortalApiError as they get it: the worker turns a 429 into a queue-wide
 * pause, a 401 into a stop, a transient failure into a retry (see failure-policy.ts).
 */
export type Processor = (job: Job, ctx: ProcessorContext) => Promise<unknown>;

export const processors: Record<JobName, Processor> = {
  [JOB.syncBundle]: processSyncBundle,
  [JOB.listPage]: processListPage,
  [JOB.reconcile]: processReconcile,
};
