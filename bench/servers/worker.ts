// The sync worker as `tokportal-sync worker` runs it (runtime wiring + startWorkerOnRuntime),
// in its own process so its memory and CPU are its own.
import { startWorkerOnRuntime } from '../../src/commands/worker.js';
import { silentLogger } from '../../src/logger.js';
import { createRuntime } from '../../src/runtime.js';
import { childConfig, runChild } from '../lib/processes.js';
import { benchConfig, type ChildSettings } from './runtime-config.js';

await runChild(async () => {
  const config = benchConfig(childConfig<ChildSettings>());
  const runtime = await createRuntime({ config, logger: silentLogger, migrate: false });
  const handle = await startWorkerOnRuntime(runtime);
  return {
    async close() {
      await handle.close();
      await runtime.close();
    },
  };
});
