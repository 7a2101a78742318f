// No Docker engine runs in CI, so nothing else would notice when the deployment files drift
// from the code: a renamed subcommand or flag, a moved health route, a build input dropped from
// the context. These checks hold Dockerfile, .dockerignore and docker-compose.yml to the CLI and
// the receiver as they are. (The compose syntax itself is validated with docker-compose and the
// compose-spec schema; see docs/operations.md.)
import { existsSync, readFileSync } from 'node:fs';
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { registerCommands } from '../../src/cli/commands.js';
import { MIGRATIONS_FOLDER } from '../../src/db/connection.js';
import { healthRoutes } from '../../src/http/health.js';
import { WEBHOOK_PATH } from '../../src/receiver/webhook.js';

const root = new URL('../../', import.meta.url);
const read = (path: string) => readFileSync(new URL(path, root), 'utf8');
const dockerfile = read('Dockerfile');
const compose = read('docker-compose.yml');

/** The `command:` of each service, in the two styles the file uses: a flow list or a block list. */
function serviceCommands(text: string): Map<string, string[]> {
  const commands = new Map<string, string[]>();
  const lines = text.split('\n');
  let service: string | undefined;
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index]!;
    const header = /^ {2}([a-z][a-z0-9-]*):\s*$/.exec(line);
    if (header) service = header[1];
    if (/^\S/.test(line)) service = undefined;
    const command = /^ {4}command:\s*(.*)$/.exec(line);
    if (!service || !command) continue;
    const items: string[] = [];
    if (command[1]) {
      items.push(...(JSON.parse(command[1]) as string[]));
    } else {
      for (let next = index + 1; next < lines.length && /^ {6}- /.test(lines[next]!); next++) {
        items.push(lines[next]!.replace(/^ {6}- /, '').replace(/^"(.*)"$/, '$1'));
      }
    }
    commands.set(service, items);
  }
  return commands;
}

function program(): Command {
  const cli = new Command();
  registerCommands(cli);
  return cli;
}

