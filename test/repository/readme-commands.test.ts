// The README opens with the commands a newcomer types on a fresh machine. Here they run in a
// clean clone of the committed tree (sharing this checkout's installed node_modules, since
// `npm ci` needs a registry): `npm start` without any TokPortal setting must end with the next
// steps, not a stack trace or "command not found", and `npm run demo` must reach the binary.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const README = readFileSync(join(ROOT, 'README.md'), 'utf8');

function isGitCheckout(): boolean {
  try {
    execFileSync('git', ['-C', ROOT, 'rev-parse', '--verify', 'HEAD'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** The shell of someone who has set nothing up: none of the program's settings. */
function newcomerEnv(): NodeJS.ProcessEnv {
  const own = /^(DATABASE_URL|PGLITE_DIR|REDIS_URL|QUEUE_PREFIX|TOKPORTAL_|PORT$|HOST$|ADMIN_TOKEN|LOG_LEVEL|WORKER_CONCURRENCY|RECONCILE_INTERVAL)/;
  return Object.fromEntries(Object.entries(process.env).filter(([key]) => !own.test(key) && !key.startsWith('npm_')));
}

function npm(args: string[], cwd: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('npm', args, { cwd, env: newcomerEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.once('error', reject);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

describe('README commands', () => {
  it('open the README: install and run, then test', () => {
    const firstBlock = /```sh\n([\s\S]*?)```/.exec(README)?.[1] ?? '';
    const commands = firstBlock.split('\n').map((line) => line.replace(/#.*$/, '').trim()).filter(Boolean);
    expect(commands).toEqual(['npm ci && npm run demo', 'npm test']);
  });

  it('name only npm scripts that exist', () => {
    const scripts = Object.keys((JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: object }).scripts);
    const named = [...README.matchAll(/npm run ([\w-]+(?::[\w-]+)*)/g)].map((match) => match[1]!);
    expect(named.length).toBeGreaterThan(0);
    expect(named.filter((name) => !scripts.includes(name))).toEqual([]);
  });
});

describe.skipIf(!isGitCheckout())('README commands in a clean clone', () => {
  let clone: string;
  beforeAll(() => {
    clone = mkdtempSync(join(tmpdir(), 'tps-clone-'));
    execFileSync('git', ['clone', '--quiet', '--depth', '1', `file://${ROOT}`, clone], { stdio: 'ignore' });
    symlinkSync(join(ROOT, 'node_modules'), join(clone, 'node_modules'), 'dir');
  });
  afterAll(() => {
    if (clone) rmSync(clone, { recursive: true, force: true });
  });

  it('npm start without TokPortal settings says what is missing and what to do next, exit 2, no stack trace', async () => {
    const { code, stderr } = await npm(['start', '--silent'], clone);
    expect(code).toBe(2);
    expect(stderr).toMatch(/^tokportal-sync: Missing TOKPORTAL_API_KEY and TOKPORTAL_WEBHOOK_SECRETS/);
    expect(stderr).toContain('npm run demo');
    expect(stderr).toContain('cp .env.example .env');
    expect(stderr).not.toMatch(/^\s+at /m);
    expect(stderr).not.toMatch(/not found/);
  }, 60_000);

  it('npm run demo reaches the demo command', async () => {
    const { code, stdout } = await npm(['run', 'demo', '--silent', '--', '--help'], clone);
    expect(code).toBe(0);
    expect(stdout).toMatch(/Usage: tokportal-sync demo/);
    for (const flag of ['--bundles', '--seed', '--keep-running', '--quiet']) expect(stdout).toContain(flag);
  }, 60_000);
});
