import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { encodeEvent, eventCode, type ParamValue } from '../events/index.js';
import { readScap, SCAP_FD, type ScapProcess, ScapWriter, ScapFormatError } from '../capture/scap/index.js';
import { containerAddedEvent, encodeSockAddr, encodeSockTuple, newContainerInfo } from '../state/index.js';
import { FilterError, compileUserFilter, describeFilterError } from '../filter/index.js';
import { LinePrinter } from '../outputs/index.js';
import { inspect } from './inspector.js';

const dir = mkdtempSync(join(tmpdir(), 'saker-inspect-unit-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));

function proc(tid: number, comm: string, over: Partial<ScapProcess> = {}): ScapProcess {
  return {
    tid, pid: tid, ptid: 1, sid: tid, vpgid: tid, pgid: tid, comm, exe: comm, exepath: `/usr/bin/${comm}`, args: ['-v'], env: [],
    cwd: '/home/u', fdlimit: 1024, flags: 0, uid: 1000, gid: 1000, vmSizeKb: 0, vmRssKb: 0, vmSwapKb: 0, pfMajor: 0n, pfMinor: 0n,
    vtid: tid, vpid: tid, cgroups: [], root: '/', pidnsInitStartTs: 0n, tty: 0, loginuid: 1000, exeWritable: false, capInheritable: 0n,
    capPermitted: 0n, capEffective: 0n, exeUpperLayer: false, exeLowerLayer: false, exeFromMemfd: false, exeIno: 0n, exeInoCtime: 0n,
    exeInoMtime: 0n, fds: [], ...over,
  };
}

let ts = 1_700_000_000_000_000_000n;
const ev = (tid: number, type: number, params: ParamValue[]) => encodeEvent({ ts: (ts += 1000n), tid, type, params });
const READ_X = eventCode('read');

/** The record cut to its first `n` parameters: the layout of an older producer. */
function firstParams(rec: Buffer, n: number): Buffer {
  const old = rec.readUInt32LE(22);
  let data = 0;
  for (let i = 0; i < n; i++) data += rec.readUInt16LE(26 + 2 * i);
  const out = Buffer.concat([rec.subarray(0, 26 + 2 * n), rec.subarray(26 + 2 * old, 26 + 2 * old + data)]);
  out.writeUInt32LE(out.length, 16);
  out.writeUInt32LE(n, 22);
  return out;
}

/**
 * A small capture: curl (200) with /etc/hosts open as fd 3 reads it (an old-style enter/exit
 * pair), opens and closes a file, connects a socket; bash (100) reads nothing of interest.
 */
async function capture(name: string, gzip = false): Promise<string> {
  const file = join(dir, name);
  const w = new ScapWriter(file, { gzip, overwrite: true });
  w.writeTables({
    processes: [
      proc(1, 'systemd', { ptid: 0 }),
      proc(100, 'bash'),
      proc(200, 'curl', { ptid: 100, fds: [{ fd: 3, ino: 1n, type: SCAP_FD.FILE_V2, openFlags: 1, name: '/etc/hosts', dev: 0 }] }),
    ],
    users: [{ uid: 1000, gid: 1000, name: 'u', homedir: '/home/u', shell: '/bin/sh' }],
    groups: [{ gid: 1000, name: 'u' }],
    interfaces: [{ family: 'ipv4', name: 'eth0', addr: '10.0.0.5', netmask: '255.255.255.0', bcast: '10.0.0.255', linkspeed: 0n }],
  });
  w.writeEvent(ev(200, READ_X - 1, [3, 4096])); // 1: read enter (old layout: fd, size)
  w.writeEvent(ev(100, eventCode('brk'), [0, 0, 0, 0, 0])); // 2
  w.writeEvent(firstParams(ev(200, READ_X, [12, Buffer.from('127.0.0.1 lo')]), 2)); // 3: read exit (old layout: res, data)
  w.writeEvent(ev(200, eventCode('openat'), [4, -100, 'notes.txt', 1, 0, 0, 77])); // 4
  w.writeEvent(ev(200, eventCode('close'), [0, 4])); // 5
  w.writeEvent(ev(200, eventCode('socket'), [5, 2, 1, 0, 0])); // 6
  const tuple = encodeSockTuple({ sip: '10.0.0.5', sport: 40000, dip: '93.184.216.34', dport: 443 });
  w.writeEvent(ev(200, eventCode('connect'), [0, tuple, 5, encodeSockAddr({ ip: '93.184.216.34', port: 443 })])); // 7
  w.writeEvent(ev(200, eventCode('openat'), [-2, -100, '/nope', 1, 0, 0, 0])); // 8
  await w.close();
  return file;
}

async function lines(file: string, opts: Parameters<typeof inspect>[1] = {}): Promise<string[]> {
  const out = new PassThrough();
  let text = '';
  out.on('data', (c: Buffer) => void (text += c.toString()));
  await inspect(file, { ...opts, out });
  return text.split('\n').filter(Boolean);
}

test('prints the selected events with the state the tables and earlier events built', async () => {
  const f = await capture('a.scap');
  const fmt = '*%evt.num %proc.name %user.name %evt.type %fd.num %fd.name %fd.lip %evt.arg.size';
  assert.deepEqual(await lines(f, { format: fmt, filter: 'proc.name = curl' }), [
    // The read's fd and size came from its enter event (1), which is not delivered itself.
    '3 curl u read 3 /etc/hosts <NA> 4096',
    '4 curl u openat 4 /home/u/notes.txt <NA> <NA>',
    '5 curl u close 4 /home/u/notes.txt <NA> <NA>',
    '6 curl u socket 5  <NA> <NA>',
    '7 curl u connect 5 10.0.0.5:40000->93.184.216.34:443 10.0.0.5 <NA>',
    '8 curl u openat -1 /nope <NA> <NA>',
  ]);
  // Without '*' an event lacking a field is not printed.
  assert.deepEqual(await lines(f, { format: '%evt.num %fd.lip' }), ['7 10.0.0.5']);
  // The default format, like sysdig's default line.
  const d = await lines(f, { filter: 'evt.num = 7' });
  assert.match(d[0]!, /^7 \d\d:\d\d:\d\d\.\d{9} 0 curl \(200\) < connect res=0 tuple=10\.0\.0\.5:40000->93\.184\.216\.34:443 fd=5\(<4t>10\.0\.0\.5:40000->93\.184\.216\.34:443\) addr=93\.184\.216\.34:443$/);
});

test('-n counts selected events, -w copies tables and selected events with their enter event', async () => {
  const f = await capture('b.scap.gz', true);
  assert.deepEqual(await lines(f, { format: '%evt.num', filter: 'proc.name = curl', count: 2 }), ['3', '4']);
  const out = join(dir, 'copy.scap');
  const r = await inspect(f, { filter: 'evt.type in (read, connect)', write: out });
  assert.deepEqual(r, { events: 7, selected: 2, output: 2 });
  const types: number[] = [];
  let procs = 0;
  await readScap(out, { tables: (t) => void (procs = t.processes.length), event: (e) => void types.push(e.type) }, { convert: false });
  assert.equal(procs, 3);
  assert.deepEqual(types, [READ_X - 1, READ_X, eventCode('connect')]);
  // Read back, the copy gives the same lines (renumbered).
  assert.deepEqual(await lines(out, { format: '*%evt.num %thread.tid %evt.type %fd.name %evt.arg.size' }), [
    '2 200 read /etc/hosts 4096',
    '3 200 connect 10.0.0.5:40000->93.184.216.34:443 <NA>',
  ]);
});

test('a truncated capture: events before the fault, then a ScapFormatError with offset and block', async () => {
  const f = await capture('c.scap');
  const data = readFileSync(f);
  const cut = join(dir, 'cut.scap');
  writeFileSync(cut, data.subarray(0, data.length - 10));
  const out = new PassThrough();
  let text = '';
  out.on('data', (c: Buffer) => void (text += c.toString()));
  await assert.rejects(inspect(cut, { format: '%evt.num', out }), (e: unknown) =>
    e instanceof ScapFormatError && e.blockType !== undefined && e.offset > 0 && /truncated block/.test(e.message));
  assert.deepEqual(text.split('\n').filter(Boolean), ['2', '3', '4', '5', '6', '7']);
});

test('filter and format errors', () => {
  assert.throws(() => new LinePrinter('%nosuch.field'), /invalid formatting token nosuch\.field/);
  assert.throws(() => new LinePrinter('%fd.net'), /filter only/);
  assert.throws(() => compileUserFilter('proc.name = curl and (fd.name'), (e: unknown) => {
    assert.ok(e instanceof FilterError);
    assert.equal(e.pos?.col, 30);
    assert.equal(describeFilterError(e).split('\n').at(-1), `  ${' '.repeat(29)}^`);
    return true;
  });
  assert.throws(() => compileUserFilter('evt.type = bogus'), (e: unknown) => e instanceof FilterError && /unknown event type bogus/.test(e.message));
  assert.doesNotThrow(() => compileUserFilter('evt.type = open and fd.name exists'));
});

test('byte buffers are cut at 80 characters unless verbose', async () => {
  const f = join(dir, 'long.scap');
  const w = new ScapWriter(f, { overwrite: true });
  w.writeTables({ processes: [proc(200, 'cat')], users: [], groups: [], interfaces: [] });
  w.writeEvent(ev(200, READ_X, [200, Buffer.alloc(200, 0x61), 3, 200]));
  await w.close();
  const [cut] = await lines(f, { format: '%evt.arg.data' });
  assert.equal(cut, `${'a'.repeat(77)}...`);
  const [whole] = await lines(f, { format: '%evt.arg.data', verbose: true });
  assert.equal(whole, 'a'.repeat(200));
});

test("container records leading the capture (the plugin's dump at its start) are numbered but not shown, as libs consumes them; later ones are events", async () => {
  const file = join(dir, 'containers.scap');
  const w = new ScapWriter(file, { overwrite: true });
  w.writeTables({ processes: [proc(200, 'curl', { cgroups: [`memory=/docker/${'c'.repeat(64)}`] })], users: [], groups: [], interfaces: [] });
  const info = { ...newContainerInfo({ id: 'c'.repeat(12), fullId: 'c'.repeat(64), type: 'docker' }), name: 'web', imageRepository: 'nginx' };
  w.writeEvent(containerAddedEvent(info, 0xffffffffffffffffn, 1)); // 1: the dump (no time, thread 1)
  w.writeEvent(ev(200, eventCode('close'), [0, 3])); // 2
  w.writeEvent(containerAddedEvent({ ...info, name: 'web2' }, ts + 1n, 0)); // 3: described again while capturing
  w.writeEvent(ev(200, eventCode('close'), [0, 4])); // 4
  await w.close();
  assert.deepEqual(await lines(file, { format: '*%evt.num %evt.type %thread.tid' }), ['2 close 200', '3 container 0', '4 close 200']);
  assert.deepEqual(await lines(file, { format: '%evt.num %container.name %container.image.repository', filter: 'evt.type=close' }), ['2 web nginx', '4 web2 nginx']);
});
