// The shape of one benchmark, and the runner that times it, prints it and saves it.
import type { BenchContext, BenchmarkName } from './context.js';
import { loadAverage1m, machineInfo, printResult, writeResult, type BenchOutcome, type BenchResult } from './results.js';

export type Benchmark = {
  name: BenchmarkName;
  title: string;
  run(context: BenchContext): Promise<BenchOutcome>;
};

export async function runBenchmark(benchmark: Benchmark, context: BenchContext, command: string): Promise<BenchResult> {
  process.stdout.write(`\n>> ${benchmark.name}: ${benchmark.title}\n`);
  const started = new Date();
  const loadBefore = loadAverage1m();
  const outcome = await benchmark.run(context);
  context.outcomes.set(benchmark.name, outcome);
  const finished = new Date();
  const result: BenchResult = {
    name: benchmark.name,
    title: benchmark.title,
    command,
    startedAt: started.toISOString(),
    finishedAt: finished.toISOString(),
    wallSeconds: (finished.getTime() - started.getTime()) / 1000,
    machine: machineInfo(),
    load: { before: loadBefore, after: loadAverage1m() },
    ...outcome,
  };
  printResult(result);
  const file = writeResult(context.resultsDir, result);
  process.stdout.write(`wrote ${file}\n`);
  return result;
}
