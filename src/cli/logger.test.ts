import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { Logger, loggerSettings } from './logger.js';

test('log_level drops less severe messages; log_stderr off writes nothing', () => {
  const lines: string[] = [];
  const l = new Logger({ level: 'warning', stderr: true, syslog: false }, (s) => lines.push(s));
  l.info('not shown');
  l.warning('shown');
  l.error('also shown');
  l.debug('not shown');
  assert.deepEqual(lines, ['saker: shown\n', 'saker: also shown\n']);
  l.configure({ level: 'debug', stderr: false, syslog: false });
  l.debug('quiet');
  assert.equal(lines.length, 2);
});

test("settings with Falco's defaults and errors naming the key", () => {
  assert.deepEqual(loggerSettings({}), { level: 'info', stderr: true, syslog: existsSync('/dev/log') });
  assert.equal(loggerSettings({ log_level: 'DEBUG' }).level, 'debug');
  assert.throws(() => loggerSettings({ log_level: 'chatty' }), /log_level.*emergency.*chatty/);
  assert.throws(() => loggerSettings({ log_stderr: 'yes' }), /log_stderr/);
});

test('log_syslog: records reach a syslog socket with the daemon facility and the level as severity', async (t) => {
  const py = spawnSync('python3', ['--version']);
  if (py.status !== 0) {
    t.skip('needs python3 to stand in for a syslog daemon on a unix datagram socket');
    return;
  }
  if (spawnSync('logger', ['--version']).status !== 0) {
    t.skip('needs util-linux logger (bsdutils)');
    return;
  }
  const d = mkdtempSync(join(tmpdir(), 'saker-syslog-'));
  t.after(() => rmSync(d, { recursive: true, force: true }));
  const sock = join(d, 'log');
  const out = join(d, 'got');
  // A minimal syslog daemon: a unix datagram socket whose records are appended to a file.
  const daemon = spawn('python3', ['-c', `import socket,sys
s=socket.socket(socket.AF_UNIX,socket.SOCK_DGRAM); s.bind(sys.argv[1]); print('up',flush=True)
f=open(sys.argv[2],'ab',0)
while True: f.write(s.recv(65536)+b'\\n')`, sock, out], { stdio: ['ignore', 'pipe', 'inherit'] });
  t.after(() => daemon.kill());
  await new Promise((r) => daemon.stdout.once('data', r));
  const l = new Logger({ level: 'info', stderr: false, syslog: true, syslogSocket: sock }, () => undefined);
  l.warning('reload failed: rules.yaml:3:5');
  l.debug('not sent');
  l.info('ready');
  const deadline = Date.now() + 5000;
  let got = '';
  while (Date.now() < deadline && !got.includes('ready')) {
    await new Promise((r) => setTimeout(r, 50));
    try {
      got = readFileSync(out, 'utf8');
    } catch {
      /* not yet */
    }
  }
  l.close();
  assert.match(got, /^<28>.*saker\[\d+\]: reload failed: rules\.yaml:3:5$/m, got); // daemon(3)*8 + warning(4)
  assert.match(got, /^<30>.*saker\[\d+\]: ready$/m); // info(6)
  assert.doesNotMatch(got, /not sent/);
});
