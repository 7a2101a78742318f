// .env.example is the operator's list of settings, docker-compose.yml passes them to the
// containers and .env.demo points the compose demo at the fake; all drift silently when
// src/config.ts grows a variable. This test reads the env schema straight out of src/config.ts
// (TypeScript AST, so no export is needed for the test's sake) and holds the files to each other.
import { readFileSync } from 'node:fs';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { DEMO_API_KEY } from '../../fake-tokportal/index.js';

const root = new URL('../../', import.meta.url);
const read = (path: string) => readFileSync(new URL(path, root), 'utf8');

const COMPOSE_ONLY_MARKER = /^#.*Docker Compose only/;

/** Keys of the `envSchema = z.object({...})` literal in src/config.ts. */
function configVariables(): string[] {
  const file = ts.createSourceFile('config.ts', read('src/config.ts'), ts.ScriptTarget.ES2022, true);
  let keys: string[] | undefined;
  const visit = (node: ts.Node): void => {
    if (ts.isVariableDeclaration(node) && node.name.getText() === 'envSchema' && node.initializer) {
      const call = node.initializer;
      const literal = ts.isCallExpression(call) ? call.arguments[0] : undefined;
      if (literal && ts.isObjectLiteralExpression(literal)) {
        keys = literal.properties.map((property) => property.name?.getText() ?? '');
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  if (!keys) throw new Error('envSchema = z.object({...}) not found in src/config.ts');
  return keys;
}

type EnvFile = { app: Map<string, string>; composeOnly: Map<string, string>; duplicates: string[] };

/** Parses NAME=value lines; lines after the "Docker Compose only" heading are compose settings. */
function parseEnvExample(text: string): EnvFile {
  const parsed: EnvFile = { app: new Map(), composeOnly: new Map(), duplicates: [] };
  let section = parsed.app;
  for (const line of text.split('\n')) {
    if (COMPOSE_ONLY_MARKER.test(line)) section = parsed.composeOnly;
    const match = /^([A-Z][A-Z0-9_]*)=(.*)$/.exec(line.trim());
    if (!match) continue;
    const [, name, value] = match as unknown as [string, string, string];
    if (parsed.app.has(name) || parsed.composeOnly.has(name)) parsed.duplicates.push(name);
    section.set(name, value);
  }
  return parsed;
}

/** Every `${NAME...}` the compose file substitutes. */
function composeVariables(text: string): Set<string> {
  return new Set([...text.matchAll(/\$\{([A-Za-z_][A-Za-z0-9_]*)/g)].map((match) => match[1]!));
}

const sorted = (names: Iterable<string>) => [...names].sort();

describe('.env.example', () => {
  const variables = configVariables();
  const envExample = parseEnvExample(read('.env.example'));

  it('reads a plausible env schema out of src/config.ts', () => {
    expect(variables).toContain('DATABASE_URL');
    expect(variables).toContain('TOKPORTAL_WEBHOOK_SECRETS');
    expect(variables.every((name) => /^[A-Z][A-Z0-9_]*$/.test(name))).toBe(true);
  });

  it('lists every setting of src/config.ts, and nothing else, in its app part, once', () => {
    expect(sorted(envExample.app.keys())).toEqual(sorted(variables));
    expect(envExample.duplicates).toEqual([]);
  });

  it('gives each setting exactly the default src/config.ts applies', () => {
    // Loading the file's values must configure the program exactly as an empty environment does.
    expect(loadConfig(Object.fromEntries(envExample.app))).toEqual(loadConfig({}));
  });

  it('explains every setting with a comment above it', () => {
    const lines = read('.env.example').split('\n');
    for (const name of [...envExample.app.keys(), ...envExample.composeOnly.keys()]) {
      let index = lines.findIndex((line) => line.startsWith(`${name}=`)) - 1;
      // Settings listed together (PORT and HOST) share the comment above the first one.
      while (index >= 0 && /^[A-Z][A-Z0-9_]*=/.test(lines[index]!)) index--;
      expect(lines[index] ?? '', `comment above ${name}`).toMatch(/^# \S/);
    }
  });
});

describe('docker-compose.yml', () => {
  const variables = new Set(configVariables());
  const envExample = parseEnvExample(read('.env.example'));
  const substituted = composeVariables(read('docker-compose.yml'));

  it('substitutes only variables .env.example documents', () => {
    const undocumented = sorted(substituted).filter(
      (name) => !envExample.app.has(name) && !envExample.composeOnly.has(name),
    );
    expect(undocumented).toEqual([]);
  });

  it('uses every compose-only variable of .env.example, and none of them is a program setting', () => {
    expect(sorted(envExample.composeOnly.keys()).filter((name) => !substituted.has(name))).toEqual([]);
    expect(sorted(envExample.composeOnly.keys()).filter((name) => variables.has(name))).toEqual([]);
  });

  it('passes the TokPortal credentials and the admin token through from .env', () => {
    for (const name of ['TOKPORTAL_API_KEY', 'TOKPORTAL_WEBHOOK_SECRETS', 'TOKPORTAL_BASE_URL', 'ADMIN_TOKEN']) {
      expect(substituted.has(name), name).toBe(true);
    }
  });
});

describe('.env.demo', () => {
  const variables = new Set(configVariables());
  const envExample = parseEnvExample(read('.env.example'));
  const demo = parseEnvExample(read('.env.demo'));
  const compose = read('docker-compose.yml');

  it('sets only documented variables, each once', () => {
    const names = [...demo.app.keys(), ...demo.composeOnly.keys()];
    expect(names.filter((name) => !variables.has(name) && !envExample.composeOnly.has(name))).toEqual([]);
    expect(demo.duplicates).toEqual([]);
  });

  it('is a valid configuration for every app service', () => {
    const config = loadConfig(Object.fromEntries([...demo.app].filter(([name]) => variables.has(name))));
    expect(config.webhookSecrets).toHaveLength(1);
    expect(config.adminToken).toBeDefined();
  });

  it("uses the fake's demo key and reaches the fake-api service on the port it listens on", () => {
    expect(demo.app.get('TOKPORTAL_API_KEY')).toBe(DEMO_API_KEY);
    const fakePort = /- fake-api\n(?:\s+- .*\n)*?\s+- --port\n\s+- "?(\d+)"?/.exec(compose)?.[1];
    expect(fakePort).toBeDefined();
    expect(demo.app.get('TOKPORTAL_BASE_URL')).toBe(`http://fake-api:${fakePort}/api/ext`);
  });
});
