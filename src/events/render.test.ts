import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeEvent, eventCode } from './encode.js';
import { errnoCode, errnoName, signalName } from './errno.js';
import { EventView } from './event-view.js';
import { EVENT_TABLE } from './event-table.js';
import { flagTable, flagValue, renderFlags, renderMode } from './flags.js';
import { concatenatePaths, eventName, formatG, rawArgText, renderArgs, renderParam, type ParamResolver } from './render.js';
import { syscallCode, syscallName } from './syscall-codes.js';

const view = (type: number, params: Parameters<typeof encodeEvent>[0]['params']) =>
  new EventView().reset(encodeEvent({ ts: 1n, tid: 7, type, params }), 0, 1);

test('event codes are the libs wire codes', () => {
  assert.equal(EVENT_TABLE[234]!.id, 'PPME_PROCINFO_E');
  assert.equal(EVENT_TABLE[198]!.id, 'PPME_SYSCALL_SETUID_E');
  assert.equal(EVENT_TABLE[450]!.id, 'PPME_SYSCALL_CLOSE_RANGE_E');
  assert.equal(EVENT_TABLE[eventCode('openat')]!.id, 'PPME_SYSCALL_OPENAT_2_X');
});

test('flags, enums and modes render as libsinsp does', () => {
  const ff = flagTable('file_flags')!;
  assert.equal(renderFlags(ff, 0x1001), 'O_RDONLY|O_CLOEXEC');
  assert.equal(renderFlags(ff, 3 | 4 | 256), 'O_TRUNC|O_CREAT|O_RDWR');
  assert.equal(renderFlags(ff, 0), 'O_NONE');
  assert.equal(flagValue('file_flags', 'O_TMPFILE'), 1 << 13);
  assert.equal(renderMode(flagTable('chmod_mode')!, 0o4755), 'S_IXOTH|S_IROTH|S_IXGRP|S_IRGRP|S_IXUSR|S_IWUSR|S_IRUSR|S_ISUID');
  const sock = view(eventCode('socket'), [3, 1, 1, 0, 0]);
  assert.equal(renderParam(sock, 1, true), 'AF_LOCAL|AF_UNIX'); // both names of 1, as libs master
  const bpf = view(eventCode('bpf'), [4, 5]);
  assert.equal(renderParam(bpf, 1, true), 'BPF_PROG_LOAD');
  assert.equal(renderParam(bpf, 1, false), '5');
});

test('DYN parameters pick their variant from the first byte', () => {
  const ptrace = eventCode('ptrace');
  const addr = Buffer.alloc(9);
  addr.writeBigUInt64LE(0x7ffdeadbeefn, 1);
  const data = Buffer.from([1, 9]); // variant 1 = SIGTYPE
  const attach = flagValue('ptrace_requests', 'PTRACE_ATTACH')!; // PPM value, not the kernel's 16
  const e = view(ptrace, [0, addr, data, attach, 1234]);
  assert.equal(renderArgs(e), `res=0 addr=7FFDEADBEEF data=9(SIGKILL) request=${attach}(PTRACE_ATTACH) pid=1234`);
  const bad = view(ptrace, [0, Buffer.from([7, 0]), null, 0, 1]);
  assert.equal(renderParam(bad, 1, false), 'INVALID DYNAMIC PARAMETER');
  assert.equal(renderParam(bad, 2, false), 'NULL');
});

