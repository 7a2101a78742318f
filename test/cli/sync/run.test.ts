// `tokportal-sync sync <bundle_id>` as the binary: fetch one bundle now, print what changed.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatRefresh } from '../../../src/cli/sync/run.js';
import type { FakeTokPortal } from '../../../fake-tokportal/index.js';
import type { TestDatabase } from '../../support/postgres.js';
import { startStack, type Stack } from '../../support/stack.js';
import { runCli } from '../../support/cli-process.js';
import { apiView, mirrorView, readBundle } from '../../support/mirror.js';

let stack: Stack;
let database: TestDatabase;
let fake: FakeTokPortal;

beforeAll(async () => {
  stack = await startStack({ label: 'synccli', fake: { bundles: 5, seed: 'sync-cli' } });
  database = stack.database!;
  fake = stack.fake;
});
afterAll(async () => {
  await stack?.close();
});

async function sync(args: string[], apiKey = fake.apiKey) {
  const child = runCli(['sync', ...args], {
    DATABASE_URL: database.url,
    TOKPORTAL_API_KEY: apiKey,
    TOKPORTAL_BASE_URL: fake.baseUrl,
    LOG_LEVEL: 'warn',
  });
  const { code } = await child.exited;
  return { code, ...child.output() };
}

describe('tokportal-sync sync', () => {
  it('creates the row, then reports a remake with the new handle, then --json says unchanged', async () => {
    const bundleId = fake.listBundleIds().find((id) => (fake.getBundle(id) as { account?: { username?: string } | null }).account?.username)!;
    const created = await sync([bundleId]);
    expect(created).toMatchObject({ code: 0, stderr: '' });
    expect(created.stdout).toBe(`${bundleId}: created in the mirror\n  new handles: @${fake.handles(bundleId).at(-1)}\n`);
    expect(mirrorView(await readBundle(database.db, bundleId))).toEqual(apiView(fake.getBundle(bundleId)));

    await fake.remake(bundleId);
    const remade = await sync([bundleId]);
    const newHandle = fake.handles(bundleId).at(-1)!;
    expect(remade.code).toBe(0);
    expect(remade.stdout).toContain(`${bundleId}: updated\n  changed fields: `);
    expect(remade.stdout).toContain('remake detected');
    expect(remade.stdout).toContain(`new handles: @${newHandle}`);

    const json = await sync([bundleId, '--json']);
    expect(JSON.parse(json.stdout)).toMatchObject({ kind: 'applied', result: { bundleId, outcome: 'unchanged', newHandles: [] } });
  });

  it('a bundle TokPortal does not know: tombstone message; a rejected key: exit 3 and one line', async () => {
    const missing = await sync(['bnd_does_not_exist']);
    expect(missing.code).toBe(0);
    expect(missing.stdout).toBe('bnd_does_not_exist: not found in TokPortal (404): nothing to mark (not in the mirror, or already marked deleted)\n');

    const wrongKey = `sk_${'e'.repeat(64)}`;
    const rejected = await sync([fake.listBundleIds()[0]!], wrongKey);
    expect(rejected.code).toBe(3);
    expect(rejected.stderr).toBe('tokportal-sync: TokPortal rejected the API key (AUTH_INVALID_KEY): check TOKPORTAL_API_KEY\n');
    expect(rejected.stdout).toBe('');
  });
});

describe('formatRefresh', () => {
  it('says when the API answer was older than the mirror', () => {
    const text = formatRefresh({
      kind: 'applied',
      eventsProcessed: 2,
      result: { bundleId: 'bnd_1', outcome: 'stale', changedFields: [], remakeDetected: false, newHandles: [] },
    });
    expect(text).toBe('bnd_1: the mirror already holds a newer state (answer ignored)\n  webhook events marked processed: 2');
  });
});
