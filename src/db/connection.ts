// Opens the mirror: postgres.js with a pool when DATABASE_URL is set, otherwise an
// embedded PGlite under PGLITE_DIR so a single-process `start` needs no database server.
// Both give the same drizzle API, so the repository does not care which one it talks to.
// Read-only commands open it with openMirrorForReading: no migration, no schema, no folder.
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import type { PGlite } from '@electric-sql/pglite';
import { PACKAGE_ROOT } from '../lib/package-root.js';
import { acquirePgliteLock, PgliteBusyError, readLockHolder, type PgliteLock } from './pglite-lock.js';
import { rowsOf } from './result-rows.js';
import * as schema from './schema.js';

export type Schema = typeof schema;
export type Database = PgDatabase<PgQueryResultHKT, Schema>;

export type Unlisten = () => Promise<void>;

export type DatabaseHandle = {
  db: Database;
  kind: 'postgres' | 'pglite';
  /** Applies pending migrations (idempotent, safe to call from several processes at once). */
  migrate(): Promise<void>;
  /** Cheap round trip for readiness checks. */
  ping(): Promise<void>;
  /**
   * LISTEN on a channel. onListening runs each time the LISTEN is (re)established, after it is:
   * a dropped connection is reopened with backoff, so a consumer catches up there and misses
   * nothing between the drop and the new LISTEN.
   */
  listen(channel: string, onNotify: (payload: string) => void, onListening: () => void): Promise<Unlisten>;
  /** The embedded database and its folder lock, for serving it on a port (pglite-server.ts). */
  embedded?: { client: PGlite; dir: string; lock: PgliteLock | null };
  close(): Promise<void>;
};

export type DatabaseOptions = {
  databaseUrl: string | undefined;
  pgliteDir?: string;
  /** Pool size for postgres.js. */
  maxConnections?: number;
  /** Shown in pg_stat_activity (postgres.js only). */
  applicationName?: string;
};

/** Rows of a statement run by executePrepared, as the driver returns them (column names as keys). */
export type StatementRow = Record<string, unknown>;
type PreparedExecutor = (text: string, params: unknown[]) => Promise<StatementRow[]>;
/** How each open handle runs a hot static statement; filled by openDatabase. */
const preparedExecutors = new WeakMap<object, PreparedExecutor>();

/**
 * Runs a fixed statement (text with $1.. placeholders) as a named prepared statement on
 * postgres.js. Drizzle sends every query unprepared, and postgres.js then needs two round trips
 * for a query with parameters (Parse/Describe, wait for the parameter types, then Bind/Execute);
 * a prepared statement is parsed once per connection and costs one round trip (Bind/Execute)
 * afterwards. Only for statements whose text never varies: postgres.js keeps every prepared
 * statement for the connection's life, so a text built per call would grow that cache forever.
 * On PGlite (in process, nothing to save) it is a plain parameterised query.
 */
export async function executePrepared(db: Database, text: string, params: unknown[]): Promise<StatementRow[]> {
  const execute = preparedExecutors.get(db);
  if (!execute) throw new Error('executePrepared: the handle was not opened by openDatabase');
  return execute(text, params);
}

export const MIGRATIONS_FOLDER = join(PACKAGE_ROOT, 'drizzle');
const MIGRATIONS_SCHEMA = 'tokportal_migrations';
// Any constant works; it only has to be the same in every process of the installation.
const MIGRATION_LOCK_KEY = 727_001;
const DEFAULT_PGLITE_DIR = './.data/pglite';

export async function openDatabase(options: DatabaseOptions): Promise<DatabaseHandle> {
  return options.databaseUrl
    ? openPostgres(options.databaseUrl, options.maxConnections ?? 10, { applicationName: options.applicationName })
    : openPglite(options.pgliteDir ?? DEFAULT_PGLITE_DIR, { create: true });
}

/** The database holds no mirror (schema tokportal): a read-only command stops with exit 2. */
export class MirrorMissingError extends Error {
  override name = 'MirrorMissingError';
}

/**
 * Opens an existing mirror for reading and nothing else: no migration, no schema, no folder.
 * Postgres sessions are read-only (default_transaction_read_only), so a read-only role works and
 * nothing can be written by mistake. An embedded folder held by `start` or the demo is read
 * through the port it is served on; held and not served, it is a PgliteBusyError.
 */
export async function openMirrorForReading(options: DatabaseOptions): Promise<DatabaseHandle> {
  let handle: DatabaseHandle;
  if (options.databaseUrl) {
    handle = await openPostgres(options.databaseUrl, options.maxConnections ?? 2, { applicationName: options.applicationName, readOnly: true });
  } else {
    const dir = options.pgliteDir ?? DEFAULT_PGLITE_DIR;
    if (dir !== 'memory://' && !existsSync(join(dir, 'PG_VERSION'))) throw new MirrorMissingError(`no tokportal mirror in embedded PGlite in ${dir}`);
    const holder = dir === 'memory://' ? null : readLockHolder(dir);
    if (holder?.port) {
      // The holder multiplexes one embedded session: session settings would reach the sync itself.
      handle = await openPostgres(`postgres://postgres@127.0.0.1:${holder.port}/postgres`, 1, { applicationName: options.applicationName, sharedSession: true });
    } else if (holder) {
      throw new PgliteBusyError(dir, holder);
    } else {
      handle = await openPglite(dir, { create: false });
    }
  }
  try {
    const [row] = rowsOf(await handle.db.execute(sql`select to_regclass('tokportal.bundles') is not null as present`));
    if (!row?.present) throw new MirrorMissingError('no tokportal mirror');
  } catch (error) {
    await handle.close().catch(() => {});
    throw error;
  }
  return handle;
}


