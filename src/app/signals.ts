// How every long-running command stops: gracefully on the first signal, at once on the second.
import { describeError, EXIT_CODE } from '../lib/fatal-error.js';
import type { Logger } from '../lib/logger.js';

/**
 * First SIGINT/SIGTERM: graceful stop (finish in-flight work, close pools). A second one while
 * stopping exits at once, for an operator who does not want to wait.
 */
export function stopOnSignals(stop: (signal: NodeJS.Signals) => Promise<void>, logger: Logger): () => void {
  let stopping = false;
  const handler = (signal: NodeJS.Signals) => {
    if (stopping) {
      logger.warn({ signal }, 'second signal: exiting without waiting');
      process.exit(130);
    }
    stopping = true;
    logger.info({ signal }, 'stopping gracefully');
    stop(signal).catch((error: unknown) => {
      logger.error({ err: describeError(error) }, 'graceful stop failed');
      process.exitCode = EXIT_CODE.failure;
    });
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return () => {
    process.off('SIGINT', handler);
    process.off('SIGTERM', handler);
  };
}
