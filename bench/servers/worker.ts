// The sync worker as `tokportal-sync worker` runs it (the runtime and startWorker of src/app/),
// in its own process so its memory and CPU are its own.
import { createRuntime, startWorker } from '../../src/app/index.js';
import { silentLogger } from '../../src/lib/logger.js';
import { childConfig, runChild } from '../lib/processes.js';
import { benchConfig, type ChildSettings } from './runtime-config.js';

await runChild(async () => {
  const config = benchConfig(childConfig<ChildSettings>());
  const runtime = await createRuntime({ config, logger: silentLogger, migrate: false });
  const handle = await startWorker(runtime);
  return {
    async close() {
      await handle.close();
      await runtime.close();
    },
  };
});
