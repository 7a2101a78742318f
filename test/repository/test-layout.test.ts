// test/ mirrors src/ (test/README.md): a test file is found at the path of what it tests, and
// only the CLI's own tests go through a command's implementation. A moved or renamed source
// file whose tests stayed behind fails here, not in a newcomer's search.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const TEST = join(ROOT, 'test');

/** Folders that test no single source file, and why (test/README.md says the same). */
const NOT_MIRRORED = new Set([
  'e2e', // the whole application through its entry points, receiver to mirror
  'faults', // the fault suite: the whole application under injected faults
  'repository', // files that are not source: README, .env.example, Dockerfile, compose, bench, this layout
]);
/** Where the helpers live (files that are not tests). */
const HELPER_PLACES = [/^support\//, /^faults\/lib\//, /^fake-tokportal\/helpers\.ts$/];

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? filesUnder(join(dir, entry.name)) : [join(dir, entry.name)],
  );
}

const files = filesUnder(TEST).map((path) => relative(TEST, path).split('\\').join('/'));
const testFiles = files.filter((path) => path.endsWith('.test.ts'));

/** The source a test file mirrors: <dir>/<name>[.<aspect>].test.ts → src/<dir>/<name>.ts (fake-tokportal/ at the top). */
function mirroredSource(testPath: string): string | null {
  const [top] = testPath.split('/');
  if (NOT_MIRRORED.has(top!)) return null;
  const dir = testPath.includes('/') ? testPath.slice(0, testPath.lastIndexOf('/') + 1) : '';
  const name = testPath.slice(dir.length).replace(/\.test\.ts$/, '').split('.')[0]!;
  return top === 'fake-tokportal' ? `${dir}${name}.ts` : `src/${dir}${name}.ts`;
}

describe('test/ layout', () => {
  it('puts every test file at the path of the source it tests (e2e, faults and repository aside)', () => {
    const orphans = testFiles
      .map((path) => ({ path, source: mirroredSource(path) }))
      .filter(({ source }) => source !== null && !existsSync(join(ROOT, source)));
    expect(orphans).toEqual([]);
  });

  it('keeps helpers in test/support/ (the fault suite and the fake have their own)', () => {
    const strays = files.filter((path) => !path.endsWith('.test.ts') && !path.endsWith('.md') && !HELPER_PLACES.some((place) => place.test(path)));
    expect(strays).toEqual([]);
  });

  it('starts the application through src/app/: only the CLI tests import a command implementation', () => {
    const throughCli = files
      .filter((path) => path.endsWith('.ts') && !path.startsWith('cli/'))
      .filter((path) => /from '[./]+\/src\/cli\/[^/']+\/run\.js'/.test(readFileSync(join(TEST, path), 'utf8')));
    expect(throughCli).toEqual([]);
  });
});
