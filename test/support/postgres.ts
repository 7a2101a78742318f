// Each test file gets its own database, cloned from a migrated template that the
// global setup builds once per run, so files run in parallel without seeing each other.
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import postgres from 'postgres';
import { MIGRATIONS_FOLDER, openDatabase, type DatabaseHandle } from '../../src/db/connection.js';

// Read when this module loads: in a test worker, after the global setup has set it (test-servers.ts).
export const ADMIN_URL = process.env.TEST_PG_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
export const TEMPLATE_PREFIX = 'tps_tpl_';

/**
 * The template is named after a hash of the migrations, so concurrent test runs (and runs on
 * different branches) share a template when their migrations agree and never rebuild one in use.
 */
export function migrationsFingerprint(): string {
  const hash = createHash('sha256');
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else hash.update(entry.name).update(readFileSync(path));
    }
  };
  walk(MIGRATIONS_FOLDER);
  return hash.digest('hex').slice(0, 12);
}

export const TEMPLATE_DB = process.env.TEST_PG_TEMPLATE ?? `${TEMPLATE_PREFIX}${migrationsFingerprint()}`;

export function databaseUrl(name: string): string {
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  return url.toString();
}

export type TestDatabase = DatabaseHandle & { url: string; name: string; drop(): Promise<void> };

/** A fresh, migrated database for one test file. Call drop() in afterAll. */
export async function createTestDatabase(label = 'file'): Promise<TestDatabase> {
  const name = `tps_${label.replace(/[^a-z0-9]/gi, '').toLowerCase().slice(0, 20)}_${randomBytes(5).toString('hex')}`;
  const admin = postgres(ADMIN_URL, { max: 1, onnotice: () => {} });
  try {
    for (let attempt = 0; ; attempt++) {
      try {
        await admin.unsafe(`create database "${name}" template "${TEMPLATE_DB}"`);
        break;
      } catch (error) {
        // Two files cloning the template in the same instant can collide; try again shortly.
        if (attempt >= 20 || !/being accessed by other users/.test(String(error))) throw error;
        await new Promise((resolve) => setTimeout(resolve, 50 + Math.random() * 200));
      }
    }
  } finally {
    await admin.end({ timeout: 5 });
  }
  const url = databaseUrl(name);
  const handle = await openDatabase({ databaseUrl: url, maxConnections: 10 });
  return {
    ...handle,
    url,
    name,
    async drop() {
      await handle.close();
      await dropDatabase(name);
    },
  };
}

export async function dropDatabase(name: string): Promise<void> {
  const admin = postgres(ADMIN_URL, { max: 1, onnotice: () => {} });
  try {
    await admin.unsafe(`drop database if exists "${name}" with (force)`);
  } finally {
    await admin.end({ timeout: 5 });
  }
}
