// The real `tokportal-sync worker` as a child process (test/e2e/cli-process.ts), under a tiny
// supervisor: SIGKILL it whenever the fault plan says so, and start it again like an
// orchestrator would (also when it exits by itself, e.g. because Redis was down at start).
// Every run's output is appended to a log file the report points at.
import { appendFileSync } from 'node:fs';
import { runCli, type CliProcess } from '../../support/cli-process.js';
import { killWithParent } from './children.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export type WorkerProcessOptions = {
  env: Record<string, string>;
  args?: string[];
  logFile: string;
  /** Pause before the supervisor starts a worker that exited on its own (default 500 ms). */
  restartDelayMs?: number;
};

export type WorkerProcessStats = {
  starts: number;
  kills: number;
  unexpectedExits: number;
  exitCodes: number[];
  /** When each SIGKILL was sent (ms since the epoch). */
  killedAt: number[];
};

export class WorkerProcess {
  readonly stats: WorkerProcessStats = { starts: 0, kills: 0, unexpectedExits: 0, exitCodes: [], killedAt: [] };
  private current: CliProcess | null = null;
  private stopped = false;
  private restartTimer: NodeJS.Timeout | null = null;

  constructor(private readonly options: WorkerProcessOptions) {}

  start(): void {
    if (this.stopped || this.current) return;
    this.stats.starts += 1;
    const startedAt = new Date().toISOString();
    const run = runCli(['worker', '--no-reconcile', '--no-verify', ...(this.options.args ?? [])], this.options.env);
    this.current = run;
    const forget = killWithParent(run.child);
    void run.exited.then(({ code, signal }) => {
      forget();
      if (this.current === run) this.current = null;
      const { stdout, stderr } = run.output();
      appendFileSync(this.options.logFile, `--- worker start #${this.stats.starts} at ${startedAt}\n${stdout}${stderr}--- exit code=${code} signal=${signal}\n`);
      if (signal === 'SIGKILL' || this.stopped) return;
      this.stats.unexpectedExits += 1;
      this.stats.exitCodes.push(code ?? -1);
      this.scheduleRestart(this.options.restartDelayMs ?? 500);
    });
  }

  /** SIGKILL, no goodbye: the jobs it held stay locked until their lock expires. Restarted after `downMs`. */
  async kill(downMs: number): Promise<void> {
    const run = this.current;
    if (run) {
      this.stats.kills += 1;
      this.stats.killedAt.push(Date.now());
      run.child.kill('SIGKILL');
      await run.exited;
    }
    await sleep(downMs);
    this.start();
  }

  /** Graceful stop (SIGTERM, then SIGKILL after the grace period); no restart afterwards. */
  async stop(graceMs = 10_000): Promise<void> {
    this.stopped = true;
    if (this.restartTimer) clearTimeout(this.restartTimer);
    const run = this.current;
    if (!run) return;
    run.child.kill('SIGTERM');
    const timer = setTimeout(() => run.child.kill('SIGKILL'), graceMs);
    await run.exited;
    clearTimeout(timer);
  }

  private scheduleRestart(delayMs: number): void {
    if (this.stopped || this.restartTimer) return;
    this.restartTimer = setTimeout(() => {
      this.restartTimer = null;
      this.start();
    }, delayMs);
  }
}
