// Alert delivery through the real CLI: `saker replay` of a capture raising 10,000 alerts in one
// burst, delivered to an HTTP destination that is down — for 30 s while the agent waits, and
// across a restart of the agent. Every alert must arrive once it is back, none twice.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { encodeEvent, eventCode } from '../../src/events/index.js';
import { ScapWriter } from '../../src/capture/scap/index.js';
import { scapProcessOf } from '../../src/state/index.js';
import { deadPort, Receiver } from '../../src/outputs/test-support.js';

const SAKER = fileURLToPath(new URL('../../bin/saker.js', import.meta.url));
const ALERTS = 10_000;

function saker(...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [SAKER, ...args], { env: { ...process.env, SAKER_HOSTNAME: 'test-host' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** A capture where `cat` opens /etc/shadow `n` times: the built-in rules raise one alert each. */
async function burstCapture(dir: string, n: number): Promise<string> {
  const cap = join(dir, 'burst.scap');
  const w = new ScapWriter(cap);
  const proc = (tid: number, ptid: number, comm: string, exepath: string, args: string[]) => scapProcessOf({
    tid, pid: tid, ptid, sid: tid, vpgid: tid, pgid: tid, vtid: tid, vpid: tid, comm, exe: comm, exepath, args, env: [], cwd: '/root',
    uid: 0, gid: 0, loginuid: 0, capPermitted: 0n, capEffective: 0n, capInheritable: 0n, cgroups: [], tty: 34816,
  });
  w.writeTables({ processes: [proc(10, 1, 'bash', '/usr/bin/bash', []), proc(20, 10, 'cat', '/usr/bin/cat', ['/etc/shadow'])], users: [{ uid: 0, gid: 0, name: 'root', homedir: '/root', shell: '/bin/bash' }], groups: [], interfaces: [] });
  for (let i = 0; i < n; i++) {
    w.writeEvent(encodeEvent({ ts: 1_764_300_000_000_000_000n + BigInt(i) * 1000n, tid: 20, type: eventCode('openat'), params: [3, -100, '/etc/shadow', 1, 0, 0x803, 42] }));
    w.writeEvent(encodeEvent({ ts: 1_764_300_000_000_000_500n + BigInt(i) * 1000n, tid: 20, type: eventCode('close'), params: [0, 3] }));
  }
  await w.close();
  return cap;
}

function config(dir: string, port: number): string {
  const p = join(dir, 'saker.yaml');
  writeFileSync(p, `stdout_output:
  enabled: false
syslog_output:
  enabled: false
state_dir: ${dir}/state
destinations:
  - name: hook
    type: webhook
    url: http://127.0.0.1:${port}/alerts
    retry:
      initial_delay: 100ms
      max_delay: 2s
`);
  return p;
}

function check(rx: Receiver): void {
  const got = rx.requests.map((r) => JSON.parse(r.body) as { uuid: string; time: string; rule: string });
  assert.equal(got.length, ALERTS, 'every alert arrived, none twice');
  assert.equal(new Set(got.map((a) => a.uuid)).size, ALERTS, 'distinct alert ids');
  assert.equal(new Set(got.map((a) => a.time)).size, ALERTS, 'distinct alerts');
  const times = got.map((a) => a.time);
  assert.deepEqual(times, [...times].sort(), 'in order');
}

test('10,000 alerts in a burst while the HTTP destination is down for 30 s: all arrive once it is back, none twice', { timeout: 240_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'saker-delivery-'));
  const cap = await burstCapture(dir, ALERTS);
  const port = await deadPort();
  const rx = new Receiver();
  const up = setTimeout(() => void rx.start(port), 30_000);
  const start = Date.now();
  try {
    // the agent waits for delivery up to output_timeout before it would spool
    const r = await saker('replay', cap, '-c', config(dir, port), '-o', 'output_timeout=150000');
    assert.equal(r.code, 0, r.stderr);
    assert.ok(Date.now() - start >= 30_000, 'the destination was down for 30 s');
    assert.match(r.stderr, /output hook: .*retrying with backoff/);
    assert.match(r.stderr, /output hook: delivering again/);
    check(rx);
  } finally {
    clearTimeout(up);
    await rx.stop();
  }
});

test('the same burst with the agent restarted during the outage: the spool is replayed on the next start, none twice', { timeout: 240_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'saker-delivery-'));
  const cap = await burstCapture(dir, ALERTS);
  const empty = await burstCapture(mkdtempSync(join(tmpdir(), 'saker-delivery-')), 0);
  const port = await deadPort();
  const cfg = config(dir, port);
  const first = await saker('replay', cap, '-c', cfg, '-o', 'output_timeout=1000');
  assert.equal(first.code, 0, first.stderr);
  assert.match(first.stderr, new RegExp(`output hook: ${ALERTS} alert\\(s\\) spooled in ${dir}/state/spool/hook for the next start`));
  const rx = await new Receiver().start(port);
  try {
    const second = await saker('replay', empty, '-c', cfg, '-o', 'output_timeout=150000');
    assert.equal(second.code, 0, second.stderr);
    assert.match(second.stderr, new RegExp(`output hook: ${ALERTS} spooled alert\\(s\\) from before, sending them first`));
    check(rx);
  } finally {
    await rx.stop();
  }
});
