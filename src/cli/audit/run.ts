// What `tokportal-sync audit` runs: pick the bundles, queue one audit-bundle job each (the shared
// rate limiter paces them; a worker of its own works them, and running workers help), print the
// differences, exit 1 when any.
import { assertRedisReachable, createRuntime } from '../../app/runtime.js';
import { startWorker } from '../../app/start-worker.js';
import { loadConfig, requireSetting } from '../../config.js';
import { pickBundlesToAudit } from '../../db/verification.js';
import { auditJson, differingCount, formatAudit } from '../../format/audit.js';
import { EXIT_CODE } from '../../lib/fatal-error.js';
import { createLogger } from '../../lib/logger.js';
import { runAudit } from '../../worker/audit.js';
/** Bundles an audit without --sample or --all checks (the help text of command.ts says the same). */
const DEFAULT_AUDIT_SAMPLE = 50;

export type AuditCommandOptions = { sample?: number; all?: boolean; json?: boolean };

export async function runAuditCommand(options: AuditCommandOptions): Promise<void> {
  const config = loadConfig();
  requireSetting(config, 'apiKey', '`audit` reads bundles from the TokPortal API');
  await assertRedisReachable(config.redisUrl);
  // Logs on stderr: stdout holds only the result (pipe-able with --json).
  const logger = createLogger({ level: config.logLevel === 'info' ? 'warn' : config.logLevel, destination: process.stderr });
  // No migration: audit reads and repairs an existing mirror, it never creates or changes its schema.
  const runtime = await createRuntime({ config, allowPglite: true, logger, migrate: false });
  try {
    const bundleIds = await pickBundlesToAudit(runtime.db, options.all ? 'all' : (options.sample ?? DEFAULT_AUDIT_SAMPLE));
    if (!options.json) process.stderr.write(`Auditing ${bundleIds.length} bundle(s) against the API (one call each, within ${config.rateLimitPerMin}/min shared)\n`);
    let lastShown = 0;
    const result = await runAudit(
      { queue: runtime.queue(), eventsConnection: runtime.redis('worker'), prefix: config.queuePrefix, startWorker: () => startWorker(runtime) },
      bundleIds,
      (done, total) => {
        if (options.json || done === total || Date.now() - lastShown < 2_000) return;
        lastShown = Date.now();
        process.stderr.write(`  ${done}/${total} checked\n`);
      },
    );
    if (result.stop) throw result.stop.error;
    process.stdout.write(`${options.json ? JSON.stringify(auditJson(result), null, 2) : formatAudit(result)}\n`);
    if (differingCount(result) > 0 || result.failed.length > 0) process.exitCode = EXIT_CODE.failure;
  } finally {
    await runtime.close();
  }
}
