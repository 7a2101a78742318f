// The two databases the mirror runs on: a real Postgres (per-file clone of the migrated
// template) and an in-memory PGlite migrated from the same drizzle/ folder. Repository
// suites run against both with describe.each(DATABASE_BACKENDS).
import { openDatabase, type Database } from '../../src/db/connection.js';
import { createTestDatabase } from './postgres.js';

export type OpenedBackend = { db: Database; kind: 'postgres' | 'pglite'; close(): Promise<void> };

export const DATABASE_BACKENDS = [
  {
    name: 'postgres',
    async open(label: string): Promise<OpenedBackend> {
      const database = await createTestDatabase(label);
      return { db: database.db, kind: 'postgres', close: () => database.drop() };
    },
  },
  {
    name: 'pglite',
    async open(): Promise<OpenedBackend> {
      const handle = await openDatabase({ databaseUrl: undefined, pgliteDir: 'memory://' });
      await handle.migrate();
      return { db: handle.db, kind: 'pglite', close: () => handle.close() };
    },
  },
] as const;
