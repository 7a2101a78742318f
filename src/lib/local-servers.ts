// Private, throw-away Redis and Postgres servers for the two commands a newcomer runs first:
// `npm run demo` (Redis) and `npm test` (Postgres and Redis), on a machine where nothing answers
// on the default ports. Each runs from a temporary folder on a free loopback port and is removed
// by stop(). A missing binary is one line saying what to install.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, chownSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';

export type LocalServer = { url: string; port: number; dir: string; stop(): Promise<void> };

export class MissingBinaryError extends Error {
  override name = 'MissingBinaryError';
}

export const INSTALL_HINT = {
  redis: 'install Redis (Debian/Ubuntu: sudo apt-get install redis-server; macOS: brew install redis) or run `docker compose up -d redis`',
  postgres:
    'install PostgreSQL (Debian/Ubuntu: sudo apt-get install postgresql; macOS: brew install postgresql@16) or run `docker compose up -d postgres redis`',
} as const;

/** A binary on PATH, or in the given folders (Debian keeps Postgres in /usr/lib/postgresql/<v>/bin). */
export function findBinary(name: string, folders: readonly string[] = []): string | null {
  for (const folder of folders) if (existsSync(join(folder, name))) return join(folder, name);
  const found = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' });
  return found.status === 0 && found.stdout.trim() ? found.stdout.trim() : null;
}

/** Debian's versioned Postgres folders, newest first; Homebrew's keg folders too. */
export function postgresBinFolders(): string[] {
  const folders: string[] = [];
  for (const base of ['/usr/lib/postgresql', '/opt/homebrew/opt', '/usr/local/opt']) {
    if (!existsSync(base)) continue;
    const versions = readdirSync(base)
      .filter((name) => base === '/usr/lib/postgresql' ? /^\d+$/.test(name) : /^postgresql(@\d+)?$/.test(name))
      .sort((a, b) => Number(b.replace(/\D/g, '') || 0) - Number(a.replace(/\D/g, '') || 0));
    folders.push(...versions.map((version) => join(base, version, 'bin')));
  }
  return folders;
}

/** True when something accepts TCP connections on host:port within the timeout. */
export function portAnswers(host: string, port: number, timeoutMs = 1_000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host, port });
    const done = (answer: boolean) => {
      socket.destroy();
      resolve(answer);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

export async function freeLoopbackPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', () => resolve()));
  const { port } = probe.address() as { port: number };
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

async function waitUntil(check: () => Promise<boolean>, timeoutMs: number, what: string, child?: ChildProcess): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (child && child.exitCode !== null) throw new Error(`${what} exited with code ${child.exitCode}`);
    if (Date.now() > deadline) throw new Error(`${what} did not answer within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** A redis-server with no persistence, in its own temporary folder, on a free loopback port. */
export async function startPrivateRedis(): Promise<LocalServer> {
  const binary = findBinary('redis-server');
  if (!binary) throw new MissingBinaryError(`redis-server is not installed: ${INSTALL_HINT.redis}`);
  const dir = mkdtempSync(join(tmpdir(), 'tokportal-sync-redis-'));
  const port = await freeLoopbackPort();
  const child = spawn(
    binary,
    ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no', '--maxmemory-policy', 'noeviction'],
    { stdio: 'ignore', detached: false },
  );
  const stop = async () => {
    if (child.exitCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitUntil(() => portAnswers('127.0.0.1', port, 200), 10_000, 'redis-server', child);
  } catch (error) {
    await stop();
    throw error;
  }
  return { url: `redis://127.0.0.1:${port}`, port, dir, stop };
}

/**
 * Postgres refuses to run as root. As root, the private cluster belongs to the `postgres` system
 * user that the distribution's package creates, and its tools run through runuser.
 */
function postgresRunner(): { wrap: (argv: string[]) => string[]; uid?: number; gid?: number } {
  if (userInfo().uid !== 0) return { wrap: (argv) => argv };
  const id = spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' });
  const gid = spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' });
  const runuser = findBinary('runuser');
  if (id.status !== 0 || !runuser) {
    throw new MissingBinaryError('PostgreSQL cannot run as root and there is no `postgres` user to run it as: run the tests as a normal user');
  }
  return { wrap: (argv) => [runuser, '-u', 'postgres', '--', ...argv], uid: Number(id.stdout), gid: Number(gid.stdout) };
}

/** A throw-away Postgres cluster (trust auth, user postgres, no fsync) on a free loopback port. */
export async function startPrivatePostgres(options: { maxConnections?: number } = {}): Promise<LocalServer> {
  const folders = postgresBinFolders();
  const initdb = findBinary('initdb', folders);
  const pgCtl = findBinary('pg_ctl', folders);
  if (!initdb || !pgCtl) throw new MissingBinaryError(`initdb and pg_ctl are not installed: ${INSTALL_HINT.postgres}`);
  const runner = postgresRunner();
  const dir = mkdtempSync(join(tmpdir(), 'tokportal-sync-postgres-'));
  if (runner.uid !== undefined) chownSync(dir, runner.uid, runner.gid ?? runner.uid);
  const data = join(dir, 'data');
  const port = await freeLoopbackPort();
  const run = (argv: string[]) => {
    const [command, ...args] = runner.wrap(argv);
    const result = spawnSync(command!, args, { encoding: 'utf8' });
    if (result.status !== 0) throw new Error(`${argv[0]} failed: ${(result.stderr || result.stdout).trim().split('\n').slice(-3).join(' ')}`);
  };
  const stop = async () => {
    try {
      run([pgCtl, '-D', data, '-m', 'immediate', '-w', 'stop']);
    } catch {
      // never started, or already gone
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    run([initdb, '-D', data, '-U', 'postgres', '-A', 'trust', '--no-sync', '-E', 'UTF8', '--locale', 'C']);
    const settings = [
      `-p ${port}`,
      `-k ${dir}`,
      "-c listen_addresses='127.0.0.1'",
      `-c max_connections=${options.maxConnections ?? 200}`,
      // A test cluster: durability buys nothing, speed does.
      '-c fsync=off -c synchronous_commit=off -c full_page_writes=off',
    ].join(' ');
    run([pgCtl, '-D', data, '-o', settings, '-l', join(dir, 'postgres.log'), '-w', '-t', '60', 'start']);
  } catch (error) {
    await stop();
    throw error;
  }
  return { url: `postgres://postgres@127.0.0.1:${port}/postgres`, port, dir, stop };
}
