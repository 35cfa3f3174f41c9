// Builds the CLI's V8 start-up snapshot, dist/bundle/snapshot/saker.blob (run by `npm run build`
// after scripts/bundle.mjs; bin/saker starts list, validate and replay from it): node runs the
// bundle under --build-snapshot (scripts/snapshot-entry.cjs), which initialises the modules of
// those commands and compiles the built-in rules (src/cli/snapshot.ts), and writes the heap.
// A blob fits only the Node build, V8 options and CPU that made it, so it is built here, by the
// node that runs the build, without NODE_OPTIONS (bin/saker uses it only when NODE_OPTIONS is
// empty), and checked by starting from it. It is code that runs: written only into a directory
// the running user owns and no one else may write to (as bin/saker.js's code cache), else the
// build says so and the CLI runs without it.
import { spawnSync } from 'node:child_process';
import { mkdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'dist', 'bundle');
const dir = join(out, 'snapshot');
const blob = join(dir, 'saker.blob');
const env = { ...process.env };
delete env.NODE_OPTIONS;

function ownedOnly(path) {
  const st = statSync(path);
  return st.uid === process.getuid() && (st.mode & 0o022) === 0;
}

if (!ownedOnly(out)) {
  console.log(`snapshot: not built, ${out} is not the running user's alone (the CLI runs without one)`);
  process.exit(0);
}
rmSync(dir, { recursive: true, force: true });
rmSync(join(out, 'snapshot.key'), { force: true }); // bin/saker's verdict on the blob it replaces
mkdirSync(dir, { mode: 0o755 });
const tmp = join(dir, `saker.blob.${process.pid}`);
const run = (args) => spawnSync(process.execPath, args, { env, cwd: root, encoding: 'utf8' });
const built = run(['--snapshot-blob', tmp, '--build-snapshot', join(root, 'scripts', 'snapshot-entry.cjs'), join(out, 'saker.cjs')]);
if (built.status !== 0) throw new Error(`snapshot: the build failed (exit ${built.status}):\n${built.stderr}`);
renameSync(tmp, blob);
// started from where it was built for (it refuses to start from anywhere else)
const started = run(['--snapshot-blob', blob, '--', '--version']);
if (started.status !== 0 || !/^saker \S+\n$/.test(started.stdout)) {
  rmSync(dir, { recursive: true, force: true });
  throw new Error(`snapshot: node does not start from it (exit ${started.status}): ${started.stdout}${started.stderr}`);
}
