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
    const peakOf = (process: string) => {
      const bytes = records.filter((r) => r.process === process).map((r) => r.peakRssBytes);
      return bytes.length === 0 ? null : round(Math.max(...bytes) / MiB, 1);
    };
    const anchor = peakOf('bare Hono anchor');
    const receiver = peakOf('receiver');
    const worker = peakOf('worker');
    return {
      params: { samples: records.length },
      figures: {
        anchorPeakRssMiB: anchor,
        receiverPeakRssMiB: receiver,
        workerPeakRssMiB: worker,
        receiverOverAnchor: round(ratio(receiver, anchor)),
        workerOverAnchor: round(ratio(worker, anchor)),
      },
      // Issue 6 sets no memory target; the anchor ratio says what our code costs above the bare runtime.
      targets: [],
      notes: ['every process runs under the tsx loader (as in `npm run bench`); the anchor carries the same overhead'],
      table: {
        header: ['process', 'during', 'peak RSS MiB', 'x anchor'],
        rows: records.map((r) => [
          r.process,
          r.during,
          round(r.peakRssBytes / MiB, 1),
          round(ratio(r.peakRssBytes / MiB, anchor)),
        ]),
      },
    };
  },
};
