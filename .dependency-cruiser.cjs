// dependency-cruiser: the architecture written as rules (`npm run check:deps`, also run by
// `npm test`). Three things are checked, type-only imports included:
//  1. no import cycle;
//  2. a module imports another top-level folder of src/ only through its surface: the folder's
//     index.ts, or a sub-area's index.ts where a command must load one part without the rest
//     (capture/scap without the sensor client, agent/inspect without YAML and prom-client);
//  3. imports run one way, down the layers (each line may import the ones below it):
//       cli, server                      commands and HTTP on top (cli may start the server)
//       generate                         the self-test event generator (safe actions; imports nothing of src)
//       agent                            a running agent and the one-shot pipelines
//       outputs                          alert formats, writers, destinations
//       filter, rules, policy            conditions; rules files; TracingPolicies
//       state, runtimes, config          what the engine knows; container runtimes; falco.yaml
//       capture                          event sources: .scap files, the live sensor
//       events, metrics                  the event table and view; the per-agent registry
//     Within a layer: rules and policy use filter; runtimes feed state (state does not know them:
//     the agent hands their lookups to it); config knows the sensor's syscall names (capture).
// Tests beside the code may import any folder's surface (a filter test may load rules files) and
// the test-only helpers (src/testing, filter/test-support.ts), which production code may not.
const SURFACE = ['^src/[^/]+/index\\.ts$', '^src/[^/]+/[^/]+/index\\.ts$'];
const TEST_HELPERS = '^src/testing/|^src/[^/]+/test-support\\.ts$';
const TEST_FILE = '\\.test\\.ts$';

/** Folder X may import the folders listed (besides itself, libraries and src/package-root.ts). */
const LAYERS = {
  events: [],
  metrics: [],
  capture: ['events', 'metrics'],
  config: ['events', 'capture'],
  state: ['events', 'capture', 'metrics', 'config'],
  runtimes: ['events', 'capture', 'metrics', 'config', 'state'],
  filter: ['events', 'capture', 'metrics', 'state'],
  rules: ['events', 'capture', 'metrics', 'state', 'filter'],
  policy: ['events', 'capture', 'metrics', 'config', 'state', 'filter'],
  outputs: ['events', 'capture', 'metrics', 'config', 'state', 'filter', 'rules', 'policy'],
  agent: ['events', 'capture', 'metrics', 'config', 'state', 'runtimes', 'filter', 'rules', 'policy', 'outputs'],
  server: ['events', 'capture', 'metrics', 'config', 'state', 'runtimes', 'filter', 'rules', 'policy', 'outputs', 'agent'],
  generate: [],
  cli: ['events', 'capture', 'metrics', 'config', 'state', 'runtimes', 'filter', 'rules', 'policy', 'outputs', 'agent', 'server', 'generate'],
};

const layerRules = Object.entries(LAYERS).map(([folder, below]) => ({
  from: { path: `^src/${folder}/`, pathNot: TEST_FILE },
  to: { path: `^src/(?:${[folder, ...below].join('|')})/` },
}));

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-cycle',
      comment: 'An import cycle (type-only ones too) ties modules that should be layered.',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'no-reaching-into-internals',
      comment: "Another folder of src/ is imported through its index.ts (or a sub-area's index.ts).",
      severity: 'error',
      from: { path: '^src/([^/]+)/' },
      to: { path: '^src/[^/]+/', pathNot: ['^src/$1/', ...SURFACE, TEST_HELPERS] },
    },
    {
      name: 'outside-src-through-surfaces',
      comment: 'Benchmarks and end-to-end tests use src/ through the folders\' surfaces too.',
      severity: 'error',
      from: { path: '^(?:bench|test)/' },
      to: { path: '^src/[^/]+/', pathNot: [...SURFACE, TEST_HELPERS] },
    },
    {
      name: 'test-helpers-only-in-tests',
      comment: 'src/testing and test-support.ts are left out of the build: only tests may use them.',
      severity: 'error',
      from: { path: '^src/', pathNot: [TEST_FILE, TEST_HELPERS] },
      to: { path: TEST_HELPERS },
    },
    {
      name: 'no-unresolvable',
      comment: 'An import that resolves to nothing (a typo, a moved file).',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  // Anything not allowed here is an error: the layer order above, written as directions.
  allowed: [
    { from: {}, to: { dependencyTypes: ['core', 'npm', 'npm-dev', 'npm-optional', 'npm-peer'] } },
    { from: { path: '^src/' }, to: { path: '^src/package-root\\.ts$' } },
    { from: { path: '^src/package-root\\.ts$' }, to: { path: '^src/package-root\\.ts$' } },
    // src/testing holds test-only code (shared fixtures, fuzz targets): like tests, it may use any surface
    { from: { path: '^src/testing/' }, to: { path: '^src/' } },
    { from: { path: TEST_FILE }, to: { path: '^src/' } },
    { from: { path: '^src/[^/]+/test-support\\.ts$' }, to: { path: '^src/' } },
    { from: { path: '^(?:bench|test)/' }, to: { path: '^(?:src|bench|test)/' } },
    // generators in scripts/ read the sources they generate from (gen-validators: the schemas), and a
    // test beside a generated file checks it is what its generator makes now
    { from: { path: '^scripts/' }, to: { path: '^src/' } },
    { from: { path: TEST_FILE }, to: { path: '^scripts/' } },
    ...layerRules,
  ],
  allowedSeverity: 'error',
  options: {
    doNotFollow: { path: 'node_modules' },
    // bench/build: what the benches compile and link there (agent-profile's copy of the tree)
    exclude: { path: '^(?:dist|node_modules|sensor|bench/build|\\.cache)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      extensions: ['.ts', '.js', '.mjs', '.cjs', '.json'],
    },
    moduleSystems: ['es6', 'cjs'],
    reporterOptions: { text: { highlightFocused: true } },
  },
};
