// How read-only commands (`report`, `changes`) open the mirror: never migrating, never creating a
// schema or a folder, and failing with one line when there is nothing to read.
import type { Config } from '../config.js';
import { MirrorMissingError, openMirrorForReading, type DatabaseHandle } from '../db/connection.js';
import { PgliteBusyError } from '../db/pglite-lock.js';
import { describeError, EXIT_CODE, FatalError } from '../lib/fatal-error.js';

/** Where the mirror lives, without credentials: host, port and database name only. */
export function describeDatabase(config: Pick<Config, 'databaseUrl' | 'pgliteDir'>): string {
  if (!config.databaseUrl) return `embedded PGlite in ${config.pgliteDir}`;
  try {
    const url = new URL(config.databaseUrl);
    return `PostgreSQL ${url.hostname}:${url.port || '5432'}/${decodeURIComponent(url.pathname.slice(1)) || '(default database)'}`;
  } catch {
    return 'PostgreSQL (unparseable DATABASE_URL)';
  }
}

export async function openMirrorReadOnly(
  config: Pick<Config, 'databaseUrl' | 'pgliteDir'>,
  applicationName: string,
): Promise<DatabaseHandle> {
  const database = describeDatabase(config);
  try {
    return await openMirrorForReading({ databaseUrl: config.databaseUrl, pgliteDir: config.pgliteDir, applicationName });
  } catch (error) {
    if (error instanceof MirrorMissingError) {
      throw new FatalError(`no tokportal mirror in ${database}: run migrate or start first`, EXIT_CODE.config);
    }
    if (error instanceof PgliteBusyError) {
      throw new FatalError(
        `${error.message}, not on a port: set PGLITE_PORT for it (default 5433) and restart it, or stop it first`,
        EXIT_CODE.failure,
      );
    }
    // The driver's message names host/database at most; the URL (and its password) is never echoed.
    throw new FatalError(`Reading ${database} failed: ${describeError(error)}`);
  }
}

/** A query on a relation this version added, against a mirror migrated by an older one. */
export function explainMissingRelation(error: unknown, config: Pick<Config, 'databaseUrl' | 'pgliteDir'>): FatalError | null {
  const code = (error as { code?: unknown; cause?: { code?: unknown } }).code ?? (error as { cause?: { code?: unknown } }).cause?.code;
  if (code !== '42P01' && code !== '42883') return null;
  return new FatalError(
    `the mirror in ${describeDatabase(config)} predates this version of tokportal-sync (${describeError((error as { cause?: unknown }).cause ?? error)}): run migrate`,
    EXIT_CODE.config,
  );
}
