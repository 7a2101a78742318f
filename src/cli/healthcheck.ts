#!/usr/bin/env node
// The Docker image's HEALTHCHECK: one image runs every role (start, receiver, worker, migrate, a
// CLI job, the fake), so the probe first finds which role this container runs, from the command
// line of its tokportal-sync process in /proc, then checks what that role serves:
//   start, receiver, worker   GET /healthz on the admin listener (ADMIN_PORT, or --admin-port)
//   fake-api                  GET /_fake/stats on its --port
//   anything else             healthy: a one-shot job (migrate, backfill...) has no listener; its
//                             exit code, not a probe, says how it ended
// Exit 0 healthy, 1 unhealthy (Docker's contract), with one line saying why.
import { readFileSync, readdirSync } from 'node:fs';

const DEFAULT_ADMIN_PORT = 9464;
const DEFAULT_FAKE_PORT = 4010;
const ENTRY = /(?:^|\/)(?:dist\/src\/cli\/main\.js|src\/cli\/main\.ts|bin\/tokportal-sync(?:\.js)?|tokportal-sync)$/;

export type Probe = { kind: 'http'; url: string; role: string } | { kind: 'none'; role: string; why: string };

/** The option value after `--name`, or in `--name=value`. */
function optionValue(args: readonly string[], name: string): string | undefined {
  for (let index = 0; index < args.length; index++) {
    const arg = args[index]!;
    if (arg === name) return args[index + 1];
    if (arg.startsWith(`${name}=`)) return arg.slice(name.length + 1);
  }
  return undefined;
}

/** What to probe for a tokportal-sync command line (the arguments after the entry script). */
export function probeFor(args: readonly string[], env: NodeJS.ProcessEnv): Probe {
  const role = args.find((arg) => !arg.startsWith('-')) ?? 'start';
  if (role === 'start' || role === 'receiver' || role === 'worker') {
    const port = Number(optionValue(args, '--admin-port') ?? env.ADMIN_PORT ?? DEFAULT_ADMIN_PORT);
    if (!Number.isInteger(port) || port <= 0) return { kind: 'none', role, why: `admin port ${port} is picked at start, nothing fixed to probe` };
    const host = optionValue(args, '--admin-host') ?? env.ADMIN_HOST ?? '127.0.0.1';
    const probeHost = host === '0.0.0.0' || host === '::' || host === '' ? '127.0.0.1' : host;
    return { kind: 'http', role, url: `http://${probeHost.includes(':') ? `[${probeHost}]` : probeHost}:${port}/healthz` };
  }
  if (role === 'fake-api') {
    const port = Number(optionValue(args, '--port') ?? DEFAULT_FAKE_PORT);
    return { kind: 'http', role, url: `http://127.0.0.1:${port}/_fake/stats` };
  }
  return { kind: 'none', role, why: 'a one-shot command has no listener; its exit code tells how it ended' };
}

/** The arguments of the tokportal-sync process in this container (or of `pid`). */
export function findCommandLine(pid?: number): string[] | null {
  const pids = pid === undefined ? readdirSync('/proc').filter((name) => /^\d+$/.test(name) && Number(name) !== process.pid) : [String(pid)];
  for (const candidate of pids.sort((a, b) => Number(a) - Number(b))) {
    let argv: string[];
    try {
      argv = readFileSync(`/proc/${candidate}/cmdline`, 'utf8').split('\0').filter(Boolean);
    } catch {
      continue; // gone, or not ours to read
    }
    const entry = argv.findIndex((arg) => ENTRY.test(arg));
    if (entry >= 0 && !argv.some((arg) => arg.endsWith('healthcheck.js') || arg.endsWith('healthcheck.ts'))) return argv.slice(entry + 1);
  }
  return null;
}

async function main(): Promise<number> {
  const pidArg = optionValue(process.argv.slice(2), '--pid');
  const args = findCommandLine(pidArg === undefined ? undefined : Number(pidArg));
  if (!args) {
    process.stdout.write('unhealthy: no tokportal-sync process found\n');
    return 1;
  }
  const probe = probeFor(args, process.env);
  if (probe.kind === 'none') {
    process.stdout.write(`healthy: ${probe.role}: ${probe.why}\n`);
    return 0;
  }
  try {
    const response = await fetch(probe.url, { signal: AbortSignal.timeout(4_000) });
    process.stdout.write(`${response.ok ? 'healthy' : 'unhealthy'}: ${probe.role}: ${probe.url} answered ${response.status}\n`);
    return response.ok ? 0 : 1;
  } catch (error) {
    process.stdout.write(`unhealthy: ${probe.role}: ${probe.url}: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
}

// Run as a script (the Dockerfile's HEALTHCHECK), not when a test imports it.
if (process.argv[1] && /healthcheck\.(?:js|ts)$/.test(process.argv[1])) process.exitCode = await main();
