// The private servers of `npm run demo` and `npm test` on a machine where nothing answers on the
// default ports: started in a temporary folder on a free port, answering, gone after stop(); a
// missing binary is one line naming what to install. The demo is run in an empty network
// namespace (nothing on 6379 there) when this machine allows it (root with unshare).
import { execFile, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import postgres from 'postgres';
import { afterAll, describe, expect, it } from 'vitest';
import { MissingBinaryError, findBinary, portAnswers, postgresBinFolders, startPrivatePostgres, startPrivateRedis } from '../../src/lib/local-servers.js';

const BIN = fileURLToPath(new URL('../../bin/tokportal-sync.js', import.meta.url));

describe('startPrivateRedis', () => {
  it.skipIf(!findBinary('redis-server'))('answers PING on its port, and stop() ends it and removes its folder', async () => {
    const server = await startPrivateRedis();
    const redis = new Redis(server.url, { maxRetriesPerRequest: 0, retryStrategy: () => null });
    redis.on('error', () => {});
    try {
      expect(await redis.ping()).toBe('PONG');
      expect(await redis.config('GET', 'maxmemory-policy')).toEqual(['maxmemory-policy', 'noeviction']);
    } finally {
      redis.disconnect();
    }
    await server.stop();
    expect(existsSync(server.dir)).toBe(false);
    expect(await portAnswers('127.0.0.1', server.port, 300)).toBe(false);
  });

  it('without redis-server on PATH: one line saying what to install', async () => {
    const path = process.env.PATH;
    const empty = mkdtempSync(join(tmpdir(), 'tps-nopath-'));
    symlinkSync('/bin/sh', join(empty, 'sh'));
    process.env.PATH = empty;
    try {
      const attempt = startPrivateRedis();
      await expect(attempt).rejects.toBeInstanceOf(MissingBinaryError);
      await expect(attempt).rejects.toThrow(
        'redis-server is not installed: install Redis (Debian/Ubuntu: sudo apt-get install redis-server; macOS: brew install redis) or run `docker compose up -d redis`',
      );
    } finally {
      process.env.PATH = path;
      rmSync(empty, { recursive: true, force: true });
    }
  });
});

describe('startPrivatePostgres', () => {
  it.skipIf(!findBinary('initdb', postgresBinFolders()))(
    'runs a trust-auth cluster the suite can create databases in, and stop() removes it',
    async () => {
      const server = await startPrivatePostgres({ maxConnections: 20 });
      const sql = postgres(server.url, { max: 1, onnotice: () => {} });
      try {
        const [row] = await sql<{ max: string }[]>`select current_setting('max_connections') as max`;
        expect(row?.max).toBe('20');
        await sql.unsafe('create database tps_private_check');
      } finally {
        await sql.end({ timeout: 1 });
      }
      await server.stop();
      expect(existsSync(server.dir)).toBe(false);
    },
    60_000,
  );
});

const canIsolateNetwork = userInfo().uid === 0 && spawnSync('unshare', ['-n', 'true']).status === 0 && findBinary('redis-server') !== null;

describe.skipIf(!canIsolateNetwork)('npm run demo where nothing answers on 6379 (empty network namespace)', () => {
  const pglite = mkdtempSync(join(tmpdir(), 'tps-demo-ns-'));
  afterAll(() => rmSync(pglite, { recursive: true, force: true }));

  it('starts a private redis-server, runs, verifies and stops it', async () => {
    const { REDIS_URL: _unset, DATABASE_URL: _none, ...env } = process.env;
    const run = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile(
        'unshare',
        ['-n', 'sh', '-c', `ip link set lo up 2>/dev/null; exec "${process.execPath}" "${BIN}" demo --quiet --bundles 5`],
        { env: { ...env, ENV_FILE: '' }, cwd: pglite, timeout: 120_000 },
        (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
      );
    });
    expect(run.code, run.stderr).toBe(0);
    const started = /started a private redis-server for this run at redis:\/\/127\.0\.0\.1:(\d+) \(stopped at the end\)/.exec(run.stdout);
    expect(started, run.stdout.slice(0, 500)).not.toBeNull();
    expect(run.stdout).toContain(`queue: redis://127.0.0.1:${started![1]} prefix tokportal-sync-demo`);
    expect(run.stdout).toMatch(/Verification OK/);
  }, 150_000);
});
