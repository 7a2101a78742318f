// The CLI's front door as a user meets it: --version, required options marked in --help, a usage
// error as one line plus where the help is, .env read when present (the environment winning),
// and settings that cannot surprise (a duration without unit, an absurd concurrency).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { loadEnvFile } from '../../src/cli/env-file.js';

const BIN = fileURLToPath(new URL('../../bin/tokportal-sync.js', import.meta.url));
const version = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
const folder = mkdtempSync(join(tmpdir(), 'tps-cli-'));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

function cli(args: string[], env: Record<string, string | undefined> = {}, cwd = folder) {
  const { REDIS_URL: _r, DATABASE_URL: _d, RECONCILE_INTERVAL: _i, WORKER_CONCURRENCY: _c, ...inherited } = process.env;
  const result = spawnSync(process.execPath, [BIN, ...args], { cwd, env: { ...inherited, ...env }, encoding: 'utf8', timeout: 30_000 });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('tokportal-sync front door', () => {
  it('--version prints the package version', () => {
    const run = cli(['--version']);
    expect(run).toMatchObject({ code: 0, stdout: `${version}\n` });
  });

  it('marks required options in --help', () => {
    const help = cli(['webhooks', 'register', '--help']).stdout;
    expect(help).toMatch(/--url <url>\s+\(required\) public URL of the receiver/);
    expect(help).toMatch(/--events <types>\s+comma-separated/);
  });

  it('answers a usage error with one line and where the help is, not the whole help', () => {
    const run = cli(['worker', '--concurrency', '100000000']);
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(
      `error: option '--concurrency <n>' argument '100000000' is invalid. expected a whole number from 1 to 64, got "100000000" (the API rate limit, not concurrency, bounds throughput: 4 is plenty)\n` +
        '(run "tokportal-sync worker --help" for usage)\n',
    );
    const unknown = cli(['report', '--bogus']);
    expect(unknown.stderr).toBe(`error: unknown option '--bogus'\n(run "tokportal-sync report --help" for usage)\n`);
    expect(cli(['worker', '--lock-duration', '5']).stderr).toContain(`"5" has no unit; write a duration such as 30s (units: ms, s, m, h).`);
  });

  it('RECONCILE_INTERVAL=15 exits 2 naming the setting and an example', () => {
    const run = cli(['worker'], { RECONCILE_INTERVAL: '15', ENV_FILE: '' });
    expect(run.code).toBe(2);
    expect(run.stderr).toBe('tokportal-sync: Invalid RECONCILE_INTERVAL: "15" has no unit; write a duration such as 15m (units: ms, s, m, h)\n');
  });

  it('reads .env from the working folder, says which file, and lets the environment win', () => {
    const dir = mkdtempSync(join(folder, 'env-'));
    writeFileSync(join(dir, '.env'), 'RECONCILE_INTERVAL=15\n');
    // The file's RECONCILE_INTERVAL is refused: proof that it was read...
    const fromFile = cli(['worker'], {}, dir);
    expect(fromFile.code).toBe(2);
    expect(fromFile.stderr).toContain(`tokportal-sync: settings read from ${join(dir, '.env')} (variables set in the environment win)\n`);
    expect(fromFile.stderr).toContain('Invalid RECONCILE_INTERVAL: "15" has no unit');
    // ...and a value from the environment overrides it (the worker gets as far as the missing key).
    const overridden = cli(['worker'], { RECONCILE_INTERVAL: '20m', TOKPORTAL_API_KEY: '' }, dir);
    expect(overridden.code).toBe(2);
    expect(overridden.stderr).not.toContain('RECONCILE_INTERVAL');
    expect(overridden.stderr).toContain('Missing TOKPORTAL_API_KEY');
    // ENV_FILE= reads none.
    expect(cli(['worker'], { ENV_FILE: '' }, dir).stderr).not.toContain('settings read from');
  });

  it('loadEnvFile: the default file may be absent, a named one may not', () => {
    expect(loadEnvFile({}, folder)).toBeNull();
    expect(() => loadEnvFile({ ENV_FILE: 'nope.env' }, folder)).toThrow(`ENV_FILE names ${join(folder, 'nope.env')}, which does not exist`);
  });
});
