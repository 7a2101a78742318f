// Benchmark 6: peak resident memory of the receiver and the worker processes, read from
// /proc/<pid>/status VmHWM (and the child's own maxRSS) while benchmarks 1 and 3 ran them.
// The bare Hono process of benchmark 1 is the anchor: the same Node + tsx doing nothing.
import type { Benchmark } from './lib/benchmark.js';
import { ratio, round } from './lib/stats.js';

const MiB = 2 ** 20;

export const memoryBenchmark: Benchmark = {
  name: 'memory',
  title: 'peak RSS of receiver and worker processes during benchmarks 1 and 3',
  async run(context) {
    const records = context.memory;
    if (records.length === 0) throw new Error('no memory samples: the receiver and backfill benchmarks did not run');
    const peakBytes = (process: string) => {
      const bytes = records.filter((r) => r.process === process).map((r) => r.peakRssBytes);
      return bytes.length === 0 ? null : Math.max(...bytes);
    };
    const anchorBytes = peakBytes('bare Hono anchor');
    const receiverBytes = peakBytes('receiver');
    const workerBytes = peakBytes('worker');
    const mib = (bytes: number | null) => (bytes === null ? null : round(bytes / MiB, 1));
    return {
      params: { samples: records.length },
      figures: {
        anchorPeakRssMiB: mib(anchorBytes),
        receiverPeakRssMiB: mib(receiverBytes),
        workerPeakRssMiB: mib(workerBytes),
        receiverOverAnchor: round(ratio(receiverBytes, anchorBytes), 2),
        workerOverAnchor: round(ratio(workerBytes, anchorBytes), 2),
      },
      // Issue 6 sets no memory target; the anchor ratio says what our code costs above the bare runtime.
      targets: [],
      notes: ['every process runs under the tsx loader (as in `npm run bench`); the anchor carries the same overhead'],
      table: {
        header: ['process', 'during', 'peak RSS MiB', 'x anchor'],
        rows: records.map((r) => [
          r.process,
          r.during,
          mib(r.peakRssBytes),
          round(ratio(r.peakRssBytes, anchorBytes), 2),
        ]),
      },
    };
  },
};
