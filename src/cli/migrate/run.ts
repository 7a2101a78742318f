// What `tokportal-sync migrate` runs: apply the pending migrations of drizzle/ (idempotent;
// several processes at once migrate once) and say which database it touched and what it applied.
import { loadConfig, type Config } from '../../config.js';
import { openDatabase } from '../../db/connection.js';
import { appliedMigrations, shippedMigrations } from '../../db/migrations.js';
import { describeError, FatalError } from '../../lib/fatal-error.js';
import { describeDatabase } from '../../app/read-mirror.js';

export { describeDatabase };

export type MigrateOutcome = { database: string; applied: string[]; total: number };

export async function runMigrate(config: Config): Promise<MigrateOutcome> {
  const database = describeDatabase(config);
  const handle = await openDatabase({ databaseUrl: config.databaseUrl, pgliteDir: config.pgliteDir, maxConnections: 1 }).catch((error: unknown) => {
    throw new FatalError(`Migrating ${database} failed: ${describeError(error)}`);
  });
  try {
    const before = new Set((await appliedMigrations(handle.db)).map((m) => m.tag));
    await handle.migrate();
    const after = await appliedMigrations(handle.db);
    return { database, applied: after.filter((m) => !before.has(m.tag)).map((m) => m.tag), total: after.length };
  } catch (error) {
    // The driver's message names host/database at most; the URL (and its password) is never echoed.
    throw new FatalError(`Migrating ${database} failed: ${describeError(error)}`);
  } finally {
    await handle.close();
  }
}

export function formatMigrateOutcome(outcome: MigrateOutcome): string {
  const lines = [`Database: ${outcome.database}`];
  if (outcome.applied.length === 0) {
    lines.push(`Already up to date (${outcome.total} migration${outcome.total === 1 ? '' : 's'} applied).`);
  } else {
    lines.push(`Applied ${outcome.applied.length} migration${outcome.applied.length === 1 ? '' : 's'}:`);
    lines.push(...outcome.applied.map((tag) => `  ${tag}`));
    lines.push(`Now at ${outcome.total} of ${shippedMigrations().length} shipped migrations.`);
  }
  return lines.join('\n');
}

export async function runMigrateCommand(): Promise<void> {
  const outcome = await runMigrate(loadConfig());
  process.stdout.write(`${formatMigrateOutcome(outcome)}\n`);
}
