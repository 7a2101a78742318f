// The import rules of tokportal-sync (docs/architecture.md explains each). Checked in CI by
// `npm run check:boundaries`; a violation names the rule, the importing file and the import.

// The layers of src/, bottom to top. A module imports from its own layer or below, never above.
const LAYERS = [
  ['lib'],
  ['config', 'tokportal'],
  ['sync'],
  ['db', 'queue'],
  ['observability', 'format'],
  ['http'],
  ['receiver', 'worker'],
  ['app'],
  ['cli', 'demo'],
];
/** src/<name>/... or src/<name>.ts (config.ts is a file, the others are folders). */
const inSrc = (names) => `^src/(${names.join('|')})(/|\\.ts$)`;

function layerRules() {
  return LAYERS.slice(0, -1).map((layer, index) => ({
    name: `layer-${layer.join('-')}`,
    severity: 'error',
    comment:
      `Layers, bottom to top: ${LAYERS.map((names) => names.join(', ')).join(' → ')}. ` +
      `${layer.join(' and ')} may import only from ${LAYERS.slice(0, index + 1).flat().join(', ')}.`,
    from: { path: inSrc(layer) },
    to: { path: inSrc(LAYERS.slice(index + 1).flat()) },
  }));
}

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-cycles',
      severity: 'error',
      comment: 'Imports point one way: a cycle means two modules are one concept, or a type lives in the wrong file.',
      from: { path: '^(src|fake-tokportal)/' },
      to: { circular: true },
    },
    {
      name: 'core-is-pure',
      severity: 'error',
      comment:
        'src/sync/ holds the decisions (what changed, remakes, staleness, which details to fetch, verification order). ' +
        'It owns its domain types and may import only itself, the wire schemas and leaf utilities: no I/O library, no storage.',
      from: { path: '^src/sync/' },
      to: {
        pathNot: ['^src/sync/', '^src/tokportal/schemas\\.ts$', '^src/lib/duration\\.ts$', '^node_modules/zod/', '^crypto$', '^node:crypto$'],
      },
    },
    {
      name: 'sql-only-in-storage',
      severity: 'error',
      comment: 'Every SQL statement lives in src/db/, one file per table family; other code calls its functions.',
      from: { path: '^(src|fake-tokportal)/', pathNot: '^src/db/' },
      to: { path: '^node_modules/(drizzle-orm|postgres|@electric-sql/pglite)(/|$)' },
    },
    {
      name: 'storage-does-not-enqueue',
      severity: 'error',
      comment: 'src/db/ executes plans made in src/sync/; it never reaches the queue (db/ and queue/ are one layer, side by side).',
      from: { path: '^src/db/' },
      to: { path: '^src/queue/' },
    },
    ...layerRules(),
    {
      name: 'receiver-and-worker-are-siblings',
      severity: 'error',
      comment:
        'The receiver and the worker are separate processes in production: neither imports the other. ' +
        'What both serve (health, admin routes, the graceful HTTP server) lives in src/http/.',
      from: { path: '^src/(receiver|worker)/' },
      to: { path: '^src/(receiver|worker)/', pathNot: '^src/$1/' },
    },
    {
      name: 'nothing-imports-the-cli',
      severity: 'error',
      comment: 'The CLI is a thin host: the application is started through src/app/, never through a command.',
      from: { path: '^(src|bench|fake-tokportal)/', pathNot: '^src/cli/' },
      to: { path: '^src/cli/' },
    },
    {
      name: 'app-is-the-composition-root',
      severity: 'error',
      comment: 'Only the hosts (CLI, demo) build and start the application.',
      from: { path: '^src/', pathNot: '^src/(app|cli|demo)/' },
      to: { path: '^src/app/' },
    },
    {
      name: 'fake-through-its-entry',
      severity: 'error',
      comment: 'The fake TokPortal is used only through fake-tokportal/index.ts (its own tests aside).',
      from: { pathNot: '^(fake-tokportal|test/fake-tokportal)/' },
      to: { path: '^fake-tokportal/', pathNot: '^fake-tokportal/index\\.ts$' },
    },
    {
      name: 'fake-stands-alone',
      severity: 'error',
      comment: 'The fake plays TokPortal: it shares no code with the client it tests.',
      from: { path: '^fake-tokportal/' },
      to: { path: '^(src|test|bench)/' },
    },
    {
      name: 'production-never-loads-the-fake',
      severity: 'error',
      comment: 'Only the demo and the fake-api command start the fake.',
      from: { path: '^src/', pathNot: '^src/(demo|cli/fake-api|cli/demo)/' },
      to: { path: '^fake-tokportal/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'] },
    exclude: { path: '^(dist|\\.data)/' },
  },
};
