// Runs the real `tokportal-sync` binary as a child process, for tests that need a process to
// die (SIGKILL), to exit with a code, or to own an embedded database.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../../bin/tokportal-sync.js', import.meta.url));

/** Settings the child must not inherit from the developer's shell. */
const OWN_SETTINGS = [
  'DATABASE_URL',
  'PGLITE_DIR',
  'REDIS_URL',
  'QUEUE_PREFIX',
  'TOKPORTAL_API_KEY',
  'TOKPORTAL_BASE_URL',
  'TOKPORTAL_WEBHOOK_SECRETS',
  'TOKPORTAL_RATE_LIMIT_PER_MIN',
  'PORT',
  'HOST',
  'ADMIN_TOKEN',
  'LOG_LEVEL',
  'WORKER_CONCURRENCY',
  'RECONCILE_INTERVAL',
  'PGLITE_PORT',
];

export type CliProcess = {
  child: ChildProcess;
  output(): { stdout: string; stderr: string };
  /** Resolves when stdout or stderr has matched the pattern. */
  waitForOutput(pattern: RegExp, timeoutMs?: number): Promise<void>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
};

export function runCli(args: string[], env: Record<string, string>, options: { cwd?: string } = {}): CliProcess {
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([key]) => !OWN_SETTINGS.includes(key)));
  const child = spawn(process.execPath, [BIN, ...args], { env: { ...inherited, ...env }, stdio: ['ignore', 'pipe', 'pipe'], cwd: options.cwd });
  let stdout = '';
  let stderr = '';
  const listeners = new Set<() => void>();
  child.stdout!.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
    for (const listener of listeners) listener();
  });
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
    for (const listener of listeners) listener();
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  return {
    child,
    output: () => ({ stdout, stderr }),
    exited,
    waitForOutput(pattern, timeoutMs = 20_000) {
      return new Promise<void>((resolve, reject) => {
        const check = () => {
          if (pattern.test(stdout) || pattern.test(stderr)) {
            cleanup();
            resolve();
          }
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(new Error(`no output matching ${pattern} within ${timeoutMs} ms\nstdout: ${stdout}\nstderr: ${stderr}`));
        }, timeoutMs);
        const cleanup = () => {
          clearTimeout(timer);
          listeners.delete(check);
        };
        listeners.add(check);
        void exited.then(() => {
          if (listeners.has(check)) {
            cleanup();
            reject(new Error(`process exited before output matching ${pattern}\nstdout: ${stdout}\nstderr: ${stderr}`));
          }
        });
        check();
      });
    },
  };
}
