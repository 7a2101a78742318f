// Builds the migrated template database every test file clones (see postgres.ts), once per
// set of migrations: an advisory lock makes concurrent runs wait for one builder, and the
// template is built under a temporary name and renamed, so nobody clones a half-migrated one.
import postgres from 'postgres';
import { openDatabase } from '../../src/db/connection.js';
import { ADMIN_URL, TEMPLATE_DB, TEMPLATE_PREFIX, databaseUrl, dropDatabase } from './postgres.js';

const TEMPLATE_LOCK_KEY = 727_002;

export default async function setup(): Promise<void> {
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
    // When it was built, so a run of another branch (other migrations, another template) drops
    // it only once it is surely unused, not while this run clones it.
    await admin.unsafe(`comment on database "${building}" is 'tokportal-sync test template built ${new Date().toISOString()}'`);
    await admin.unsafe(`alter database "${building}" rename to "${TEMPLATE_DB}"`);
    await dropStaleTemplates(admin);
  } finally {
    await admin`select pg_advisory_unlock(${TEMPLATE_LOCK_KEY})`.catch(() => undefined);
    await admin.end({ timeout: 5 });
  }
}

const STALE_AFTER_MS = 6 * 3_600_000;

/**
 * Templates of other migration sets built over STALE_AFTER_MS ago: several branches test on one
 * server at once, each with its own template, and must not drop each other's mid-run. One still
 * being cloned is left for a later run.
 */
async function dropStaleTemplates(admin: postgres.Sql): Promise<void> {
  const templates = await admin<{ datname: string; comment: string | null }[]>`
    select datname, shobj_description(oid, 'pg_database') as comment from pg_database
    where datname like ${`${TEMPLATE_PREFIX}%`} and datname <> ${TEMPLATE_DB}`;
  const builtAt = (comment: string | null) => Date.parse(/built (\S+)$/.exec(comment ?? '')?.[1] ?? '');
  const stale = templates.filter(({ comment }) => !(Date.now() - builtAt(comment) < STALE_AFTER_MS));
  for (const { datname } of stale) {
    await admin.unsafe(`drop database if exists "${datname}"`).catch(() => undefined);
  }
}
