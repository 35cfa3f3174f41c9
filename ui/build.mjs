// Builds the web UI into dist/ui (run by `npm run build`): type-checks the UI's sources against
// the DOM, bundles them with esbuild (Preact, htm, uPlot and the CSS into app.js and app.css) and
// copies index.html. Everything the page loads is then served by the agent itself.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, '..', 'dist', 'ui');
execFileSync(process.execPath, [join(here, '..', 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(here, 'tsconfig.json')], { stdio: 'inherit' });
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
await build({
  entryPoints: { app: join(here, 'app.ts') },
  bundle: true, minify: true, format: 'esm', target: 'es2020', outdir: out, logLevel: 'warning', sourcemap: false,
});
copyFileSync(join(here, 'index.html'), join(out, 'index.html'));
