// What `tokportal-sync backfill` runs: the listing and detail fetches of worker/backfill.ts with
// a worker of its own, progress on stderr, the summary on stdout; Ctrl-C leaves it resumable.
import { loadConfig, requireSetting } from '../../config.js';
import type { BundleFilters } from '../../db/sync-runs.js';
import { assertRedisReachable, createRuntime, stopOnSignals, type Runtime } from '../../runtime.js';
import { runBackfill, type BackfillDependencies } from '../../worker/backfill.js';
import { EXIT_INTERRUPTED, type BackfillCommandOptions } from '../backfill.js';
import { createProgressReporter, formatStartLine, formatSummary } from './backfill-report.js';
import { startWorkerOnRuntime } from './worker.js';

/** What a backfill needs from a runtime: its mirror, its queue and a worker of its own. */
export function backfillDeps(runtime: Runtime): BackfillDependencies {
  return {
    db: runtime.db,
    queue: runtime.queue(),
    rateLimitPerMin: runtime.config.rateLimitPerMin,
    startWorker: () => startWorkerOnRuntime(runtime),
  };
}

export async function runBackfillCommand(options: BackfillCommandOptions): Promise<void> {
  const config = loadConfig();
  requireSetting(config, 'apiKey', 'the backfill reads bundles from the TokPortal API');
  await assertRedisReachable(config.redisUrl);
  // One process does everything here, so the embedded database is fine.
  const runtime = await createRuntime({ config, allowPglite: true });
  const filters: BundleFilters = {
    ...(options.status ? { status: options.status } : {}),
    ...(options.platform ? { platform: options.platform } : {}),
    ...(options.bundleType ? { bundle_type: options.bundleType } : {}),
    ...(options.externalRef ? { external_ref: options.externalRef } : {}),
  };
  const abort = new AbortController();
  const releaseSignals = stopOnSignals(async () => abort.abort(), runtime.logger);
  const reporter = createProgressReporter(process.stderr);
  try {
    const result = await runBackfill(
      backfillDeps(runtime),
      { filters, details: options.details, restart: options.restart === true },
      {
        signal: abort.signal,
        onStart: (start) => process.stderr.write(`${formatStartLine(start)}\n`),
        onProgress: (progress) => reporter.update(progress),
      },
    );
    reporter.stop();
    process.stdout.write(`${formatSummary(result, config.rateLimitPerMin)}\n`);
    if (result.authError) throw result.authError;
    if (result.outcome === 'interrupted') process.exitCode = EXIT_INTERRUPTED;
    if (result.outcome === 'failed') process.exitCode = 1;
  } finally {
    reporter.stop();
    releaseSignals();
    await runtime.close();
  }
}
