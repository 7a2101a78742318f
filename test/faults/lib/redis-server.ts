// A private redis-server child process for fault injection. The shared Redis on 6379 serves
// every other helper's tests and must never be stopped; this one is ours to kill, freeze and
// restart on the same port (clients keep their URL, as they would across a real outage).
// No persistence (--save "" --appendonly no): a restart comes back EMPTY, like a cache node
// replaced by the platform, so jobs queued at that moment are gone for real.
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { Redis } from 'ioredis';
import { killWithParent } from './children.js';

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

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export class OwnRedisServer {
  private child: ChildProcess | null = null;
  private frozen = false;
  /** Last lines redis-server wrote, for the error when it does not come up. */
  private output = '';

  private constructor(readonly port: number) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  get running(): boolean {
    return this.child !== null;
  }

  static async start(): Promise<OwnRedisServer> {
    const server = new OwnRedisServer(await freePort());
    await server.startProcess();
    return server;
  }

  /** Starts redis-server on this.port and waits until it answers PING. */
  async startProcess(): Promise<void> {
    if (this.child) return;
    // The port was free a moment ago; TIME_WAIT or a racing neighbour can delay the bind briefly.
    for (let attempt = 0; ; attempt++) {
      const child = spawn(
        'redis-server',
        ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--daemonize', 'no', '--loglevel', 'warning'],
        { stdio: ['ignore', 'pipe', 'pipe'] },
      );
      const keep = (chunk: Buffer) => (this.output = (this.output + chunk.toString()).slice(-2_000));
      child.stdout?.on('data', keep);
      child.stderr?.on('data', keep);
      this.child = child;
      const forget = killWithParent(child);
      child.once('exit', () => {
        forget();
        if (this.child === child) this.child = null;
      });
      if (await this.answers(5_000)) return;
      child.kill('SIGKILL');
      this.child = null;
      if (attempt >= 3) throw new Error(`redis-server did not start on port ${this.port}: ${this.output.trim()}`);
      await sleep(300);
    }
  }

  /** SIGKILL: connections drop at once, every key is lost. */
  async kill(): Promise<void> {
    const child = this.child;
    if (!child) return;
    if (this.frozen) this.resume();
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGKILL');
    await exited;
  }

  async restart(): Promise<void> {
    await this.kill();
    await this.startProcess();
  }

  /** SIGSTOP: the port stays open but nothing answers (a hung node); data survives. */
  freeze(): void {
    if (!this.child || this.frozen) return;
    this.child.kill('SIGSTOP');
    this.frozen = true;
  }

  resume(): void {
    if (!this.child || !this.frozen) return;
    this.child.kill('SIGCONT');
    this.frozen = false;
  }

  async stop(): Promise<void> {
    await this.kill();
  }

  private async answers(timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (!this.child) return false;
      const probe = new Redis(this.url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 500 });
      probe.on('error', () => {});
      try {
        await probe.connect();
        if ((await probe.ping()) === 'PONG') return true;
      } catch {
        // not up yet
      } finally {
        probe.disconnect();
      }
      await sleep(50);
    }
    return false;
  }
}