describe('docker-compose.yml runs the CLI as it is', () => {
  const commands = serviceCommands(compose);
  const cli = program();

  it('starts each app service with a real subcommand and only its real options', () => {
    expect([...commands.keys()].sort()).toEqual(['fake-api', 'migrate', 'receiver', 'redis', 'worker']);
    for (const [service, argv] of commands) {
      if (service === 'redis') continue;
      const subcommand = cli.commands.find((command) => command.name() === argv[0]);
      expect(subcommand, `${service}: tokportal-sync ${argv[0]}`).toBeDefined();
      const known = new Set(subcommand!.options.map((option) => option.long));
      for (const flag of argv.filter((arg) => arg.startsWith('--'))) {
        expect(known.has(flag), `${service}: ${argv[0]} ${flag}`).toBe(true);
      }
    }
  });

  it('points the fake at the receiver webhook route, on the port the receiver listens on', () => {
    const argv = commands.get('fake-api')!;
    const url = new URL(argv[argv.indexOf('--webhook-url') + 1]!);
    expect(url.hostname).toBe('receiver');
    expect(url.pathname).toBe(WEBHOOK_PATH);
    const containerPort = /^\s+PORT: "(\d+)"$/m.exec(compose)?.[1];
    expect(url.port).toBe(containerPort);
    expect(compose).toContain(`"\${RECEIVER_PORT:-3000}:${containerPort}"`);
    expect(dockerfile).toMatch(new RegExp(`^EXPOSE ${containerPort}$`, 'm'));
  });

  it('keeps the worker scalable: no container_name, no host port', () => {
    const settings = compose.replace(/^\s*#.*\n/gm, '');
    const worker = /^ {2}worker:\n((?: {4}.*\n|\n)*)/m.exec(settings)?.[1] ?? '';
    expect(worker).toContain('command: ["worker"]');
    expect(worker).not.toMatch(/ports:/);
    expect(settings).not.toMatch(/container_name/);
  });

  it('gates the app on healthy Postgres and Redis and a successful migrate', () => {
    expect(compose).toMatch(/migrate:\n\s+condition: service_completed_successfully/);
    expect(compose).toMatch(/postgres:\n\s+condition: service_healthy/);
    expect(compose).toMatch(/redis:\n\s+condition: service_healthy/);
    expect(compose).toMatch(/--appendonly\n\s+- "yes"/);
  });
});

describe('Dockerfile', () => {
  it('probes a route the receiver serves without touching Postgres or Redis', async () => {
    // /healthz must answer while dependencies are down (a restart would not fix them).
    const app = healthRoutes({ db: undefined as never, redis: undefined as never });
    const probed = [...`${dockerfile}\n${compose}`.matchAll(/127\.0\.0\.1:'\+\(process\.env\.PORT\|\|3000\)\+'(\/[a-z]+)|127\.0\.0\.1:3000(\/[a-z]+)/g)]
      .map((match) => match[1] ?? match[2]);
    expect(probed).toContain('/healthz');
    for (const path of new Set(probed)) expect((await app.request(path!)).status, path).toBe(200);
  });

  it('runs the compiled CLI that tsconfig.build.json produces, with the migrations beside dist/', () => {
    const build = JSON.parse(read('tsconfig.build.json')) as { compilerOptions: { outDir: string; rootDir: string } };
    expect(build.compilerOptions).toMatchObject({ outDir: 'dist', rootDir: '.' });
    expect(existsSync(new URL('src/cli/main.ts', root))).toBe(true);
    expect(dockerfile).toMatch(/^ENTRYPOINT \["node", (?:"--[a-z-]+=\d+", )*"dist\/src\/cli\/main\.js"\]$/m);
    // The migrations are found beside package.json, from src/ in a clone and from dist/src/ in the image.
    expect(MIGRATIONS_FOLDER).toBe(new URL('drizzle', root).pathname.replace(/\/$/, ''));
    expect(dockerfile).toMatch(/^WORKDIR \/app$/m);
    expect(dockerfile).toMatch(/^COPY .*\bdrizzle \.\/drizzle$/m);
  });

  it('runs Node with the same V8 heap flags as the bin script and the npm scripts', () => {
    const entrypoint = JSON.parse(/^ENTRYPOINT (\[.*\])$/m.exec(dockerfile)![1]!) as string[];
    const imageFlags = entrypoint.filter((arg) => arg.startsWith('--'));
    expect(imageFlags.length).toBeGreaterThan(0);
    const shebang = read('bin/tokportal-sync.js').split('\n', 1)[0]!;
    expect(shebang).toBe(`#!/usr/bin/env -S node ${imageFlags.join(' ')}`);
    const scripts = (JSON.parse(read('package.json')) as { scripts: Record<string, string> }).scripts;
    for (const name of ['start', 'demo', 'db:migrate']) {
      expect(scripts[name], name).toMatch(new RegExp(`^node ${imageFlags.join(' ')} bin/tokportal-sync\\.js `));
    }
  });

  it('copies only build inputs that exist and that .dockerignore lets through', () => {
    const ignored = read('.dockerignore')
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line && !line.startsWith('#') && !line.startsWith('!'));
    const sources = [...dockerfile.matchAll(/^COPY (?!--from)(?:--\S+ )*(.+) \S+$/gm)].flatMap((match) => match[1]!.split(' '));
    expect(sources).toEqual(expect.arrayContaining(['package.json', 'package-lock.json', 'src', 'fake-tokportal', 'drizzle']));
    for (const source of sources) {
      expect(existsSync(new URL(source, root)), source).toBe(true);
      expect(ignored, `${source} is excluded by .dockerignore`).not.toContain(source);
    }
  });

  it('runs as the unprivileged node user and installs production dependencies only in the runtime', () => {
    expect(dockerfile).toMatch(/^USER node$/m);
    expect(dockerfile).toContain('npm ci --omit=dev');
    const runtime = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '));
    expect(runtime).toMatch(/COPY --from=prod-deps .*node_modules/);
    expect(runtime).not.toMatch(/COPY --from=(deps|build) .*node_modules/);
  });
});
