// How a command fails on purpose: one line on stderr (no stack trace) and a distinct exit code.
// Kept apart from runtime.ts and config.ts (which load the database, Redis and queue clients, and
// the settings validator) so the CLI's command definitions can use these without loading any of that.

/** A setting is missing or malformed; the message is one line fit for a terminal (cli.ts exits 2). */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** A condition the user must fix (Redis down, key rejected): one line on stderr, a distinct exit code. */
export class FatalError extends Error {
  override name = 'FatalError';
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

/** 130 = interrupted by Ctrl-C, as shells report it; an interrupted backfill resumes on the next run. */
export const EXIT_CODE = { failure: 1, config: 2, authRejected: 3, interrupted: 130 } as const;

/**
 * Wraps a commander action: a FatalError becomes one line on stderr and its exit code.
 * ConfigError is left to cli.ts, which already prints it the same way.
 */
export function withFatalErrors<A extends unknown[]>(action: (...args: A) => Promise<void>): (...args: A) => Promise<void> {
  return async (...args: A) => {
    try {
      await action(...args);
    } catch (error) {
      if (error instanceof FatalError) {
        process.stderr.write(`tokportal-sync: ${error.message}\n`);
        process.exit(error.exitCode);
      }
      throw error;
    }
  };
}

export function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
