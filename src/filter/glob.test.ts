import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PathPrefixSet } from './glob.js';

/** pmatch as a plain reading of its definition: the path's components begin with a prefix's. */
function reference(prefixes: readonly string[], path: string): boolean {
  const comps = (p: string): string[] => p.split('/').filter((c) => c !== '');
  const have = comps(path);
  return prefixes.some((pre) => {
    const want = comps(pre);
    return want.length <= have.length && want.every((w, i) => (w.includes('*') ? new RegExp(`^${w.replace(/\*/g, '.*')}$`).test(have[i]!) : w === have[i]));
  });
}

test('pmatch: whole leading components, extra slashes ignored, globs per component', () => {
  const prefixes = ['/etc', '/usr/lib/', '/home/*/.ssh', '/var//log'];
  const set = new PathPrefixSet(prefixes);
  const cases: Array<[string, boolean]> = [
    ['/etc', true], ['/etc/shadow', true], ['//etc//shadow', true], ['etc/shadow', true], ['/etcx/shadow', false],
    ['/et', false], ['/usr/lib', true], ['/usr/lib64/x', false], ['/usr', false], ['/home/ann/.ssh/id_rsa', true],
    ['/home/ann/.sshx', false], ['/home/.ssh', false], ['/var/log/syslog', true], ['', false], ['/', false],
  ];
  for (const [path, expected] of cases) {
    assert.equal(set.matches(path), expected, path);
    assert.equal(reference(prefixes, path), expected, `${path} (reference)`);
  }
  assert.equal(new PathPrefixSet(['/']).matches('/anything'), true, 'a prefix without components matches every path');
  assert.equal(new PathPrefixSet([]).matches('/etc'), false);
});
