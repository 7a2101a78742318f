// The minimal durable receiver: a sixty-line webhook endpoint kept beside the project (in the
// shared anchors folder, which CI checks out next to it) that keeps our promise (2xx only after
// the event is committed in Postgres and its job is in BullMQ) with nothing else. It is run
// unmodified: copied at run time into a git-ignored folder inside the project so its bare
// imports (hono, postgres, bullmq) resolve against our node_modules, then started with plain
// `node`. When the folder is absent the benchmark says so and runs without it.
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import postgres from 'postgres';
import { PACKAGE_ROOT } from '../../src/lib/package-root.js';
import { deleteKeysUnderPrefix } from '../../src/queue/redis.js';
import { freePort } from './cli-process.js';
import { readCpuSeconds, readPeakRssBytes, type BenchChild } from './processes.js';
import { sleep } from './stats.js';

const ANCHOR_FILE = 'minimal-durable-receiver.mjs';
/** BENCH_ANCHORS_DIR overrides where the anchors live; by default the folder beside the project. */
export const ANCHORS_DIR = process.env.BENCH_ANCHORS_DIR ?? join(PACKAGE_ROOT, '..', 'shared', 'anchors');
/** Inside the project (so node_modules resolves), listed in .gitignore. */
const RUN_DIR = join(PACKAGE_ROOT, 'bench', '.anchors');
/** What the anchor creates: its table in the benchmark database, its queue under BullMQ's default prefix. */
const ANCHOR_TABLE = 'anchor_inbox';
const ANCHOR_REDIS_PREFIX = 'bull:anchor-sync';

export type AnchorLocation = { found: true; source: string } | { found: false; reason: string };

export function locateAnchor(): AnchorLocation {
  const source = join(ANCHORS_DIR, ANCHOR_FILE);
  return existsSync(source) ? { found: true, source } : { found: false, reason: `${source} not found` };
}

async function answers(origin: string): Promise<boolean> {
  try {
    const response = await fetch(`${origin}/`, { signal: AbortSignal.timeout(1_000) });
    await response.arrayBuffer();
    return true;
  } catch {
    return false;
  }
}

export type AnchorChild = BenchChild & {
  /** Rows in the anchor's own inbox table: each of its 2xx must be one. */
  inboxRows(): Promise<number>;
};

export async function startAnchor(
  source: string,
  settings: { databaseUrl: string; redisUrl: string; secret: string },
): Promise<AnchorChild> {
  mkdirSync(RUN_DIR, { recursive: true });
  const script = join(RUN_DIR, ANCHOR_FILE);
  copyFileSync(source, script);
  await clearAnchorQueue(settings.redisUrl);
  const port = await freePort();
  const profileDir = process.env.BENCH_CPU_PROF;
  // The anchor has no signal handler; under --cpu-prof it must exit normally to write the profile.
  const exitOnTerm = 'data:text/javascript,process.on("SIGTERM",()=>process.exit(0))';
  const child = spawn(
    process.execPath,
    [...(profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`, '--import', exitOnTerm] : []), script],
    {
      cwd: RUN_DIR,
      env: { ...process.env, DATABASE_URL: settings.databaseUrl, REDIS_URL: settings.redisUrl, PORT: String(port), SECRET: settings.secret },
      stdio: process.env.BENCH_VERBOSE ? ['ignore', 'inherit', 'inherit'] : ['ignore', 'ignore', 'pipe'],
    },
  );
  let stderrTail = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderrTail = (stderrTail + chunk.toString()).slice(-4000);
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let alive = true;
  void exited.then(() => (alive = false));

  let peak = 0;
  const sample = () => {
    if (alive && child.pid !== undefined) peak = Math.max(peak, readPeakRssBytes(child.pid));
  };
  const sampler = setInterval(sample, 200);
  sampler.unref();

  const origin = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  while (!(await answers(origin))) {
    if (!alive || Date.now() > deadline) {
      clearInterval(sampler);
      child.kill('SIGKILL');
      throw new Error(`anchor (${ANCHOR_FILE}) did not start${alive ? ' within 30 s' : ''}\n${stderrTail}`);
    }
    await sleep(100);
  }

  const sql = postgres(settings.databaseUrl, { max: 1, onnotice: () => {} });
  return {
    name: 'anchor',
    pid: child.pid!,
    port,
    readyInfo: undefined,
    peakRssBytes() {
      sample();
      return peak;
    },
    cpuSeconds() {
      return alive ? readCpuSeconds(child.pid!) : null;
    },
    async inboxRows() {
      const [row] = await sql<{ n: number }[]>`select count(*)::int as n from ${sql(ANCHOR_TABLE)}`;
      return row?.n ?? 0;
    },
    async stop(timeoutMs = 10_000) {
      sample();
      clearInterval(sampler);
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      await exited;
      clearTimeout(timer);
      await sql.end({ timeout: 5 });
      await clearAnchorQueue(settings.redisUrl);
      return { maxRssBytes: peak, info: undefined };
    },
    kill() {
      clearInterval(sampler);
      child.kill('SIGKILL');
      void sql.end({ timeout: 1 }).catch(() => {});
    },
  };
}

/** The anchor's queue name is fixed (no prefix of ours): its jobs are removed before and after a run. */
async function clearAnchorQueue(redisUrl: string): Promise<void> {
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
  try {
    await deleteKeysUnderPrefix(redis, ANCHOR_REDIS_PREFIX);
  } finally {
    redis.disconnect();
  }
}
