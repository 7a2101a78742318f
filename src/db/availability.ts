// Starting while Postgres does not answer (a deploy during a database failover, a stack whose
// database boots slower than the app): which errors mean "not reachable yet, try again", and a
// gate that keeps retrying the start-up migration until it succeeds. The receiver serves behind
// the gate (webhooks 503 + Retry-After until it opens); the worker waits on it before starting.
import type { DatabaseHandle } from './connection.js';

/** postgres.js and Node network error codes that a retry can outlast. */
const TRANSIENT_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
  'ENOTFOUND', // a compose service name that does not resolve until its container exists
  'EPIPE',
  'CONNECT_TIMEOUT',
  'CONNECTION_CLOSED',
  'CONNECTION_ENDED',
  'CONNECTION_DESTROYED',
  '57P01', // admin_shutdown
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now: starting up, shutting down, in recovery
  '53300', // too_many_connections
]);

/**
 * True when the error says Postgres could not be reached or is not accepting connections yet;
 * false for what waiting cannot fix (wrong password, missing database, a failing migration).
 */
export function isDatabaseUnreachable(error: unknown): boolean {
  for (let cause: unknown = error, depth = 0; cause && depth < 5; depth++) {
    const { code, errors } = cause as { code?: unknown; errors?: unknown };
    if (typeof code === 'string' && (TRANSIENT_CODES.has(code) || code.startsWith('08'))) return true;
    // Node reports a refused dual-stack connect as an AggregateError of one error per address.
    if (Array.isArray(errors) && errors.some((inner) => isDatabaseUnreachable(inner))) return true;
    cause = (cause as { cause?: unknown }).cause;
  }
  return false;
}

export type DatabaseGate = {
  /** True once the database answered and its migrations are applied. */
  readonly open: boolean;
  /** Why it is not open yet (for /readyz), or null. */
  reason(): string | null;
  /** Settles when the gate opens; rejects when waiting cannot help (see isDatabaseUnreachable). */
  readonly opened: Promise<void>;
  /** Settles after the first attempt: open, or waiting for Postgres; rejects like `opened`. */
  readonly firstAttempt: Promise<void>;
  /** Stops retrying (shutdown). */
  stop(): void;
};

export type GateOptions = {
  /** Called once, at the first failed attempt. */
  onWaiting?: (error: unknown, retryMs: number) => void;
  /** Called when the gate opens after having waited. */
  onOpen?: (waitedMs: number) => void;
  firstRetryMs?: number;
  maxRetryMs?: number;
};

/** A gate that is open from the start: the database answered when the runtime was created. */
export const OPEN_GATE: DatabaseGate = {
  open: true,
  reason: () => null,
  opened: Promise.resolve(),
  firstAttempt: Promise.resolve(),
  stop: () => {},
};

/**
 * Runs the start-up migration now and, while Postgres is unreachable, again after a growing pause
 * (1 s, 2 s, 4 s ... at most 10 s), so the gate opens within seconds of Postgres answering.
 */
export function migrateWhenReachable(database: DatabaseHandle, options: GateOptions = {}): DatabaseGate {
  const firstRetryMs = options.firstRetryMs ?? 1_000;
  const maxRetryMs = options.maxRetryMs ?? 10_000;
  let open = false;
  let stopped = false;
  let lastError: string | null = 'not checked yet';
  let timer: NodeJS.Timeout | undefined;
  let wake: (() => void) | undefined;
  const started = Date.now();
  let firstResolve!: () => void;
  let firstReject!: (error: unknown) => void;
  const firstAttempt = new Promise<void>((resolve, reject) => {
    firstResolve = resolve;
    firstReject = reject;
  });
  // Nobody may await it (the worker awaits `opened`): no unhandled rejection either way.
  firstAttempt.catch(() => {});

  const opened = (async () => {
    for (let attempt = 0, retryMs = firstRetryMs; ; attempt++, retryMs = Math.min(maxRetryMs, retryMs * 2)) {
      try {
        await database.migrate();
        open = true;
        lastError = null;
        if (attempt > 0) options.onOpen?.(Date.now() - started);
        firstResolve();
        return;
      } catch (error) {
        if (!isDatabaseUnreachable(error)) {
          firstReject(error);
          throw error;
        }
        lastError = `Postgres not reachable: ${error instanceof Error ? error.message : String(error)}`;
        if (attempt === 0) options.onWaiting?.(error, retryMs);
        firstResolve();
      }
      if (stopped) throw new Error('stopped while waiting for Postgres');
      await new Promise<void>((resolve) => {
        wake = resolve;
        timer = setTimeout(resolve, retryMs);
      });
      if (stopped) throw new Error('stopped while waiting for Postgres');
    }
  })();
  // A gate nobody awaits (shutdown before Postgres came back) must not be an unhandled rejection.
  opened.catch(() => {});

  return {
    get open() {
      return open;
    },
    reason: () => (open ? null : lastError),
    opened,
    firstAttempt,
    stop() {
      stopped = true;
      clearTimeout(timer);
      wake?.();
    },
  };
}
