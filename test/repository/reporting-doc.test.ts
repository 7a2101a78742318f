// docs/reporting.md shows the demo's real output: this runs the demo (40 bundles, seed "demo", the
// defaults of `npm run demo`) into a fresh database, then every ```sql block of the page through
// psql and every `$ tokportal-sync report` block through the binary, and compares each output with
// the block that follows it in the page. UPDATE_DOCS=1 writes the actual outputs into the page.
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runDemo } from '../../src/demo/run.js';
import { createTestDatabase, type TestDatabase } from '../support/postgres.js';
import { deleteRedisPrefix, uniquePrefix } from '../support/redis.js';

const exec = promisify(execFile);
const DOC = join(import.meta.dirname, '../../docs/reporting.md');
const BIN = join(import.meta.dirname, '../../bin/tokportal-sync.js');
const PSQL = process.env.PSQL ?? 'psql';

type Block = { kind: 'sql' | 'console'; code: string; expected: string | null; start: number; end: number };

/** Each ```sql or ```console block, with the plain ``` block right after it (its output). */
export function docBlocks(text: string): Block[] {
  const blocks: Block[] = [];
  const fence = /```(sql|console)\n([\s\S]*?)```\n/g;
  for (let match = fence.exec(text); match; match = fence.exec(text)) {
    const kind = match[1] as Block['kind'];
    let code = match[2]!;
    let expected: string | null = null;
    let end = fence.lastIndex;
    if (kind === 'sql') {
      const output = /^```\n([\s\S]*?)```\n/.exec(text.slice(end));
      if (output) {
        expected = output[1]!;
        end += output[0].length;
      }
    } else {
      // The command line, then its output, in one block.
      const [command, ...rest] = code.split('\n');
      code = command!;
      expected = rest.join('\n');
    }
    blocks.push({ kind, code, expected, start: match.index, end });
    fence.lastIndex = end;
  }
  return blocks;
}

const tidy = (text: string) =>
  text
    .split('\n')
    .map((line) => line.trimEnd())
    .join('\n')
    .replace(/\n+$/, '\n');

let database: TestDatabase;
const prefix = uniquePrefix('docs');

beforeAll(async () => {
  database = await createTestDatabase('docs');
  const verification = await runDemo(
    { bundles: 40, seed: 'demo', queuePrefix: prefix, databaseUrl: database.url, keepRunning: false, quiet: true },
    () => {},
  );
  expect(verification.ok).toBe(true);
}, 180_000);

afterAll(async () => {
  await database?.drop();
  await deleteRedisPrefix(prefix);
});

async function actualOutput(block: Block): Promise<string> {
  if (block.kind === 'sql') {
    const { stdout } = await exec(PSQL, ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-P', 'pager=off', database.url, '-c', block.code], {
      env: { ...process.env, PGTZ: 'UTC', PGDATESTYLE: 'ISO, MDY', PGCLIENTENCODING: 'UTF8' },
      timeout: 30_000,
    });
    return tidy(stdout);
  }
  const args = block.code.replace(/^\$ tokportal-sync /, '').split(/\s+/);
  const { stdout } = await exec(process.execPath, [BIN, ...args], {
    env: { PATH: process.env.PATH ?? '', DATABASE_URL: database.url, LOG_LEVEL: 'warn' },
    timeout: 60_000,
  });
  return tidy(stdout);
}

describe('docs/reporting.md on the demo mirror', () => {
  it('every SQL and report block prints exactly the output the page shows', async () => {
    const text = readFileSync(DOC, 'utf8');
    const blocks = docBlocks(text);
    expect(blocks.filter((b) => b.kind === 'sql').length).toBeGreaterThanOrEqual(15);
    const results: { block: Block; actual: string }[] = [];
    for (const block of blocks) results.push({ block, actual: await actualOutput(block) });

    if (process.env.UPDATE_DOCS === '1') {
      let updated = '';
      let at = 0;
      for (const { block, actual } of results) {
        updated += text.slice(at, block.start);
        updated +=
          block.kind === 'sql' ? `\`\`\`sql\n${block.code}\`\`\`\n\`\`\`\n${actual}\`\`\`\n` : `\`\`\`console\n${block.code}\n${actual}\`\`\`\n`;
        at = block.end;
      }
      writeFileSync(DOC, updated + text.slice(at));
      return;
    }
    for (const { block, actual } of results) {
      expect({ query: block.code, output: actual }).toEqual({ query: block.code, output: block.expected === null ? null : tidy(block.expected) });
    }
  }, 240_000);
});
