// The application's processes as users run them: `tokportal-sync <command>` from a clone (the
// bin script, executed through its own shebang) or from the production image's compiled dist/
// (the Dockerfile's ENTRYPOINT, read from the Dockerfile itself so the benchmark cannot drift
// from it). CPU and peak RSS are read from /proc, the way an operator would see them.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { PACKAGE_ROOT } from '../../src/lib/package-root.js';
import { readCpuSeconds, readPeakRssBytes, type BenchChild } from './processes.js';
import { sleep } from './stats.js';

/** `clone`: bin/tokportal-sync.js as npx runs it; `dist`: the production image's entry point. */
export type Flavour = 'clone' | 'dist';

export const BIN_SCRIPT = join(PACKAGE_ROOT, 'bin', 'tokportal-sync.js');

/** The image's ENTRYPOINT (e.g. ["node", "dist/src/cli/main.js"]), resolved against the project root. */
export function distEntrypoint(): string[] {
  const dockerfile = readFileSync(join(PACKAGE_ROOT, 'Dockerfile'), 'utf8');
  const match = /^ENTRYPOINT\s+(\[.*\])\s*$/m.exec(dockerfile);
  if (!match) throw new Error('Dockerfile: no ENTRYPOINT in exec form');
  const argv = JSON.parse(match[1]!) as string[];
  return argv.map((arg, i) => (i > 0 && arg.startsWith('dist/') ? join(PACKAGE_ROOT, arg) : arg));
}

function newestMtimeMs(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtimeMs(path) : statSync(path).mtimeMs);
  }
  return newest;
}

/** Why dist/ cannot stand for the current source (missing, or older than a source file), or null. */
export function distStaleness(): string | null {
  const main = join(PACKAGE_ROOT, 'dist', 'src', 'cli', 'main.js');
  if (!existsSync(main)) return 'dist/ is not built';
  const built = statSync(main).mtimeMs;
  const source = Math.max(newestMtimeMs(join(PACKAGE_ROOT, 'src')), newestMtimeMs(join(PACKAGE_ROOT, 'fake-tokportal')));
  return source > built ? 'dist/ is older than the source' : null;
}

/** A free TCP port on the loopback, for programs that take their port from the environment. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export type CliProcessOptions = {
  flavour: Flavour;
  /** Subcommand and its arguments, e.g. ['receiver'] or ['worker', '--no-reconcile']. */
  args: string[];
  env: NodeJS.ProcessEnv;
  /** Ready when GET <origin>/healthz answers (receiver), when a JSON log line has this `msg`, or at once (one-shot commands). */
  ready: { healthzPort: number } | { logMessage: string } | 'at-once';
  readyTimeoutMs?: number;
  label?: string;
};

export type CliProcess = BenchChild & {
  /** Resolves with the exit code once the process ends by itself (one-shot commands). */
  exited: Promise<number | null>;
  /** Log lines (JSON) printed so far, parsed; unparseable lines are skipped. */
  logs(): Record<string, unknown>[];
};

