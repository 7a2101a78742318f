// Once per `npm test`: make sure Postgres and Redis answer (private ones started when nothing does,
// see test-servers.ts), then build the migrated template database every test file clones (see
// postgres.ts), once per set of migrations: an advisory lock makes concurrent runs wait for one
// builder, and the template is built under a temporary name and renamed, so nobody clones a
// half-migrated one.
import { MissingBinaryError } from '../../src/lib/local-servers.js';
import { ensureTestServers } from './test-servers.js';

const TEMPLATE_LOCK_KEY = 727_002;

export default async function setup(): Promise<() => Promise<void>> {
  let servers: Awaited<ReturnType<typeof ensureTestServers>>;
  try {
    servers = await ensureTestServers();
  } catch (error) {
    if (!(error instanceof MissingBinaryError)) throw error;
    // One line saying what to install, not a stack trace.
    process.stderr.write(`npm test: nothing answers on the Postgres or Redis the suite uses, and ${error.message}\n`);
    process.exit(1);
  }
  try {
    // Imported only now: postgres.ts reads TEST_PG_ADMIN_URL when it loads.
    await buildTemplate();
  } catch (error) {
    await servers.stop();
    throw error;
  }
  return () => servers.stop();
}

async function buildTemplate(): Promise<void> {
  const { default: postgres } = await import('postgres');
  const { openDatabase } = await import('../../src/db/connection.js');
  const { ADMIN_URL, TEMPLATE_DB, TEMPLATE_PREFIX, databaseUrl, dropDatabase } = await import('./postgres.js');
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
    // Templates of older migration sets; one still being cloned is left for a later run.
    const stale = await admin<{ datname: string }[]>`
      select datname from pg_database
      where datname like ${`${TEMPLATE_PREFIX}%`} and datname <> ${TEMPLATE_DB}`;
    for (const { datname } of stale) {
      await admin.unsafe(`drop database if exists "${datname}"`).catch(() => undefined);
    }
  } finally {
    await admin`select pg_advisory_unlock(${TEMPLATE_LOCK_KEY})`.catch(() => undefined);
    await admin.end({ timeout: 5 });
  }
}
