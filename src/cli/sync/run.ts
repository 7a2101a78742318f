// What `tokportal-sync sync <bundle_id>` runs: refetch one bundle now, straight from the API
// (no queue), and show what changed in the mirror. Its one call takes a slot of the workers'
// shared rate limit when Redis answers; without Redis it still runs (one call cannot overspend
// the budget in a way that matters), and says so.
import { loadConfig, requireSetting } from '../../config.js';
import { EXIT_CODE, FatalError } from '../../lib/fatal-error.js';
import { createLogger } from '../../lib/logger.js';
import { createRuntime } from '../../app/runtime.js';
import { openSharedRateLimit, type OpenedRateLimit } from '../../app/shared-rate-limit.js';
import { isTokPortalApiError } from '../../tokportal/errors.js';
import { authRejectedMessage } from '../../worker/failure-policy.js';
import { refreshBundle, type BundleRefresh } from '../../worker/sync-bundle.js';

export type SyncCommandOptions = { json?: boolean };

/** A few readable lines for a terminal. */
export function formatRefresh(refresh: BundleRefresh): string {
  switch (refresh.kind) {
    case 'tombstoned':
      return `${refresh.bundleId}: not found in TokPortal (404): ${refresh.changed ? 'marked deleted in the mirror' : 'nothing to mark (not in the mirror, or already marked deleted)'}`;
    case 'not_owned':
      return `${refresh.bundleId}: not owned by this API key (403): ${refresh.changed ? 'flagged not owned in the mirror' : 'nothing to flag (not in the mirror, or already flagged)'}`;
    case 'applied': {
      const { result } = refresh;
      const lines = [`${result.bundleId}: ${describeOutcome(result.outcome)}`];
      if (result.changedFields.length > 0) lines.push(`  changed fields: ${result.changedFields.join(', ')}`);
      if (result.remakeDetected) lines.push('  remake detected: the account was replaced');
      if (result.newHandles.length > 0) lines.push(`  new handles: ${result.newHandles.map((handle) => `@${handle}`).join(', ')}`);
      if (refresh.eventsProcessed > 0) lines.push(`  webhook events marked processed: ${refresh.eventsProcessed}`);
      return lines.join('\n');
    }
  }
}

function describeOutcome(outcome: 'created' | 'changed' | 'unchanged' | 'stale'): string {
  switch (outcome) {
    case 'created':
      return 'created in the mirror';
    case 'changed':
      return 'updated';
    case 'unchanged':
      return 'already up to date';
    case 'stale':
      return 'the mirror already holds a newer state (answer ignored)';
  }
}

export async function runSyncCommand(bundleId: string, options: SyncCommandOptions): Promise<void> {
  const config = loadConfig();
  requireSetting(config, 'apiKey', '`sync` reads the bundle from the TokPortal API');
  // Logs go to stderr so stdout holds only the result (pipe-able with --json).
  const logger = createLogger({ level: config.logLevel, destination: process.stderr });
  let paced: OpenedRateLimit | undefined;
  try {
    paced = await openSharedRateLimit(config, '`sync`');
  } catch (error) {
    if (!(error instanceof FatalError)) throw error;
    process.stderr.write(`note: Redis does not answer: this one call is made outside the workers' shared rate limit\n`);
  }
  const limit = paced?.limit;
  let runtime;
  try {
    runtime = await createRuntime({ config, allowPglite: true, logger, ...(limit ? { beforeApiRequest: () => limit.wait() } : {}) });
  } catch (error) {
    await paced?.close();
    throw error;
  }
  try {
    const refresh = await refreshBundle(
      { db: runtime.db, client: runtime.client(), metrics: runtime.metrics },
      { bundleId, reason: 'manual', sourceRef: 'cli:sync' },
    ).catch((error: unknown) => {
      if (isTokPortalApiError(error) && error.status === 401) {
        throw new FatalError(authRejectedMessage(error), EXIT_CODE.authRejected);
      }
      if (isTokPortalApiError(error)) throw new FatalError(error.message);
      throw error;
    });
    process.stdout.write(`${options.json ? JSON.stringify(refresh, null, 2) : formatRefresh(refresh)}\n`);
  } finally {
    await runtime.close();
    await paced?.close();
  }
}
