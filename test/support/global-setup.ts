// Once per `npm test`: make sure Postgres and Redis answer (private ones started when nothing does,
// see test-servers.ts), then build the migrated template database every test file clones (see
// postgres.ts), once per set of migrations, before any file starts.
import { MissingBinaryError } from '../../src/lib/local-servers.js';
import { ensureTestServers } from './test-servers.js';

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
    // Imported only now: postgres.ts reads TEST_PG_ADMIN_URL when it loads, which ensureTestServers may have set.
    const { ensureTemplate } = await import('./postgres.js');
    await ensureTemplate();
  } catch (error) {
    await servers.stop();
    throw error;
  }
  return () => servers.stop();
}
