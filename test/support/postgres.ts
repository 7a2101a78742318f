// Each test file gets its own database, cloned from a migrated template that the
// global setup builds once per set of migrations, so files run in parallel without seeing
// each other. Several checkouts share one Postgres: each set of migrations has its own template,
// one a run finds missing (another checkout's run cleaned it up) is built again on the spot.
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import postgres from 'postgres';
import { MIGRATIONS_FOLDER, openDatabase, type DatabaseHandle } from '../../src/db/connection.js';

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
        if (attempt >= 20) throw error;
        if (/template database .* does not exist/.test(String(error))) await ensureTemplate();
        // Two files cloning the template in the same instant can collide; try again shortly.
        else if (!/being accessed by other users/.test(String(error))) throw error;
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

const TEMPLATE_LOCK_KEY = 727_002;
/** Templates of other migration sets untouched this long are left over, not in use elsewhere. */
const STALE_TEMPLATE_MS = 24 * 60 * 60_000;
const BUILT_AT = /^tokportal-sync test template, built (\S+)$/;

/**
 * Builds the migrated template of this set of migrations unless it exists: under an advisory
 * lock, so concurrent runs wait for one builder, and under a temporary name then renamed, so
 * nobody clones a half-migrated one. Also drops the templates of other migration sets built
 * more than a day ago (another checkout may be cloning a younger one right now).
 */
export async function ensureTemplate(): Promise<void> {
  const admin = postgres(ADMIN_URL, { max: 1, onnotice: () => {} });
  try {
    await admin`select pg_advisory_lock(${TEMPLATE_LOCK_KEY})`;
    const [existing] = await admin`select 1 from pg_database where datname = ${TEMPLATE_DB}`;
    if (existing) return;
    const building = `${TEMPLATE_DB}_building`;
    await dropDatabase(building);
    await admin.unsafe(`create database "${building}"`);
    const handle = await openDatabase({ databaseUrl: databaseUrl(building), maxConnections: 1 });
    try {
      await handle.migrate();
    } finally {
      await handle.close();
    }
    await admin.unsafe(`alter database "${building}" rename to "${TEMPLATE_DB}"`);
    await admin.unsafe(`comment on database "${TEMPLATE_DB}" is 'tokportal-sync test template, built ${new Date().toISOString()}'`);
    await dropStaleTemplates(admin);
  } finally {
    await admin`select pg_advisory_unlock(${TEMPLATE_LOCK_KEY})`.catch(() => undefined);
    await admin.end({ timeout: 5 });
  }
}

async function dropStaleTemplates(admin: postgres.Sql): Promise<void> {
  const others = await admin<{ datname: string; comment: string | null }[]>`
    select datname, shobj_description(oid, 'pg_database') as comment from pg_database
    where datname like ${`${TEMPLATE_PREFIX}%`} and datname <> ${TEMPLATE_DB}`;
  for (const { datname, comment } of others) {
    const builtAt = Date.parse(BUILT_AT.exec(comment ?? '')?.[1] ?? '');
    if (!(Date.now() - builtAt > STALE_TEMPLATE_MS)) continue;
    // Without force: a template being cloned right now stays for a later run.
    await admin.unsafe(`drop database if exists "${datname}"`).catch(() => undefined);
  }
}
