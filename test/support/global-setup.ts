// Builds the migrated template database every test file clones (see postgres.ts), once per
// set of migrations, before any file starts.
import { ensureTemplate } from './postgres.js';

export default async function setup(): Promise<void> {
  await ensureTemplate();
}
