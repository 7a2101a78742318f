// Which migrations of drizzle/ a database has, for `tokportal-sync migrate` to say what it did.
// drizzle's migrator records each applied migration by its journal timestamp (created_at).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { MIGRATIONS_FOLDER, type Database } from './connection.js';
import { rowsOf } from './result-rows.js';

export type Migration = { tag: string; when: number };

/** Every migration shipped in drizzle/, in order. */
export function shippedMigrations(folder = MIGRATIONS_FOLDER): Migration[] {
  const journal = JSON.parse(readFileSync(join(folder, 'meta', '_journal.json'), 'utf8')) as {
    entries: { tag: string; when: number }[];
  };
  return journal.entries.map(({ tag, when }) => ({ tag, when }));
}

/** The shipped migrations this database has applied (none before the first migrate). */
export async function appliedMigrations(db: Database, folder = MIGRATIONS_FOLDER): Promise<Migration[]> {
  const [table] = rowsOf(await db.execute(sql`select to_regclass('tokportal_migrations.__drizzle_migrations')::text as name`));
  if (!table?.name) return [];
  const rows = rowsOf(await db.execute(sql`select created_at from tokportal_migrations.__drizzle_migrations`));
  const applied = new Set(rows.map((row) => Number(row.created_at)));
  return shippedMigrations(folder).filter((migration) => applied.has(migration.when));
}
