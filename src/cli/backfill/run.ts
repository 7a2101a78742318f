// What `tokportal-sync backfill` runs: the listing and detail fetches of worker/backfill.ts with
// a worker of its own, progress on stderr, the summary on stdout; Ctrl-C leaves it resumable.
import { assertRedisReachable, createRuntime } from '../../app/runtime.js';
import { stopOnSignals } from '../../app/signals.js';
import { backfillDependencies } from '../../app/start-worker.js';
import { loadConfig, requireSetting } from '../../config.js';
import type { BundleFilters } from '../../db/sync-runs.js';
import { EXIT_CODE } from '../../lib/fatal-error.js';
import type { DetailsMode } from '../../sync/detail-policy.js';
import { runBackfill } from '../../worker/backfill.js';
import { createProgressReporter, formatStartLine, formatSummary } from './progress.js';

export type BackfillCommandOptions = {
  status?: string;
  platform?: string;
  bundleType?: string;
  externalRef?: string;
  details: DetailsMode;
  restart?: boolean;
};

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
      backfillDependencies(runtime),
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
    if (result.outcome === 'interrupted') process.exitCode = EXIT_CODE.interrupted;
    if (result.outcome === 'failed') process.exitCode = 1;
  } finally {
    reporter.stop();
    releaseSignals();
    await runtime.close();
  }
}
