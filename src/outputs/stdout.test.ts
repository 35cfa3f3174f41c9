import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, constants, mkdtempSync, openSync, rmSync } from 'node:fs';
import { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const MODULE = fileURLToPath(new URL('./stdout.ts', import.meta.url));
const ALERTS = 2000;

/**
 * A Node writing alerts with StdoutDestination to a pipe: it reports how fd 1 and its own open of
 * the pipe are set, sends ALERTS alerts of ~1 KiB (more than a pipe and a reader's buffer hold),
 * says whether that send was still pending 300 ms later and how often a 5 ms timer ran meanwhile,
 * then, once told on stdin, sends one more batch and reports how it ended, and closes.
 */
const WRITER = `
  const { readFileSync, readdirSync, readlinkSync } = await import('node:fs');
  const { StdoutDestination } = await import(${JSON.stringify(MODULE)});
  const say = (s) => process.stderr.write(s + '\\n');
  const flags = (fd) => parseInt(/flags:\\s+(\\d+)/.exec(readFileSync('/proc/self/fdinfo/' + fd, 'utf8'))[1], 8);
  const before = flags(1);
  const dest = new StdoutDestination((a) => a.output);
  const pipe = readlinkSync('/proc/self/fd/1');
  const target = (fd) => { try { return readlinkSync('/proc/self/fd/' + fd); } catch { return ''; } };
  const own = readdirSync('/proc/self/fd').map(Number).filter((fd) => fd > 2 && target(fd) === pipe);
  say('fds ' + JSON.stringify({ before, shared: flags(1), own: own.map(flags) }));
  let ticks = 0;
  const timer = setInterval(() => ticks++, 5);
  let settled = false;
  const batch = Array.from({ length: ${ALERTS} }, (_, i) => ({ output: 'alert ' + i + ' ' + 'x'.repeat(1000) }));
  const sent = dest.send(batch).then(() => 'ok', (e) => e.name + ': ' + e.message).finally(() => (settled = true));
  await new Promise((r) => setTimeout(r, 300));
  say('held ' + JSON.stringify({ settled, ticks }));
  say('first ' + await sent);
  clearInterval(timer);
  await new Promise((r) => process.stdin.once('data', r));
  say('second ' + await dest.send([{ output: 'after the reader left' }]).then(() => 'ok', (e) => e.name + ': ' + e.message));
  await dest.close();
  say('closed');`;

test('stdout to a pipe: its own non-blocking open (fd 1 left as it was), the event loop runs while the reader holds back, every line in order, EPIPE is an error', { timeout: 60_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'saker-stdout-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  // a named pipe: what a shell's `|` or a container runtime gives (Node's own child pipes are sockets)
  const fifo = join(dir, 'fifo');
  const made = spawnSync('mkfifo', [fifo]);
  if (made.status !== 0) return t.skip('mkfifo not available');
  const readFd = openSync(fifo, constants.O_RDONLY | constants.O_NONBLOCK);
  const writeFd = openSync(fifo, constants.O_WRONLY);
  const writer = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', WRITER], { stdio: ['pipe', writeFd, 'pipe'] });
  closeSync(writeFd);
  t.after(() => writer.kill('SIGKILL'));
  const lines: string[] = [];
  let err = '';
  const waiters: Array<() => void> = [];
  writer.stderr!.setEncoding('utf8').on('data', (s: string) => {
    err += s;
    const all = err.split('\n');
    lines.splice(0, lines.length, ...all.slice(0, -1));
    for (const w of waiters.splice(0)) w();
  });
  const exited = new Promise<number | null>((r) => writer.once('exit', (code) => {
    for (const w of waiters.splice(0)) w();
    r(code);
  }));
  const line = async (prefix: string): Promise<string> => {
    for (;;) {
      const l = lines.find((x) => x.startsWith(prefix + ' '));
      if (l !== undefined) return l.slice(prefix.length + 1);
      if (writer.exitCode !== null) assert.fail(`the writer exited before "${prefix}": ${err}`);
      await new Promise<void>((r) => waiters.push(r));
    }
  };

  const fds = JSON.parse(await line('fds')) as { before: number; shared: number; own: number[] };
  const O_NONBLOCK = 0o4000;
  assert.equal(fds.shared, fds.before, 'fd 1\'s flags, shared with the parent, are left as they were');
  assert.equal(fds.own.length, 1, `one open of its own of the same pipe (${err})`);
  assert.equal(fds.own[0]! & O_NONBLOCK, O_NONBLOCK, 'its own open is non-blocking');

  // nothing read yet: the writer must not have waited for the reader
  const held = JSON.parse(await line('held')) as { settled: boolean; ticks: number };
  assert.equal(held.settled, false, 'a batch larger than the pipe is still being written while nobody reads');
  assert.ok(held.ticks >= 10, `the event loop ran meanwhile (${held.ticks} ticks of a 5 ms timer in 300 ms)`);
  const reader = new Socket({ fd: readFd, readable: true, writable: false });
  let got = '';
  reader.setEncoding('utf8').on('data', (s: string) => (got += s));
  assert.equal(await line('first'), 'ok');
  await until(() => got.split('\n').length > ALERTS);
  const written = got.split('\n');
  assert.equal(written.length, ALERTS + 1);
  for (let i = 0; i < ALERTS; i++) assert.ok(written[i]!.startsWith(`alert ${i} `), `line ${i} in order`);

  reader.destroy(); // the reader goes away
  await new Promise((r) => reader.once('close', r));
  writer.stdin!.end('go\n');
  assert.equal(await line('second'), 'DeliveryError: stdout: EPIPE', 'a reader gone is the output\'s error, not a crash');
  assert.equal(await exited, 0, err);
  assert.ok(lines.includes('closed'));
});

async function until(ok: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !ok(); i++) await new Promise((r) => setTimeout(r, 10));
}