export async function startCliProcess(options: CliProcessOptions): Promise<CliProcess> {
  const label = options.label ?? `${options.flavour} ${options.args[0] ?? ''}`;
  const [command, ...prefix] = options.flavour === 'clone' ? [BIN_SCRIPT] : distEntrypoint();
  const child: ChildProcess = spawn(command!, [...prefix, ...options.args], {
    cwd: PACKAGE_ROOT,
    env: options.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: Record<string, unknown>[] = [];
  let stderrTail = '';
  let partial = '';
  let readyByLog: (() => void) | null = null;
  child.stdout!.on('data', (chunk: Buffer) => {
    if (process.env.BENCH_VERBOSE) process.stdout.write(chunk);
    partial += chunk.toString();
    const complete = partial.split('\n');
    partial = complete.pop() ?? '';
    for (const line of complete) {
      try {
        const parsed = JSON.parse(line) as Record<string, unknown>;
        lines.push(parsed);
        if (typeof options.ready === 'object' && 'logMessage' in options.ready && parsed.msg === options.ready.logMessage) readyByLog?.();
      } catch {
        // not a JSON log line
      }
    }
  });
  child.stderr!.on('data', (chunk: Buffer) => {
    if (process.env.BENCH_VERBOSE) process.stderr.write(chunk);
    stderrTail = (stderrTail + chunk.toString()).slice(-4000);
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let alive = true;
  void exited.then(() => (alive = false));

  let peak = 0;
  // The last reading before exit stands for the total: /proc forgets a process once it is reaped.
  let lastCpu = 0;
  const cpuSeconds = () => {
    const now = alive && child.pid !== undefined ? readCpuSeconds(child.pid) : null;
    if (now !== null) lastCpu = now;
    return now ?? lastCpu;
  };
  const sample = () => {
    if (alive && child.pid !== undefined) peak = Math.max(peak, readPeakRssBytes(child.pid));
    cpuSeconds();
  };
  const sampler = setInterval(sample, 100);
  sampler.unref();

  const timeoutMs = options.readyTimeoutMs ?? 60_000;
  const failure = (why: string) => new Error(`${label}: ${why}\n${stderrTail}`);
  try {
    if (options.ready === 'at-once') {
      // one-shot command: the caller waits for `exited`
    } else if ('healthzPort' in options.ready) {
      const url = `http://127.0.0.1:${options.ready.healthzPort}/healthz`;
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        if (!alive) throw failure('exited before ready');
        if (Date.now() > deadline) throw failure(`not ready after ${timeoutMs} ms`);
        const ok = await fetch(url, { signal: AbortSignal.timeout(1_000) }).then(
          async (response) => (await response.arrayBuffer(), response.ok),
          () => false,
        );
        if (ok) break;
        await sleep(100);
      }
    } else {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(failure(`not ready after ${timeoutMs} ms`)), timeoutMs);
        readyByLog = () => {
          clearTimeout(timer);
          resolve();
        };
        void exited.then(() => {
          clearTimeout(timer);
          reject(failure('exited before ready'));
        });
      });
    }
  } catch (error) {
    clearInterval(sampler);
    child.kill('SIGKILL');
    throw error;
  }

  return {
    name: label,
    pid: child.pid!,
    port: typeof options.ready === 'object' && 'healthzPort' in options.ready ? options.ready.healthzPort : undefined,
    readyInfo: undefined,
    exited,
    logs: () => lines,
    peakRssBytes() {
      sample();
      return peak;
    },
    cpuSeconds,
    async stop(timeoutMs = 30_000) {
      sample();
      cpuSeconds();
      if (alive) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      await exited;
      clearTimeout(timer);
      clearInterval(sampler);
      return { maxRssBytes: peak, info: undefined };
    },
    kill() {
      clearInterval(sampler);
      child.kill('SIGKILL');
    },
  };
}

/** The environment of a CLI process against a benchmark's database and queue. */
export function cliEnv(settings: {
  databaseUrl: string;
  redisUrl: string;
  queuePrefix: string;
  port?: number;
  secret?: string;
  baseUrl?: string;
  apiKey?: string;
  rateLimitPerMin?: number;
  concurrency?: number;
  logLevel?: string;
}): NodeJS.ProcessEnv {
  // Only what a user's environment would hold: PATH and HOME, then the settings.
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    DATABASE_URL: settings.databaseUrl,
    REDIS_URL: settings.redisUrl,
    QUEUE_PREFIX: settings.queuePrefix,
    HOST: '127.0.0.1',
    LOG_LEVEL: settings.logLevel ?? 'info',
  };
  // BENCH_NODE_OPTIONS: Node flags to try on the measured processes; BENCH_CPU_PROF=<dir>: a CPU profile per process.
  const nodeOptions = [
    process.env.BENCH_NODE_OPTIONS,
    process.env.BENCH_CPU_PROF ? `--cpu-prof --cpu-prof-dir=${process.env.BENCH_CPU_PROF}` : undefined,
  ].filter(Boolean);
  if (nodeOptions.length > 0) env.NODE_OPTIONS = nodeOptions.join(' ');
  if (settings.port !== undefined) env.PORT = String(settings.port);
  if (settings.secret !== undefined) env.TOKPORTAL_WEBHOOK_SECRETS = settings.secret;
  if (settings.baseUrl !== undefined) env.TOKPORTAL_BASE_URL = settings.baseUrl;
  if (settings.apiKey !== undefined) env.TOKPORTAL_API_KEY = settings.apiKey;
  if (settings.rateLimitPerMin !== undefined) env.TOKPORTAL_RATE_LIMIT_PER_MIN = String(settings.rateLimitPerMin);
  if (settings.concurrency !== undefined) env.WORKER_CONCURRENCY = String(settings.concurrency);
  return env;
}
