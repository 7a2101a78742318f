// One `tokportal-sync backfill` as the command runs it (runBackfill with this process's
// own worker), minus the terminal output. The result travels back in the ready message;
// the process stays up until the parent has read its peak RSS.
import { backfillDependencies, createRuntime } from '../../src/app/index.js';
import { silentLogger } from '../../src/lib/logger.js';
import { runBackfill } from '../../src/worker/backfill.js';
import { childConfig, runChild } from '../lib/processes.js';
import { benchConfig, type ChildSettings } from './runtime-config.js';

await runChild(async () => {
  const config = benchConfig(childConfig<ChildSettings>());
  const runtime = await createRuntime({ config, logger: silentLogger, migrate: false });
  try {
    const result = await runBackfill(
      backfillDependencies(runtime),
      { filters: {}, details: 'auto' },
      // A short poll so the end of the run is seen promptly: the duration is a measured figure.
      { pollMs: 100 },
    );
    return {
      info: {
        outcome: result.outcome,
        durationMs: result.durationMs,
        sessionApiCalls: result.sessionApiCalls,
        pages: result.progress.pagesDone,
        detailsDone: result.progress.detailsDone,
        stats: result.progress.run.stats,
      },
      async close() {
        await runtime.close();
      },
    };
  } catch (error) {
    await runtime.close();
    throw error;
  }
});
