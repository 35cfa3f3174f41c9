// Bundles the CLI into one CommonJS file, dist/bundle/saker.cjs (run by `npm run build`; started by
// bin/saker.js with a V8 code cache per command). The libraries stay in node_modules and are
// required at run time, loaded only by the code that needs them (see the lazy loads in
// src/outputs, src/metrics, src/agent), except those every rules-loading command runs: YAML is
// bundled, so its ~70 files are neither resolved nor compiled one by one at each start but come
// out of the bundle's code cache (saker list: ~0.1 s of CPU at start-up).
import { readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const BUNDLED = new Set(['yaml']);
// ajv's runtime helpers, which the build-time validators import (scripts/gen-validators.ts): a
// few lines each, run when the module is initialised, which the start-up snapshot does while it
// is built, when no package can be loaded (scripts/snapshot.mjs).
const BUNDLED_PATHS = /^ajv\/dist\/runtime\//;
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const libraries = Object.keys(pkg.dependencies).filter((d) => !BUNDLED.has(d));
/** The libraries left in node_modules: a plugin, not esbuild's `external`, which has no exceptions. */
const external = {
  name: 'external-libraries',
  setup(b) {
    b.onResolve({ filter: /^[@a-z]/ }, ({ path }) => {
      if (BUNDLED_PATHS.test(path)) return undefined;
      return libraries.some((d) => path === d || path.startsWith(`${d}/`)) ? { path, external: true } : undefined;
    });
  },
};
const out = join(root, 'dist', 'bundle');

rmSync(out, { recursive: true, force: true });
await build({
  entryPoints: [join(root, 'src', 'cli', 'main.ts')],
  bundle: true, format: 'cjs', platform: 'node', target: 'node20', plugins: [external],
  // the sources find their package files from import.meta.url: the bundle's own URL
  define: { 'import.meta.url': '__saker_url' },
  banner: { js: "const __saker_url = require('node:url').pathToFileURL(__filename).href;" },
  outfile: join(out, 'saker.cjs'), logLevel: 'warning',
  // Comments and indentation were a third of the file, read and hashed at every start; the map
  // beside it gives stack traces their source lines (node --enable-source-maps).
  minifyWhitespace: true, sourcemap: 'linked',
  // ASCII only (non-ASCII escaped), so bin/saker.js can read it as latin1 into a one-byte string:
  // UTF-8 decoding, and a two-byte string for all of it, cost start-up ~20 ms of CPU.
  charset: 'ascii',
});
if (readFileSync(join(out, 'saker.cjs')).some((byte) => byte > 0x7f)) throw new Error('bundle: saker.cjs is not ASCII');
