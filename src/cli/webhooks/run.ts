// What the `tokportal-sync webhooks ...` subcommands run, against the TokPortal webhook API
// (and, for `test`, the inbox).
import { loadConfig, requireSetting, type Config } from '../../config.js';
import { openMirrorReadOnly } from '../../app/read-mirror.js';
import { readLockHolder } from '../../db/pglite-lock.js';
import { findInboxEvent } from '../../db/inbox-reads.js';
import type { WebhookEventRow } from '../../db/schema.js';
import { formatTable, type Cell } from '../../format/table.js';
import { EXIT_CODE, FatalError } from '../../lib/fatal-error.js';
import { KNOWN_EVENT_TYPES, isKnownEventType } from '../../tokportal/schemas.js';
import { TokPortalClient, TokPortalApiError } from '../../tokportal/client.js';
import type { WebhookEndpoint } from '../../tokportal/webhook-endpoints.js';
import { recoverFailedDeliveries, type RetryOutcome } from '../../tokportal/webhook-recovery.js';
import { WEBHOOK_PATH } from '../../receiver/webhook-path.js';

export type RegisterOptions = { url: string; events?: string; description: string };

export type ListOptions = { json?: boolean };

export type TestOptions = { wait: string };

export type RecoverOptions = { since?: string; dryRun?: boolean };

const out = (line = '') => process.stdout.write(`${line}\n`);
const warn = (line: string) => process.stderr.write(`${line}\n`);

/** An API failure is one line for the operator, with what to check, and a distinct exit code for a rejected key. */
function withApiErrors<A extends unknown[]>(action: (...args: A) => Promise<void>): (...args: A) => Promise<void> {
  return async (...args: A) => {
    try {
      await action(...args);
    } catch (error) {
      if (!(error instanceof TokPortalApiError)) throw error;
      const hint =
        error.status === 401
          ? ' (check TOKPORTAL_API_KEY)'
          : error.status === 404
            ? ' (see `tokportal-sync webhooks list`)'
            : error.retryable
              ? ' (transient: try again shortly)'
              : '';
      throw new FatalError(`${error.message}${hint}`, error.status === 401 ? EXIT_CODE.authRejected : EXIT_CODE.failure);
    }
  };
}

function apiClient(config: Config): TokPortalClient {
  return new TokPortalClient({
    baseUrl: config.baseUrl,
    apiKey: requireSetting(config, 'apiKey', 'the webhooks commands call the TokPortal API'),
    timeoutMs: config.requestTimeoutMs,
  });
}

async function register(options: RegisterOptions): Promise<void> {
  const config = loadConfig();
  const client = apiClient(config);
  const url = parseReceiverUrl(options.url);
  let events: string[];
  if (options.events === undefined) {
    // The catalog, not our own list: a type TokPortal added since this release is subscribed too.
    events = (await client.webhooks.listEventTypes()).events.map((entry) => entry.type);
  } else {
    events = options.events.split(',').map((type) => type.trim()).filter(Boolean);
    if (events.length === 0) throw new FatalError('--events lists no event type');
    const unknown = events.filter((type) => !isKnownEventType(type));
    if (unknown.length > 0) warn(`note: not a known event type, sent anyway: ${unknown.join(', ')}`);
  }
  const endpoint = await client.webhooks.create({ url, events, description: options.description, enabled: true });
  out(`Registered webhook endpoint ${endpoint.id} -> ${endpoint.url}`);
  out(`Events (${endpoint.events.length}): ${summarizeEvents(endpoint.events)}`);
  out();
  out('Signing secret (shown this once; TokPortal will not show it again):');
  out(`  ${endpoint.signing_secret}`);
  out();
  out('Give it to the receiver:');
  out(`  TOKPORTAL_WEBHOOK_SECRETS=${endpoint.signing_secret}`);
  out('Rotating from an older endpoint? List both, new first, until the old one has no deliveries left:');
  out(`  TOKPORTAL_WEBHOOK_SECRETS=${endpoint.signing_secret},<old secret>`);
  out('then drop the old secret and run `tokportal-sync webhooks delete <old id>`.');
  out(`Check the whole path with: tokportal-sync webhooks test ${endpoint.id}`);
}

