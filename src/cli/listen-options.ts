// The listen options of the long-running commands (receiver, start): the public port and the
// admin listener's port, each overriding its setting.
import type { Command } from 'commander';
import type { ReceiverListen } from '../app/start-receiver.js';
import { listenPort } from './option-parsers.js';

export type ListenOptions = { port?: number; host?: string; adminPort?: number; adminHost?: string };

export function addListenOptions(command: Command): Command {
  return command
    .option('--port <port>', 'public port: POST /webhooks/tokportal, /healthz, /readyz (default PORT)', listenPort)
    .option('--host <host>', 'public address (default HOST)')
    .option(
      '--admin-port <port>',
      'admin listener port: /metrics, /healthz, /readyz and (with ADMIN_TOKEN) /admin/queues (default ADMIN_PORT; 0 picks a free one)',
      listenPort,
    )
    .option('--admin-host <host>', 'admin listener address (default ADMIN_HOST, 127.0.0.1)');
}

export function receiverListen(options: ListenOptions): ReceiverListen {
  return {
    ...(options.port === undefined ? {} : { port: options.port }),
    ...(options.host === undefined ? {} : { host: options.host }),
    admin: {
      ...(options.adminPort === undefined ? {} : { port: options.adminPort }),
      ...(options.adminHost === undefined ? {} : { host: options.adminHost }),
    },
  };
}