test('fds, paths, users resolve through the resolver', () => {
  const resolver: ParamResolver = {
    fdInfo: (fd) => (fd === 3 ? { typechar: 'f', name: '/etc/passwd' } : undefined),
    comm: (pid) => (pid === 1 ? 'systemd' : undefined),
    userName: (uid) => (uid === 0 ? 'root' : undefined),
    cwd: () => '/home/u/',
    dirfdPath: (fd) => (fd === 9 ? '/var/lib' : undefined),
  };
  const open = view(eventCode('openat'), [3, 9, '../x/./y', 0x4, 0o644, 0, 0]);
  assert.equal(renderParam(open, 0, true, resolver), '<f>/etc/passwd');
  assert.equal(renderParam(open, 2, true, resolver), '/var/x/y');
  assert.equal(renderParam(open, 2, true), '../x/./y');
  assert.equal(renderParam(open, 4, false), '0644');
  const cwdOpen = view(eventCode('openat'), [-2, -100, 'a.txt', 0, 0, 0, 0]);
  assert.equal(renderArgs(cwdOpen, resolver), 'fd=-2(ENOENT) dirfd=-100(AT_FDCWD) name=a.txt(/home/u/a.txt) flags=0(O_NONE) mode=0 dev=0 ino=0');
  const su = view(eventCode('setuid'), [0, 0]);
  assert.equal(renderArgs(su, resolver), 'res=0 uid=0(root)');
  assert.equal(renderArgs(view(eventCode('setuid'), [-1, 0xffffffff])), 'res=-1(EPERM) uid=-1(<NONE>)');
  assert.equal(renderArgs(view(eventCode('setuid'), [0, 5])), 'res=0 uid=5(<NA>)');
  assert.equal(concatenatePaths('/a/b/', '../../../c//d/'), '/c/d/');
});

test('sockets, buffers and numbers', () => {
  const tuple4 = Buffer.from([2, 10, 0, 0, 1, 0x50, 0, 1, 2, 3, 4, 0xbb, 1]);
  const addr6 = Buffer.alloc(19);
  addr6[0] = 10;
  addr6.writeUInt16BE(0x2001, 1);
  addr6.writeUInt16BE(0xdb8, 3);
  addr6[16] = 1;
  addr6.writeUInt16LE(8080, 17);
  const c = view(eventCode('connect'), [-115, tuple4, 4, addr6]);
  assert.equal(renderArgs(c), 'res=-115(EINPROGRESS) tuple=10.0.0.1:80->1.2.3.4:443 fd=4 addr=2001:db8::1:8080');
  const unix = Buffer.concat([Buffer.from([1]), Buffer.alloc(16, 0xab), Buffer.from('/run/x.sock\0')]);
  assert.equal(renderParam(view(eventCode('connect'), [0, unix, 4, null]), 1, false), 'abababababababab->abababababababab /run/x.sock');
  const w = view(eventCode('write'), [5, Buffer.from('GET /\r\n\x00\xff'), 5, 9]);
  assert.equal(renderParam(w, 1, false), 'GET /.....');
  assert.equal(renderParam(view(eventCode('write'), [5, Buffer.alloc(100, 0x41), 5, 100]), 1, false, undefined, { maxBufLen: 10 }), 'AAAAAAA...');
  assert.equal(formatG(0.5), '0.5');
  assert.equal(formatG(1234567), '1.23457e+06');
  assert.equal(formatG(0.00001), '1e-05');
  assert.equal(formatG(2), '2');
});

test('errno, signal and syscall names', () => {
  assert.equal(errnoName(-2), 'ENOENT');
  assert.equal(errnoCode('EACCES'), 13);
  assert.equal(signalName(9), 'SIGKILL');
  assert.equal(syscallName(5), 'open');
  assert.equal(syscallCode('mprotect') !== undefined, true);
  const g = view(1, [syscallCode('mprotect')!, 10]);
  assert.equal(eventName(g), 'mprotect');
  assert.equal(renderArgs(g), '');
});

test("rawArgText: evt.rawarg in the parameter's print format, as libs' rawval_to_string", () => {
  // openat: fd, dirfd, name, flags (FLAGS32 PF_HEX), mode (UINT32 PF_OCT), dev (UINT32 PF_HEX), ino (UINT64 PF_DEC)
  const openat = view(eventCode('openat'), [3, -100, '/etc/passwd', 0x1001, 0o644, 0xfe00, 12345n]);
  assert.equal(rawArgText(openat, 3), '1001');
  assert.equal(rawArgText(openat, 4), '644', 'octal without the leading 0 evt.args shows (%o, not %#o)');
  assert.equal(rawArgText(openat, 5), 'FE00');
  assert.equal(rawArgText(openat, 0), undefined, 'a decimal parameter prints as its typed value');
  assert.equal(rawArgText(openat, 6), undefined);
  assert.equal(renderParam(openat, 4, false), '0644');
  const brk = view(eventCode('brk'), [0xffffffffffffff00n, 1, 2, 3]);
  assert.equal(rawArgText(brk, 0), 'FFFFFFFFFFFFFF00', 'a UINT64 all 64 bits');
});