function parseReceiverUrl(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new FatalError(`--url is not a URL: ${text}`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new FatalError('--url must be an http(s) URL');
  if (url.protocol === 'http:') warn('note: TokPortal expects an https URL for a public endpoint');
  if (url.pathname !== WEBHOOK_PATH) warn(`note: the receiver listens on ${WEBHOOK_PATH}; this URL's path is ${url.pathname}`);
  return url.toString();
}

function summarizeEvents(events: readonly string[]): string {
  if (events.length === KNOWN_EVENT_TYPES.length && KNOWN_EVENT_TYPES.every((type) => events.includes(type))) {
    return 'every known type';
  }
  return events.length <= 8 ? events.join(', ') : `${events.slice(0, 8).join(', ')}, ...`;
}

async function list(options: ListOptions): Promise<void> {
  const endpoints = await apiClient(loadConfig()).webhooks.list();
  if (options.json) {
    out(JSON.stringify(endpoints, null, 2));
    return;
  }
  if (endpoints.length === 0) {
    out('No webhook endpoints. Create one with: tokportal-sync webhooks register --url https://<host>/webhooks/tokportal');
    return;
  }
  printTable(
    ['ID', 'ENABLED', 'EVENTS', 'URL', 'DESCRIPTION'],
    endpoints.map((endpoint: WebhookEndpoint) => [
      endpoint.id,
      endpoint.enabled ? 'yes' : 'no',
      endpoint.events.length,
      endpoint.url,
      endpoint.description ?? '',
    ]),
  );
}

async function test(id: string, options: TestOptions): Promise<void> {
  const config = loadConfig();
  const waitSeconds = Number(options.wait);
  if (!Number.isFinite(waitSeconds) || waitSeconds < 0) throw new FatalError('--wait expects a number of seconds');
  const startedAt = new Date();
  const answer = await apiClient(config).webhooks.test(id);
  const eventId = findEventId(answer);
  out(`Sent webhook.test to endpoint ${id}${eventId ? ` (event ${eventId})` : ''}`);
  const delivered = answer['success'];
  const status = answer['status_code'];
  if (typeof delivered === 'boolean') {
    out(`TokPortal reports the delivery ${delivered ? 'succeeded' : 'FAILED'}${typeof status === 'number' ? ` (HTTP ${status})` : ''}`);
  }
  if (!config.databaseUrl && !readLockHolder(config.pgliteDir)?.port) {
    // The embedded PGlite belongs to the running `start` process, readable only through the port it serves it on.
    out('DATABASE_URL is not set and no running start serves the embedded database: skipping the inbox check (look for the event in the receiver logs).');
    return;
  }
  const row = await waitForInboxRow(config, eventId, startedAt, waitSeconds * 1000);
  if (!row) {
    throw new FatalError(
      `the event is not in tokportal.webhook_events after ${waitSeconds}s: check that TokPortal reaches the receiver at the endpoint's URL and that TOKPORTAL_WEBHOOK_SECRETS holds this endpoint's secret`,
    );
  }
  out('Inbox row (tokportal.webhook_events):');
  printTable(
    ['FIELD', 'VALUE'],
    [
      ['event_id', row.eventId],
      ['type', row.type],
      ['status', row.statusReason ? `${row.status} (${row.statusReason})` : row.status],
      ['received_at', row.receivedAt.toISOString()],
      ['deliveries', String(row.deliveries)],
    ],
  );
}

/** The answer's shape is not documented: look where TokPortal-like APIs put the event id. */
export function findEventId(answer: Record<string, unknown>): string | null {
  const nested = (key: string) => {
    const value = answer[key];
    return value !== null && typeof value === 'object' ? (value as Record<string, unknown>) : {};
  };
  for (const candidate of [answer['event_id'], nested('event')['id'], nested('delivery')['event_id']]) {
    if (typeof candidate === 'string' && candidate.length > 0) return candidate;
  }
  return null;
}

async function waitForInboxRow(
  config: Config,
  eventId: string | null,
  startedAt: Date,
  waitMs: number,
): Promise<WebhookEventRow | null> {
  // Read-only, like report: never migrates or creates anything where it looks.
  const database = await openMirrorReadOnly(config, 'tokportal-sync webhooks test');
  try {
    // Without an event id, take the newest test event since the command started (a minute of clock skew allowed).
    const lookup = eventId ? { eventId } : { type: 'webhook.test', receivedSince: new Date(startedAt.getTime() - 60_000) };
    const deadline = Date.now() + waitMs;
    for (;;) {
      const row = await findInboxEvent(database.db, lookup);
      if (row) return row;
      if (Date.now() >= deadline) return null;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  } catch (error) {
    throw new FatalError(`cannot read the inbox: ${error instanceof Error ? error.message : String(error)}`);
  } finally {
    await database.close();
  }
}

async function recover(id: string, options: RecoverOptions): Promise<void> {
  const config = loadConfig();
  let since: Date | undefined;
  if (options.since !== undefined) {
    since = new Date(options.since);
    if (Number.isNaN(since.getTime())) throw new FatalError(`--since is not an ISO 8601 time: ${options.since}`);
  }
  out(
    `Listing failed deliveries of ${id}${since ? ` since ${since.toISOString()}` : ''}, at most ${config.rateLimitPerMin} API calls/min...`,
  );
  const summary = await recoverFailedDeliveries(apiClient(config), {
    endpointId: id,
    since,
    ratePerMin: config.rateLimitPerMin,
    dryRun: options.dryRun,
    onRetry: (outcome) => out(describeRetry(outcome)),
  });
  out(
    `Failed deliveries: ${summary.failedDeliveries} (${summary.events} events, ${summary.duplicatesSkipped} older attempts skipped)`,
  );
  if (options.dryRun) {
    out(`Dry run: would re-send ${summary.events}.`);
    return;
  }
  out(
    `Re-sent: ${summary.retried}, retry calls failed: ${summary.retryCallsFailed}, reported undelivered again: ${summary.deliveredAgainFailed}`,
  );
  out(
    `API calls: ${summary.apiCalls}, 429 waits: ${summary.rateLimitedWaits}, took ${(summary.durationMs / 1000).toFixed(1)}s`,
  );
  if (summary.retryCallsFailed > 0 || summary.deliveredAgainFailed > 0) process.exitCode = EXIT_CODE.failure;
}

function describeRetry(outcome: RetryOutcome): string {
  const label = [outcome.delivery.event_id, outcome.delivery.event_type].filter(Boolean).join(' ');
  const what = label ? `${outcome.delivery.id} (${label})` : outcome.delivery.id;
  if (outcome.result === 'failed') return `  retry ${what}: call failed: ${outcome.error}`;
  if (outcome.delivered === false) return `  retry ${what}: sent, delivery failed again${outcome.statusCode ? ` (HTTP ${outcome.statusCode})` : ''}`;
  return `  retry ${what}: sent${outcome.statusCode ? ` (HTTP ${outcome.statusCode})` : ''}`;
}

async function remove(id: string): Promise<void> {
  await apiClient(loadConfig()).webhooks.delete(id);
  out(`Deleted webhook endpoint ${id}.`);
}

/** Whole cells: an operator copies endpoint URLs and event ids from here. */
function printTable(header: string[], rows: Cell[][]): void {
  out(formatTable(header, rows, { maxCellWidth: Number.POSITIVE_INFINITY }));
}

/** The subcommands as webhooks.ts calls them, each with its API failures turned into one line. */
export const webhookSubcommands = {
  register: withApiErrors(register),
  list: withApiErrors(list),
  test: withApiErrors(test),
  recover: withApiErrors(recover),
  delete: withApiErrors(remove),
};
