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
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const external = Object.keys(pkg.dependencies).filter((d) => !BUNDLED.has(d)).flatMap((d) => [d, `${d}/*`]);
const out = join(root, 'dist', 'bundle');

rmSync(out, { recursive: true, force: true });
await build({
  entryPoints: [join(root, 'src', 'cli', 'main.ts')],
  bundle: true, format: 'cjs', platform: 'node', target: 'node20', external,
  // the sources find their package files from import.meta.url: the bundle's own URL
  define: { 'import.meta.url': '__saker_url' },
  banner: { js: "const __saker_url = require('node:url').pathToFileURL(__filename).href;" },
  outfile: join(out, 'saker.cjs'), logLevel: 'warning',
});
