// The composition root: the one place that builds the application (a runtime of connections,
// clients and settings) and starts its parts. The CLI, the demo, the benchmarks and the tests
// start the application through this entry; nothing below src/app/ imports it.
export { assertRedisReachable, createRuntime, recordApiCall, redactUrl, type Runtime, type RuntimeOptions } from './runtime.js';
export { stopOnSignals } from './signals.js';
export { startAll, type StartedServices } from './start-all.js';
export { startReceiver, warnIfRedisUnreachable, type ReceiverListen, type StartedReceiver } from './start-receiver.js';
export { type AdminListen } from './admin.js';
export { backfillDependencies, startWorker, startWorkerAdmin, type WorkerTuning } from './start-worker.js';
