// Servers under test run in their own Node processes so the load generator never shares
// their event loop, and so their memory can be read alone. Parent and child talk over the
// fork IPC channel: the child says when it listens, the parent says when to stop.
import { fork, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export type ChildMessage =
  | { type: 'ready'; port?: number; info?: Record<string, unknown> }
  | { type: 'stopped'; maxRssBytes: number; info?: Record<string, unknown> }
  | { type: 'error'; message: string };

export type ParentMessage = { type: 'stop' };

export type BenchChild = {
  name: string;
  pid: number;
  port: number | undefined;
  readyInfo: Record<string, unknown> | undefined;
  /** Highest resident set seen so far (bytes). */
  peakRssBytes(): number;
  /** CPU seconds the process has used so far (null off Linux). */
  cpuSeconds(): number | null;
  /** Asks the child to close cleanly, waits for it to exit; returns its final report. */
  stop(timeoutMs?: number): Promise<{ maxRssBytes: number; info: Record<string, unknown> | undefined }>;
  kill(): void;
};

const CONFIG_VARIABLE = 'BENCH_CHILD_CONFIG';

// Linux reports process CPU times in clock ticks of USER_HZ, 100 on every mainstream build.
const CLOCK_TICKS_PER_SECOND = 100;

/** User + system CPU seconds a live process has used so far, from /proc; null where unavailable. */
export function readCpuSeconds(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces: count fields after its closing parenthesis.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]); // utime, stime (fields 14 and 15)
    return Number.isFinite(ticks) ? ticks / CLOCK_TICKS_PER_SECOND : null;
  } catch {
    return null;
  }
}

/** Peak resident set (VmHWM) of a live process, from /proc; 0 where /proc is unavailable. */
export function readPeakRssBytes(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const match = /^VmHWM:\s+(\d+)\s+kB/m.exec(status);
    return match ? Number(match[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** The child programs in bench/servers/, named so a renamed file fails the type check, not a benchmark run. */
export type ServerScript = 'bare' | 'receiver' | 'worker' | 'backfill-worker';

/**
 * Starts `bench/servers/<script>.ts` under tsx with its settings in an env variable, and
 * resolves once it reports ready. Its stdout/stderr go to ours only when BENCH_VERBOSE is set.
 */
export async function startChild(
  script: ServerScript,
  config: Record<string, unknown>,
  options: { env?: NodeJS.ProcessEnv; readyTimeoutMs?: number } = {},
): Promise<BenchChild> {
  const entry = fileURLToPath(new URL(`../servers/${script}.ts`, import.meta.url));
  const verbose = Boolean(process.env.BENCH_VERBOSE);
  // BENCH_CPU_PROF=<dir>: every child writes a V8 CPU profile there on exit (open it in Chrome DevTools).
  const profileDir = process.env.BENCH_CPU_PROF;
  const child: ChildProcess = fork(entry, [], {
    execArgv: ['--import', 'tsx', ...(profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [])],
    env: { ...process.env, ...options.env, [CONFIG_VARIABLE]: JSON.stringify(config) },
    stdio: verbose ? ['ignore', 'inherit', 'inherit', 'ipc'] : ['ignore', 'ignore', 'pipe', 'ipc'],
  });
  let stderrTail = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderrTail = (stderrTail + chunk.toString()).slice(-4000);
  });

  let peak = 0;
  const sample = () => {
    if (child.pid !== undefined) peak = Math.max(peak, readPeakRssBytes(child.pid));
  };
  const sampler = setInterval(sample, 200);
  sampler.unref();

  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const ready = await new Promise<Extract<ChildMessage, { type: 'ready' }>>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${script}: not ready after ${options.readyTimeoutMs ?? 60_000} ms\n${stderrTail}`));
    }, options.readyTimeoutMs ?? 60_000);
    child.on('message', (message: ChildMessage) => {
      if (message.type === 'ready') {
        clearTimeout(timer);
        resolve(message);
      } else if (message.type === 'error') {
        clearTimeout(timer);
        reject(new Error(`${script}: ${message.message}\n${stderrTail}`));
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`${script}: exited with code ${code} before ready\n${stderrTail}`));
    });
  });

  return {
    name: script,
    pid: child.pid!,
    port: ready.port,
    readyInfo: ready.info,
    peakRssBytes() {
      sample();
      return peak;
    },
    cpuSeconds() {
      return readCpuSeconds(child.pid!);
    },
    async stop(timeoutMs = 30_000) {
      sample();
      const report = new Promise<Extract<ChildMessage, { type: 'stopped' }> | null>((resolve) => {
        child.on('message', (message: ChildMessage) => {
          if (message.type === 'stopped') resolve(message);
        });
        void exited.then(() => resolve(null));
      });
      child.send({ type: 'stop' } satisfies ParentMessage);
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      const final = await report;
      await exited;
      clearTimeout(timer);
      clearInterval(sampler);
      peak = Math.max(peak, final?.maxRssBytes ?? 0);
      return { maxRssBytes: peak, info: final?.info };
    },
    kill() {
      clearInterval(sampler);
      child.kill('SIGKILL');
    },
  };
}

// ---- child side ----

export function childConfig<T>(): T {
  const text = process.env[CONFIG_VARIABLE];
  if (!text) throw new Error(`${CONFIG_VARIABLE} is not set: start this file through startChild()`);
  return JSON.parse(text) as T;
}

/** Resolves once the message is handed to the channel, so exiting right after does not lose it. */
function send(message: ChildMessage): Promise<void> {
  return new Promise((resolve) => {
    if (!process.send) return resolve();
    process.send(message, undefined, {}, () => resolve());
  });
}

/**
 * Runs a child's body: start() brings the server up and returns its port and a closer;
 * on the parent's stop the closer runs, the peak RSS is reported, and the process exits.
 */
export async function runChild(
  start: () => Promise<{ port?: number; info?: Record<string, unknown>; close(): Promise<Record<string, unknown> | void> }>,
): Promise<void> {
  try {
    const server = await start();
    process.on('message', (message: ParentMessage) => {
      if (message.type !== 'stop') return;
      void (async () => {
        let info: Record<string, unknown> | undefined;
        try {
          info = (await server.close()) ?? undefined;
        } finally {
          // resourceUsage().maxRSS is in kilobytes.
          await send({ type: 'stopped', maxRssBytes: process.resourceUsage().maxRSS * 1024, info });
          process.exit(0);
        }
      })();
    });
    await send({ type: 'ready', port: server.port, info: server.info });
  } catch (error) {
    await send({ type: 'error', message: error instanceof Error ? (error.stack ?? error.message) : String(error) });
    process.exit(1);
  }
}
