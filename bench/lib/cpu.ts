// How busy the whole machine was over an interval, from /proc/stat: tells a figure bounded
// by CPU (near 100%) from one bounded by waiting (latency, locks, the rate limiter).
import { readFileSync } from 'node:fs';

type Ticks = { busy: number; total: number };

function readTicks(): Ticks | null {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0] ?? '';
    const fields = line.trim().split(/\s+/).slice(1).map(Number);
    // user nice system idle iowait irq softirq steal: idle and iowait are the not-busy time.
    const total = fields.slice(0, 8).reduce((sum, n) => sum + n, 0);
    const idle = (fields[3] ?? 0) + (fields[4] ?? 0);
    return { busy: total - idle, total };
  } catch {
    return null;
  }
}

/** Starts measuring; the returned function gives the busy share of all cores (0..1), or null off Linux. */
export function startCpuMeter(): () => number | null {
  const start = readTicks();
  return () => {
    const end = readTicks();
    if (!start || !end || end.total === start.total) return null;
    return (end.busy - start.busy) / (end.total - start.total);
  };
}
