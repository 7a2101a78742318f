// The admin listener of a process (src/http/admin-listener.ts) on a runtime: where it binds, and
// a listen failure as one line that says which setting to change.
import type { Redis } from 'ioredis';
import { startAdminListener, type AdminListener } from '../http/admin-listener.js';
import { FatalError } from '../lib/fatal-error.js';
import type { SyncQueue } from '../queue/sync-queue.js';
import type { Runtime } from './runtime.js';

/** Where to bind the admin listener (default ADMIN_PORT / ADMIN_HOST), or false for none. */
export type AdminListen = { port?: number; host?: string } | false;

export async function startAdmin(
  runtime: Runtime,
  listen: { port?: number; host?: string },
  parts: { queue: SyncQueue; redis: Redis },
): Promise<AdminListener> {
  const { config } = runtime;
  const port = listen.port ?? config.adminPort;
  const host = listen.host ?? config.adminHost;
  try {
    const admin = await startAdminListener({
      metrics: runtime.metrics,
      queues: [parts.queue],
      adminToken: config.adminToken,
      db: runtime.db,
      redis: parts.redis,
      port,
      host,
      ready: () => runtime.databaseGate.reason(),
    });
    runtime.logger.info(
      { url: admin.url, metrics: `${admin.url}/metrics`, dashboard: config.adminToken ? `${admin.url}/admin/queues` : 'off (set ADMIN_TOKEN)' },
      'admin listener ready',
    );
    return admin;
  } catch (error) {
    throw listenError(error, port, host, 'ADMIN_PORT', '--admin-port');
  }
}

/** EADDRINUSE and friends as one actionable line naming the setting and the option. */
export function listenError(error: unknown, port: number, host: string, setting: string, option: string): unknown {
  const code = (error as { code?: unknown }).code;
  if (code === 'EADDRINUSE') {
    return new FatalError(
      `Port ${port} on ${host} is already in use (${setting}; another receiver or worker on this host?): set ${setting} or pass ${option} (0 picks a free port)`,
    );
  }
  if (code === 'EACCES') return new FatalError(`Not allowed to listen on port ${port} (${setting}): use a port above 1024`);
  if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND') return new FatalError(`Cannot listen on ${host} (${setting.replace('PORT', 'HOST')}): no such local address`);
  return error;
}
