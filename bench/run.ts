// `npm run bench [-- names...] [--flags]`: runs the benchmarks of issue 6 one after the
// other (never in parallel: they would measure each other), prints a table per benchmark
// and writes bench/results/<name>.json.
import { runBenchmark, type Benchmark } from './lib/benchmark.js';
import { parseInvocation, UsageRequested, type BenchmarkName } from './lib/context.js';
import { printTable } from './lib/table.js';
import { backfillBenchmark } from './backfill.js';
import { coalescingBenchmark } from './coalescing.js';
import { freshnessBenchmark } from './freshness.js';
import { memoryBenchmark } from './memory.js';
import { receiverBenchmark } from './receiver.js';
import { scaleBenchmark } from './scale.js';
import { storeBenchmark } from './store.js';

const BENCHMARKS: Record<BenchmarkName, Benchmark> = {
  receiver: receiverBenchmark,
  coalescing: coalescingBenchmark,
  backfill: backfillBenchmark,
  freshness: freshnessBenchmark,
  store: storeBenchmark,
  memory: memoryBenchmark,
  scale: scaleBenchmark,
};

async function main(argv: string[]): Promise<number> {
  let invocation;
  try {
    invocation = parseInvocation(argv);
  } catch (error) {
    const usage = error instanceof UsageRequested;
    process[usage ? 'stdout' : 'stderr'].write(`${(error as Error).message}\n`);
    return usage ? 0 : 2;
  }
  const { names, context } = invocation;
  const command = ['npm run bench', ...(argv.length > 0 ? ['--', ...argv] : [])].join(' ');
  process.stdout.write(`${command}\nbenchmarks: ${names.join(', ')}${context.smoke ? ' (smoke sizes)' : ''}\n`);

  const summary: (string | number | boolean | null)[][] = [];
  let failed = 0;
  for (const name of names) {
    try {
      const result = await runBenchmark(BENCHMARKS[name], context, command);
      const missed = result.targets.filter((t) => t.met === false).map((t) => t.label);
      summary.push([name, result.wallSeconds, result.targets.length - missed.length, missed.join('; ') || null]);
    } catch (error) {
      failed += 1;
      process.stderr.write(`\n!! ${name} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      summary.push([name, null, null, 'FAILED TO RUN']);
    }
  }
  printTable('summary', ['benchmark', 'seconds', 'targets met', 'missed'], summary);
  // A missed target is a finding, not a crash: only a benchmark that could not run fails the command.
  return failed > 0 ? 1 : 0;
}

// Exit explicitly: a benchmark that leaks a handle must not keep the command hanging after its results are out.
process.exit(await main(process.argv.slice(2)));
