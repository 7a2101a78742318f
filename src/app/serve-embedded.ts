// While `start` or `demo --keep-running` holds the embedded PGlite, it serves it on PGLITE_PORT
// (127.0.0.1) so psql, `report` and BI tools read the live mirror; the folder's lock file names
// the port, so `report` finds it by itself. A taken port is a warning, not a failure: the sync
// matters more than the window onto it.
import { servePglite, type ServedDatabase } from '../db/pglite-server.js';
import { describeError } from '../lib/fatal-error.js';
import type { Runtime } from './runtime.js';

export type EmbeddedServing = ServedDatabase & { psql: string };

export async function serveEmbeddedDatabase(runtime: Runtime, port = runtime.config.pglitePort): Promise<EmbeddedServing | null> {
  const embedded = runtime.database.embedded;
  if (!embedded || embedded.dir === 'memory://') return null;
  let served: ServedDatabase;
  try {
    served = await servePglite(embedded.client, { port });
  } catch (error) {
    runtime.logger.warn(
      { port, err: describeError(error) },
      `PGLITE_PORT ${port} is not free: the embedded database is not served (set PGLITE_PORT to a free port, 0 for any)`,
    );
    return null;
  }
  embedded.lock?.announcePort(served.port);
  runtime.onClose(async () => {
    embedded.lock?.announcePort(undefined);
    await served.close();
  });
  return { ...served, psql: `psql ${served.url}` };
}
