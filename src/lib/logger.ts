// Structured JSON logs (pino), pretty on a terminal. Secrets are redacted by path so a
// careless `log.info({ headers })` cannot leak the API key or a webhook signature.
import { pino, type Logger, type LoggerOptions } from 'pino';

export type { Logger };

export const REDACTED_PATHS = [
  'apiKey',
  'secret',
  'secrets',
  'signingSecret',
  'signing_secret',
  'webhookSecrets',
  'adminToken',
  'password',
  'authorization',
  '*.apiKey',
  '*.secret',
  '*.secrets',
  '*.signingSecret',
  '*.signing_secret',
  '*.webhookSecrets',
  '*.adminToken',
  '*.password',
  '*.authorization',
  'headers["x-api-key"]',
  'headers["tokportal-signature"]',
  'headers.authorization',
  '*.headers["x-api-key"]',
  '*.headers["tokportal-signature"]',
  '*.headers.authorization',
  'config.apiKey',
  'config.webhookSecrets',
  'config.adminToken',
  'config.databaseUrl',
];

export type LoggerSettings = {
  level?: LoggerOptions['level'];
  /** Force pretty or JSON output; by default pretty only when stdout is a terminal. */
  pretty?: boolean;
  destination?: NodeJS.WritableStream;
};

export function createLogger(settings: LoggerSettings = {}): Logger {
  const options: LoggerOptions = {
    level: settings.level ?? 'info',
    base: { service: 'tokportal-sync' },
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
  };
  const pretty = settings.pretty ?? (process.stdout.isTTY === true && settings.destination === undefined);
  if (pretty) {
    return pino({ ...options, transport: { target: 'pino-pretty', options: { colorize: true } } });
  }
  return settings.destination ? pino(options, settings.destination as never) : pino(options);
}

/** A logger that writes nothing: the default for library code and tests. */
export const silentLogger: Logger = pino({ level: 'silent' });
