// The webhook receiver as production runs it (runtime wiring + startReceiver: signature
// check, group-committed inbox, bulk enqueue, relay), in its own process.
import { silentLogger } from '../../src/lib/logger.js';
import { createSyncQueue } from '../../src/queue/sync-queue.js';
import { startReceiver } from '../../src/receiver/server.js';
import { createRuntime } from '../../src/app/index.js';
import { childConfig, runChild } from '../lib/processes.js';
import { benchConfig, type ChildSettings } from './runtime-config.js';

await runChild(async () => {
  const config = benchConfig(childConfig<ChildSettings>());
  const runtime = await createRuntime({ config, logger: silentLogger, migrate: false });
  // startReceiver wants the queue's own producer connection (it checks it before enqueueing).
  const redis = runtime.redis('producer');
  const queue = createSyncQueue(redis, config.queuePrefix);
  const receiver = await startReceiver({
    config,
    db: runtime.db,
    queue,
    redis,
    metrics: runtime.metrics,
    logger: runtime.logger,
    port: 0,
    host: '127.0.0.1',
  });
  return {
    port: receiver.port,
    async close() {
      await receiver.close();
      await queue.close();
      await runtime.close();
      return { ...receiver.writer.stats };
    },
  };
});
