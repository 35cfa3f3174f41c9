// The dependency rules (.dependency-cruiser.cjs) fail on what they are written against: a small
// tree with one violation of each kind is cruised with the project's configuration, and each
// violation must be reported by its rule, while the same tree without them passes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

function tree(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'saker-deps-'));
  const all = { 'tsconfig.json': '{"compilerOptions":{"module":"NodeNext","moduleResolution":"NodeNext","strict":true}}', ...files };
  for (const [path, text] of Object.entries(all)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

function cruise(dir: string): { status: number | null; out: string } {
  const r = spawnSync(join(root, 'node_modules/.bin/depcruise'), ['src', '--config', join(root, '.dependency-cruiser.cjs'), '--output-type', 'err'], { cwd: dir, encoding: 'utf8' });
  return { status: r.status, out: r.stdout + r.stderr };
}

const CLEAN = {
  'src/events/index.ts': "export { eventName } from './names.js';\n",
  'src/events/names.ts': 'export const eventName = (n: number): string => String(n);\n',
  'src/state/index.ts': "export { State } from './state.js';\n",
  'src/state/state.ts': "import { eventName } from '../events/index.js';\nexport class State { name = eventName(1); }\n",
  'src/filter/index.ts': "export type { Cond } from './cond.js';\n",
  'src/filter/cond.ts': "import type { State } from '../state/index.js';\nexport type Cond = (s: State) => boolean;\n",
};

test('a tree that keeps the rules passes', (t) => {
  const dir = tree(CLEAN);
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const r = cruise(dir);
  assert.equal(r.status, 0, r.out);
});

test('a cycle, a reach into internals and an import up the layers each fail by their rule', (t) => {
  const dir = tree({
    ...CLEAN,
    // type-only both ways: still a cycle
    'src/filter/a.ts': "import type { B } from './b.js';\nexport interface A { b?: B }\n",
    'src/filter/b.ts': "import type { A } from './a.js';\nexport interface B { a?: A }\n",
    // filter reaching past state's index.ts
    'src/filter/reach.ts': "import { State } from '../state/state.js';\nexport const s = new State();\n",
    // state (below filter) importing filter
    'src/state/up.ts': "import type { Cond } from '../filter/index.js';\nexport const c: Cond | undefined = undefined;\n",
  });
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const r = cruise(dir);
  assert.notEqual(r.status, 0);
  assert.match(r.out, /no-cycle: src\/filter\/a\.ts/);
  assert.match(r.out, /no-reaching-into-internals: src\/filter\/reach\.ts → src\/state\/state\.ts/);
  assert.match(r.out, /not-in-allowed: src\/state\/up\.ts → src\/filter\/index\.ts/);
});
