// The sync worker as production runs it (runtime wiring + startSyncWorker), in its own
// process so its memory and CPU are its own.
import { silentLogger } from '../../src/logger.js';
import { createRuntime } from '../../src/runtime.js';
import { startSyncWorker } from '../../src/worker/worker.js';
import { childConfig, runChild } from '../lib/processes.js';
import { benchConfig, type ChildSettings } from './runtime-config.js';

await runChild(async () => {
  const config = benchConfig(childConfig<ChildSettings>());
  const runtime = await createRuntime({ config, logger: silentLogger, migrate: false });
  const handle = await startSyncWorker({
    ctx: {
      db: runtime.db,
      client: runtime.client(),
      queue: runtime.queue(),
      metrics: runtime.metrics,
      logger: runtime.logger,
      config,
    },
    connection: runtime.redis('worker'),
    prefix: config.queuePrefix,
    concurrency: config.workerConcurrency,
    rateLimitPerMin: config.rateLimitPerMin,
  });
  return {
    async close() {
      await handle.close();
      await runtime.close();
    },
  };
});
