// What every job processor is given and returns. Its own file, so the processors and the
// registry that lists them (processors.ts) both depend on it and not on each other.
import type { Job, Queue } from 'bullmq';
import type { Config } from '../config.js';
import type { Database } from '../db/connection.js';
import type { Logger } from '../lib/logger.js';
import type { Metrics } from '../observability/metrics.js';
import type { TokPortalClient } from '../tokportal/client.js';

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
