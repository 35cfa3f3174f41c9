// The kernel's open prefilter (sensor/src/bpf/prefilter.bpf.h) against its mirror
// (open-prefilter.ts): real probes with the built-in rules' tables, a python3 child opening paths
// of every kind; each open must reach the engine exactly when the mirror says so. Needs root, a
// built sensor and python3; skips saying which is missing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, realpathSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { eventCode } from '../../events/index.js';
import { loadRulesFiles, deriveOpenPrefilter } from '../../rules/index.js';
import { packageRoot } from '../../package-root.js';
import { openSendReason, prefilterCommands } from './open-prefilter.js';
import { LiveSensor } from './sensor.js';

const OPENAT = eventCode('openat', true);
const CLOSE = eventCode('close', true);
const FCHMOD = eventCode('fchmod', true);

function unavailable(): string | undefined {
  if (process.geteuid?.() !== 0) return 'needs root to load BPF programs';
  if (!existsSync(join(packageRoot(), 'sensor', 'build', 'saker-sensor'))) return 'sensor not built: run npm run setup';
  if (spawnSync('python3', ['-c', '1']).status !== 0) return 'needs python3';
  return undefined;
}

// Opens every path with its flags (O_ constants by name), closes it; prints "tid" then one line
// per open: path, flags given, result. A last file is opened, fchmod'ed, closed: the consumer case.
const SCRIPT = `
import os, sys, json
print(os.getpid())
for path, names in json.loads(sys.argv[1]):
    flags = 0
    for n in names: flags |= getattr(os, n)
    try:
        fd = os.open(path, flags, 0o600)
        os.close(fd)
        print('ok')
    except OSError:
        print('err')
fd = os.open(sys.argv[2], os.O_RDONLY)
os.fchmod(fd, 0o640)
os.close(fd)
`;

test('kernel and mirror send the same opens (built-in rules), and a dropped open comes back before its fchmod', async (t) => {
  const why = unavailable();
  if (why) return t.skip(why);
  const scratch = realpathSync(mkdtempSync(join(tmpdir(), 'saker-prefilter-')));
  try {
    const loaded = await loadRulesFiles([join(packageRoot(), 'rules', 'saker_rules.yaml')]);
    const d = deriveOpenPrefilter(loaded.ruleset.enabledRules());
    assert.ok(!('off' in d), 'off' in d ? d.off : '');
    const kept = join(scratch, 'kept');
    spawnSync('touch', [kept]);
    const cases: Array<[string, string[]]> = [
      ['/dev/null', ['O_RDONLY']], ['/dev/null', ['O_WRONLY']], ['/etc/shadow', ['O_RDONLY']], ['/etc/hostname', ['O_RDONLY']],
      ['/etc', ['O_RDONLY']], [join(scratch, 'new'), ['O_WRONLY', 'O_CREAT']], [join(scratch, 'new'), ['O_WRONLY', 'O_CREAT']],
      ['/nonexistent/x', ['O_RDONLY']], ['/proc/self/status', ['O_RDONLY']], ['/etc//hostname', ['O_RDONLY']],
      ['relative', ['O_RDONLY', 'O_CREAT']], ['/usr/bin/env', ['O_RDONLY']], ['/usr/bin/env', ['O_WRONLY']],
      [join(scratch, 'id_rsa'), ['O_RDONLY', 'O_CREAT']], ['/dev/shm', ['O_RDONLY']],
    ];
    const opens: Array<{ name: string }> = [];
    const order: Array<{ type: number; name: string }> = [];
    let closes = 0;
    let child = 0;
    const sensor = await LiveSensor.start({
      syscalls: ['openat', 'close', 'fchmod'],
      onEvent: (v) => {
        if (v.tid !== child) return;
        if (v.type === OPENAT) opens.push({ name: v.str(2) });
        if (v.type === CLOSE) closes++;
        if (v.type === OPENAT || v.type === FCHMOD) order.push({ type: v.type, name: v.type === OPENAT ? v.str(2) : '' });
      },
    });
    await sensor.prefilter(prefilterCommands(d.table));
    const existed = new Set(cases.map(([p]) => p).filter((p) => existsSync(resolve(scratch, p))));
    const proc = spawn('python3', ['-c', SCRIPT, JSON.stringify(cases), kept], { cwd: scratch, stdio: ['ignore', 'pipe', 'pipe'] });
    child = proc.pid!;
    let out = '';
    proc.stdout.setEncoding('utf8').on('data', (s: string) => (out += s));
    const status = await new Promise<number | null>((res) => proc.once('close', res));
    assert.equal(status, 0);
    await new Promise((res) => setTimeout(res, 300));
    const stats = await sensor.stop();
    const results = out.trim().split('\n').slice(1);
    const PPM: Record<string, number> = { O_RDONLY: 1, O_WRONLY: 2, O_CREAT: 4 };
    const expected: string[] = [];
    cases.forEach(([path, names], i) => {
      const ok = results[i] === 'ok';
      const abs = resolve(scratch, path);
      let flags = names.reduce((f, n) => f | PPM[n]!, 0);
      if (ok && names.includes('O_CREAT') && !existed.has(path)) {
        flags |= 0x4000; // O_F_CREATED: this open made the file
        existed.add(path);
      }
      const dir = ok && statSync(abs).isDirectory();
      if (openSendReason(d.table, Buffer.from(path), flags, ok ? 3 : -2, dir) !== undefined) expected.push(path);
    });
    const casePaths = new Set(cases.map(([p]) => p));
    const sent = opens.map((o) => o.name).filter((n) => casePaths.has(n));
    assert.deepEqual(sent, expected, 'the kernel sent exactly the opens the mirror sends');
    assert.ok(expected.length > 3 && expected.length < cases.length - 3, `both kinds among the cases: ${expected.join(' ')}`);
    // the consumer: the dropped open of `kept` is sent right before its fchmod
    const last = order.slice(-2);
    assert.deepEqual(last, [{ type: OPENAT, name: kept }, { type: FCHMOD, name: '' }]);
    assert.ok(stats.prefiltered > 0, 'counted');
    t.diagnostic(`cases sent ${expected.length} of ${cases.length}; prefiltered ${stats.prefiltered}, closes seen ${closes}`);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
});