type PostgresOptions = { applicationName?: string | undefined; readOnly?: boolean; sharedSession?: boolean };

async function openPostgres(url: string, max: number, options: PostgresOptions = {}): Promise<DatabaseHandle> {
  const { default: postgres } = await import('postgres');
  const { drizzle } = await import('drizzle-orm/postgres-js');
  const { migrate } = await import('drizzle-orm/postgres-js/migrator');
  // Startup parameters are session settings; on a served PGlite every client shares one session.
  const connection: Record<string, string> = {};
  if (!options.sharedSession && options.applicationName) connection.application_name = options.applicationName;
  if (!options.sharedSession && options.readOnly) connection.default_transaction_read_only = 'on';
  const settings = { onnotice: () => {}, connect_timeout: 10, connection };
  const client = postgres(url, { max, ...settings });
  const db = drizzle(client, { schema }) as unknown as Database;
  preparedExecutors.set(db, async (text, params) => [...(await client.unsafe<StatementRow[]>(text, params as never[], { prepare: true }))]);
  return {
    db,
    kind: 'postgres',
    async migrate() {
      // One connection holds an advisory lock so concurrent starts migrate once.
      const lockClient = postgres(url, { max: 1, onnotice: () => {}, connect_timeout: 10 });
      try {
        await lockClient`select pg_advisory_lock(${MIGRATION_LOCK_KEY})`;
        await migrate(drizzle(lockClient, { schema }), {
          migrationsFolder: MIGRATIONS_FOLDER,
          migrationsSchema: MIGRATIONS_SCHEMA,
        });
      } finally {
        await lockClient.end({ timeout: 5 });
      }
    },
    ping: () => pingDatabase(db),
    async listen(channel, onNotify, onListening) {
      let stopped = false;
      let connecting: Promise<void> | undefined;
      // onnotify is what postgres.js's own listen() uses; its typings leave it out.
      const listenerOptions = {
        ...settings,
        max: 1,
        idle_timeout: 0,
        max_lifetime: null,
        onnotify: (name: string, payload: string) => {
          if (name === channel) onNotify(payload);
        },
        // postgres.js reopens a connection on the next query only: LISTEN again at once.
        onclose: () => {
          if (!stopped) connecting ??= relisten().finally(() => (connecting = undefined));
        },
      } as Parameters<typeof postgres>[1];
      const listener = postgres(url, listenerOptions);
      const statement = `LISTEN "${channel.replace(/"/g, '""')}"`;
      const relisten = async () => {
        for (let delayMs = 100; !stopped; delayMs = Math.min(delayMs * 2, 5_000)) {
          try {
            await listener.unsafe(statement);
            if (!stopped) onListening();
            return;
          } catch {
            await new Promise((resolve) => setTimeout(resolve, delayMs));
          }
        }
      };
      // The first LISTEN fails loudly (wrong URL, no rights); later drops are retried.
      await listener.unsafe(statement);
      onListening();
      return async () => {
        stopped = true;
        await listener.end({ timeout: 1 });
      };
    },
    async close() {
      await client.end({ timeout: 5 });
    },
  };
}

async function openPglite(dir: string, options: { create: boolean }): Promise<DatabaseHandle> {
  const { PGlite } = await import('@electric-sql/pglite');
  const { drizzle } = await import('drizzle-orm/pglite');
  const { migrate } = await import('drizzle-orm/pglite/migrator');
  const inMemory = dir === 'memory://';
  if (!inMemory && options.create) mkdirSync(dir, { recursive: true });
  const lock = inMemory ? null : acquirePgliteLock(dir);
  let client: PGlite;
  try {
    client = new PGlite(dir);
    await client.waitReady;
  } catch (error) {
    lock?.release();
    throw error;
  }
  const db = drizzle(client, { schema }) as unknown as Database;
  preparedExecutors.set(db, async (text, params) => (await client.query<StatementRow>(text, params)).rows);
  return {
    db,
    kind: 'pglite',
    embedded: { client, dir, lock },
    async migrate() {
      await migrate(drizzle(client, { schema }), {
        migrationsFolder: MIGRATIONS_FOLDER,
        migrationsSchema: MIGRATIONS_SCHEMA,
      });
    },
    ping: () => pingDatabase(db),
    async listen(channel, onNotify, onListening) {
      // One in-process session: it cannot drop, so there is nothing to re-establish.
      const unsubscribe = await client.listen(channel, onNotify);
      onListening();
      return unsubscribe;
    },
    async close() {
      try {
        await client.close();
      } finally {
        lock?.release();
      }
    },
  };
}

/** One round trip to the database (readiness probes). */
export async function pingDatabase(db: Database): Promise<void> {
  await db.execute(sql`select 1`);
}
