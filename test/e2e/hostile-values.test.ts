// SQL in the data: bundle fields holding SQL, quotes, backslashes, control characters and
// non-Latin scripts travel fake TokPortal → signed webhook → receiver → queue → worker →
// Postgres and come out byte for byte, with every table still there. Any string-built SQL on
// the way would either fail here or drop something.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { eq, sql } from 'drizzle-orm';
import { bundles, bundleVersions } from '../../src/db/schema.js';
import { startStack, type Stack } from '../support/stack.js';
import { readBundle, readHandles } from '../support/mirror.js';

const EXTERNAL_REF = "x'); drop table tokportal.bundles; --";
const TITLE = `Robert'); DROP TABLE tokportal.bundle_versions;-- \\' \\\\ "quoted" $1 ? %s \${x} 🚀 Привет 世界`;
const USERNAME = `o'hara\\"; delete from tokportal.bundle_accounts where ''=''; --ü日本`;
const BIOGRAPHY = 'line one\nline two\ttab \u0001\u001f control \u202e bidi ‮ end';
const ODD_KEY = "'; drop schema tokportal cascade; --";
const ODD_VALUE = `it's "quoted" \\ and ; semicolons`;

let live: Stack;

beforeAll(async () => {
  live = await startStack({ label: 'hostile', fake: {}, rateLimitPerMin: 6_000, receiver: true, worker: true });
});

afterAll(async () => {
  await live?.close();
});

it('stores bundle fields holding SQL, quotes, backslashes and unicode verbatim, and every table survives', async () => {
  const { fake } = live;
  const bundle = fake.service.createBundle(fake.apiKey, {
    bundle_type: 'account_only',
    platform: 'tiktok',
    country: 'US',
    title: TITLE,
    external_ref: EXTERNAL_REF,
  });
  await fake.advance(bundle.id); // configure_account
  // An operator edits the account and sets a field nobody documented; one webhook says so.
  await fake.patch(bundle.id, {
    username: USERNAME,
    biography: BIOGRAPHY,
    [ODD_KEY]: ODD_VALUE,
    events: ['account.configured'],
  });
  await live.settle();
  await fake.advance(bundle.id); // account_in_review: the account is delivered
  await fake.remake(bundle.id); // the hostile handle becomes remade.old_username and history
  await live.settle();

  const row = await readBundle(live.db, bundle.id);
  const handles = fake.handles(bundle.id);
  expect(row).toMatchObject({ externalRef: EXTERNAL_REF, title: TITLE, biography: BIOGRAPHY, oldUsername: USERNAME, username: handles.at(-1) });
  expect((row!.raw as Record<string, unknown>)[ODD_KEY]).toBe(ODD_VALUE);
  expect(await readHandles(live.db, bundle.id)).toEqual(handles.slice(handles.indexOf(USERNAME)));

  // Found again through parameters, in the current row, the history and the inbox payloads.
  expect(await live.db.select({ id: bundles.bundleId }).from(bundles).where(eq(bundles.externalRef, EXTERNAL_REF))).toEqual([
    { id: bundle.id },
  ]);
  const versions = await live.db
    .select({ id: bundleVersions.id })
    .from(bundleVersions)
    .where(eq(bundleVersions.externalRef, EXTERNAL_REF));
  expect(versions.length).toBeGreaterThan(0);
  const events = (await live.db.execute(
    sql`select count(*)::int as n from tokportal.webhook_events where payload -> 'data' ->> 'external_ref' = ${EXTERNAL_REF}`,
  )) as unknown as { n: number }[];
  expect(events[0]!.n).toBeGreaterThanOrEqual(3);

  const tables = (await live.db.execute(
    sql`select to_regclass('tokportal.bundles') as b, to_regclass('tokportal.bundle_versions') as v, to_regclass('tokportal.bundle_accounts') as a, to_regclass('tokportal.webhook_events') as w`,
  )) as unknown as Record<string, string | null>[];
  expect(Object.values(tables[0]!).every((name) => name !== null)).toBe(true);
});
