// Builds the migrated template database every test file clones (see postgres.ts).
import postgres from 'postgres';
import { openDatabase } from '../../src/db/connection.js';
import { ADMIN_URL, TEMPLATE_DB, databaseUrl, dropDatabase } from './postgres.js';

export default async function setup(): Promise<void> {
  await dropDatabase(TEMPLATE_DB);
  const admin = postgres(ADMIN_URL, { max: 1, onnotice: () => {} });
  try {
    await admin.unsafe(`create database "${TEMPLATE_DB}"`);
  } finally {
    await admin.end({ timeout: 5 });
  }
  const handle = await openDatabase({ databaseUrl: databaseUrl(TEMPLATE_DB), maxConnections: 1 });
  try {
    await handle.migrate();
  } finally {
    await handle.close();
  }
}
