import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Alert } from './alert.js';
import { SyslogLocalDestination } from './syslog-local.js';

const alert = (i: number): Alert => ({
  ts: 0n, rule: 'r', priority: 4, priorityName: 'Warning', source: 'syscall', tags: [], hostname: 'h',
  output: `alert ${i}`, message: `alert ${i}`, outputFields: {},
});

/** A syslog daemon's socket for the test: a unix datagram socket whose datagrams python prints. */
function receiver(socket: string): { lines: string[]; stop: () => void } {
  const py = spawn('python3', ['-u', '-c', `import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
print('ready')
while True:
    print(s.recv(65536).decode())`, socket], { stdio: ['ignore', 'pipe', 'inherit'] });
  const lines: string[] = [];
  let tail = '';
  py.stdout.setEncoding('utf8').on('data', (s: string) => {
    const all = (tail + s).split('\n');
    tail = all.pop()!;
    lines.push(...all);
  });
  return { lines, stop: () => py.kill() };
}

async function until(ok: () => boolean, ms: number): Promise<boolean> {
  for (const end = Date.now() + ms; Date.now() < end && !ok(); ) await new Promise((r) => setTimeout(r, 20));
  return ok();
}

test('syslog_output: no socket is each send\'s error; a socket that appears is used within a second, with the priority as severity', { timeout: 30_000 }, async (t) => {
  if (spawnSync('python3', ['-c', '0']).status !== 0 || spawnSync('logger', ['--version']).status !== 0) return t.skip('needs python3 and util-linux logger');
  const dir = mkdtempSync(join(tmpdir(), 'saker-syslog-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const socket = join(dir, 'log');
  const logs: string[] = [];
  const dest = new SyslogLocalDestination(socket, 1, 'saker-test', (a) => a.output, (m) => logs.push(m));
  t.after(() => dest.close());

  await assert.rejects(dest.send([alert(0)]), { name: 'DeliveryError', message: `no syslog socket at ${socket} (syslog_output.enabled=false turns this output off)` });
  await assert.rejects(dest.send([alert(1)]), { name: 'DeliveryError' }, 'still none');

  const rx = receiver(socket);
  t.after(() => rx.stop());
  assert.ok(await until(() => rx.lines.includes('ready') && existsSync(socket), 5000), 'the receiver bound its socket');
  // within a second of the socket appearing, sends go through (the check is made once a second)
  let delivered = false;
  for (const end = Date.now() + 3000; Date.now() < end && !delivered; ) {
    delivered = await dest.send([alert(2), alert(3)]).then(() => true, () => false);
    if (!delivered) await new Promise((r) => setTimeout(r, 100));
  }
  assert.ok(delivered, 'a send went through once the socket was there');
  assert.ok(await until(() => rx.lines.some((l) => l.endsWith('alert 3')), 5000), `the datagrams arrived: ${JSON.stringify(rx.lines)}`);
  // <facility user (1) * 8 + Warning (4)>
  assert.match(rx.lines.find((l) => l.endsWith('alert 2'))!, /^<12>.*saker-test.*alert 2$/);
});
