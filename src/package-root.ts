// The package's root directory (where package.json, rules/ and sensor/ sit), found by walking up
// from this module: the same answer from the sources (src/), the compiled tree (dist/) and the
// bundled CLI (dist/bundle/), where every module shares the bundle's own URL.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let root: string | undefined;

export function packageRoot(): string {
  if (root !== undefined) return root;
  const start = dirname(fileURLToPath(import.meta.url));
  for (let dir = start; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'rules'))) return (root = dir);
    if (dirname(dir) === dir) return (root = join(start, '..'));
  }
}
