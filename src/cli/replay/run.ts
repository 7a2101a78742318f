// What `tokportal-sync replay` runs: enqueue one sync per bundle of the matching stored events
// and, with --failed, fresh syncs for the queue's failed jobs.
import { loadConfig } from '../../config.js';
import { assertRedisReachable, createRuntime } from '../../app/runtime.js';
import { enqueueReplay, planEventReplay, planFailedRetry, retryFailedSyncJobs } from '../../worker/replay.js';

export type ReplayCommandOptions = { since?: Date; type?: string; failed?: boolean; dryRun?: boolean };

export async function runReplayCommand(options: ReplayCommandOptions): Promise<void> {
  const config = loadConfig();
  await assertRedisReachable(config.redisUrl);
  const runtime = await createRuntime({ config, allowPglite: true });
  try {
    const queue = runtime.queue();
    const verb = options.dryRun ? 'would enqueue' : 'enqueued';
    const filter = { ...(options.since ? { since: options.since } : {}), ...(options.type ? { type: options.type } : {}) };
    const plan = await planEventReplay(runtime.db, filter);
    if (!options.dryRun) await enqueueReplay(queue, plan.bundles);
    const lines = [
      `events: ${plan.events} matching, ${verb} ${plan.bundles.length} bundle syncs` +
        (plan.withoutBundle > 0 ? ` (${plan.withoutBundle} events name no bundle: skipped)` : ''),
    ];
    if (options.failed) {
      const failed = await planFailedRetry(queue, options.since);
      const removed = options.dryRun ? 0 : await retryFailedSyncJobs(queue, failed);
      lines.push(
        `failed jobs: ${failed.syncJobs.length} sync jobs for ${failed.bundleIds.length} bundles, ${verb} ${failed.bundleIds.length} fresh syncs` +
          (options.dryRun ? '' : `, ${removed} failed jobs cleared`),
      );
      if (failed.listPageJobs > 0) {
        lines.push(`  ${failed.listPageJobs} failed list-page jobs: run \`tokportal-sync backfill\` with the same options to resume their run`);
      }
    }
    process.stdout.write(`${lines.join('\n')}\n`);
  } finally {
    await runtime.close();
  }
}
