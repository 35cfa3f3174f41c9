import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { compileFilter, FilterCompileError } from './condition-compiler.js';
import { compileGroup } from './group-compiler.js';
import { parseCondition } from './condition-parser.js';
import { contextFor, testState, thread } from './test-support.js';
import { encodeSockAddr, encodeSockTuple } from '../state/sockaddr.js';
import type { EventContext } from '../state/types.js';

// A small process tree: systemd(1) -> sshd(100) -> bash(200) -> cat(300, thread 301)
const state = testState(
  thread({ tid: 1, ptid: 0, comm: 'systemd', exe: '/sbin/init', exepath: '/lib/systemd/systemd' }),
  thread({ tid: 100, ptid: 1, comm: 'sshd', exe: '/usr/sbin/sshd', exepath: '/usr/sbin/sshd', args: ['-D'] }),
  thread({ tid: 200, ptid: 100, comm: 'bash', exe: '-bash', exepath: '/bin/bash', tty: 34816, env: ['HOME=/root', 'PATH=/bin'] }),
  thread({ tid: 300, ptid: 200, comm: 'cat', exe: 'cat', exepath: '/usr/bin/cat', args: ['/etc/shadow'], cwd: '/root', uid: 0 }),
  thread({ tid: 301, pid: 300, ptid: 200, comm: 'cat', exe: 'cat', exepath: '/usr/bin/cat', args: ['/etc/shadow'] }),
);

const PPM_O_RDONLY = 1;
const openShadow = (): EventContext => contextFor(state, 'openat', 300, [3, -100, '/etc/shadow', PPM_O_RDONLY, 0, 0, 42]);

/** The check's answer, which the same condition compiled into a rule group must give too. */
const check = (cond: string, ctx: EventContext): boolean => {
  const expr = parseCondition(cond);
  const alone = compileFilter(expr)(ctx);
  const grouped = compileGroup([expr], ctx.evt.type, true)(ctx, [cond], () => {});
  assert.equal(grouped, alone ? 1 : 0, `${cond}: as a rule group`);
  return alone;
};
const holds = (cond: string, ctx = openShadow()) => assert.equal(check(cond, ctx), true, cond);
const fails = (cond: string, ctx = openShadow()) => assert.equal(check(cond, ctx), false, cond);
const rejects = (cond: string, message: string) =>
  assert.throws(() => compileFilter(parseCondition(cond)), (e: unknown) => e instanceof FilterCompileError && e.message === message);

describe('string operators', () => {
  test('=, ==, !=', () => {
    holds('proc.name = cat');
    holds('proc.name == cat');
    fails('proc.name != cat');
    fails('proc.name = Cat');
  });
  test('contains, icontains, startswith, endswith', () => {
    holds('fd.name contains shad');
    fails('fd.name contains SHAD');
    holds('fd.name icontains SHAD');
    holds('fd.name startswith /etc/');
    holds('fd.name endswith dow');
    fails('fd.name endswith /etc');
  });
  test('glob and iglob are fnmatch without flags: * crosses slashes', () => {
    holds('fd.name glob /etc/*');
    holds('fd.name glob /*dow');
    holds('fd.name glob /etc/sh?d[a-z]w');
    fails('fd.name glob /etc/sh[!a]dow');
    fails('fd.name glob /ETC/*');
    holds('fd.name iglob /ETC/*');
  });
  test('regex is fully anchored', () => {
    holds('fd.name regex "/etc/s.*"');
    fails('fd.name regex "etc"');
    holds('fd.name regex ".*etc.*"');
  });
  test('in, intersects and pmatch', () => {
    holds('proc.name in (bash, cat, "c d")');
    fails('proc.name in (bash, dog)');
    fails('proc.name in ()');
    holds('proc.name intersects (cat)');
    holds('fd.name pmatch (/etc)');
    holds('fd.name pmatch (/usr, /etc/shadow)');
    fails('fd.name pmatch (/et)');
    holds('fd.name pmatch (/e*)');
    holds('fd.name pmatch (/)');
  });
  test('modifiers oneof / anyof / allof', () => {
    holds('fd.name startswith anyof (/usr, /etc)');
    fails('fd.name startswith allof (/usr, /etc)');
    holds('fd.name startswith allof (/e, /etc)');
    holds('fd.name contains oneof (shadow, passwd)');
    fails('fd.name contains oneof (shadow, etc)');
  });
});

describe('numeric, bool, bytes, address operators', () => {
  test('numbers compare numerically and in() parses each value', () => {
    holds('proc.pid = 300');
    holds('proc.pid > 99');
    holds('proc.pid >= 300');
    fails('proc.pid < 300');
    holds('proc.pid in (1, 300)');
    holds('evt.rawres >= 0');
    holds('fd.num = 3');
    holds('proc.tty = 0');
  });
  test('bools accept only true/false', () => {
    holds('evt.is_open_read = true');
    holds('evt.is_open_write = false');
    holds('evt.is_open_write != true');
    rejects('evt.is_open_read = yes', 'filter error: unrecognized boolean value yes');
    rejects('evt.is_open_read contains true', "filter error: 'CONTAINS' operator not supported for numeric filters");
  });
  test('numeric fields reject string operators and garbage values', () => {
    rejects('proc.pid contains 3', "filter error: 'CONTAINS' operator not supported for numeric filters");
    rejects('proc.pid = abc', 'abc is not a valid number');
  });
  test('bcontains and bstartswith take hex', () => {
    const ctx = contextFor(state, 'sendto', 300, [5, Buffer.from('\xca\xfe\xba\xbeHELLO', 'latin1'), 3, 9, null]);
    holds('evt.buffer bcontains cafebabe', ctx);
    holds('evt.buffer bstartswith CAFE', ctx);
    fails('evt.buffer bcontains 00ff', ctx);
    holds('evt.buffer contains HELLO', ctx);
    rejects('evt.buffer bcontains xyz', 'filter error: bcontains and bstartswith operator support hex strings only');
  });
  test('fd.ip, fd.net, fd.port match either side; != needs both sides to differ', () => {
    const AF_INET = 2;
    const SOCK_STREAM = 1;
    contextFor(state, 'socket', 300, [7, AF_INET, SOCK_STREAM, 0, 0]);
    const tuple = encodeSockTuple({ sip: '10.0.0.5', sport: 40000, dip: '169.254.169.254', dport: 80 });
    const ctx = contextFor(state, 'connect', 300, [0, tuple, 7, encodeSockAddr({ ip: '169.254.169.254', port: 80 })]);
    holds('fd.sip = 169.254.169.254', ctx);
    holds('fd.ip = 10.0.0.5', ctx);
    holds('fd.ip = 169.254.169.254', ctx);
    fails('fd.ip != 10.0.0.5', ctx);
    holds('fd.ip != 1.2.3.4', ctx);
    holds('fd.net = 169.254.0.0/16', ctx);
    holds('fd.net in ("127.0.0.1/8", "10.0.0.0/8")', ctx);
    holds('fd.snet in ("169.254.0.0/16")', ctx);
    fails('fd.cnet = 169.254.0.0/16', ctx);
    holds('fd.port = 80', ctx);
    holds('fd.sport in (80, 443)', ctx);
    holds('fd.sport = http', ctx);
    holds('fd.l4proto = tcp', ctx);
    holds('fd.typechar = 4', ctx);
    rejects('fd.net = 10.0.0.1', 'unrecognized IP network 10.0.0.1');
    rejects('fd.sip contains 10', "filter error: 'CONTAINS' operator not supported for ip address and network filters");
  });
});

describe('missing values and exists', () => {
  test('a check on a missing field is false for every operator; not inverts it', () => {
    const exec = contextFor(state, 'unshare', 300, [0, 0]);
    fails('fd.name = x', exec);
    fails('fd.name != x', exec);
    holds('not fd.name = x', exec);
    holds('not fd.name != x', exec);
    fails('fd.name exists', exec);
    holds('proc.name exists', exec);
    fails('proc.env[NOPE] exists', exec);
  });
});

describe('fields with arguments and process tree', () => {
  test('proc.aname[N], pname, and the no-index any-ancestor form', () => {
    holds('proc.aname[0] = cat');
    holds('proc.aname[1] = bash');
    holds('proc.pname = bash');
    holds('proc.aname[2] = sshd');
    holds('proc.aname[3] = systemd');
    fails('proc.aname[4] exists');
    holds('proc.aname = sshd');
    holds('proc.aname in (systemd)');
    fails('proc.aname = cat');
    holds('proc.apid[2] = 100');
    holds('proc.pcmdline = bash');
    holds('proc.cmdline = "cat /etc/shadow"');
    holds('proc.args = /etc/shadow');
    holds('proc.args[0] = /etc/shadow');
  });
  test('a non-main thread resolves its process through the group leader', () => {
    const ctx = contextFor(state, 'openat', 301, [3, -100, '/etc/shadow', 1, 0, 0, 42]);
    holds('proc.pname = bash', ctx);
    holds('thread.tid = 301', ctx);
    holds('proc.pid = 300', ctx);
    holds('thread.ismain = false', ctx);
  });
  test('proc.env[NAME] and evt.arg by name and index', () => {
    const bashOpen = contextFor(state, 'openat', 200, [4, -100, 'notes.txt', 3, 0, 0, 1]);
    holds('proc.env[HOME] = /root', bashOpen);
    holds('proc.env contains "PATH=/bin"', bashOpen);
    holds('evt.arg.name = /notes.txt', bashOpen); // FSRELPATH renders absolute, from the cwd
    holds('evt.arg[2] = /notes.txt', bashOpen);
    rejects('evt.arg.nonexistent_param = 1', 'unknown event argument nonexistent_param');
  });
  test('unknown fields and event types fail with libsinsp messages', () => {
    rejects('proc.nobody = cat', 'filter_check called with nonexistent field proc.nobody');
    rejects('evt.type = some_invalid_event', 'unknown event type some_invalid_event');
  });
});

describe('evt.type compiles to a table lookup', () => {
  test('=, in, != over event names, for every version of the event', () => {
    holds('evt.type = openat');
    holds('evt.type in (open, openat, openat2)');
    fails('evt.type = execve');
    holds('evt.type != execve');
    fails('evt.type != openat');
  });
});

describe('transformers and field-to-field comparison', () => {
  test('tolower, toupper, basename, len, b64, concat', () => {
    holds('toupper(proc.name) = CAT');
    holds('tolower(toupper(proc.name)) = cat');
    holds('basename(fd.name) = shadow');
    holds('len(proc.name) = 3');
    holds('concat(proc.name, "-", proc.pname) = cat-bash');
    holds('join("/", (proc.pname, proc.name)) = bash/cat');
    holds('len(join(",", (proc.name, fd.name))) = 15');
    const ctx = contextFor(state, 'unshare', 200, [0, 0]);
    state.thread(200)!.args = ['Y2F0'];
    holds('b64(proc.args) = cat', ctx);
    state.thread(200)!.args = [];
  });
  test('val() compares two fields; types must agree', () => {
    holds('proc.pname = val(proc.pcmdline)');
    fails('proc.name = val(proc.pname)');
    holds('proc.exepath endswith val(proc.name)');
    holds('fd.name startswith val(fd.directory)');
    rejects('proc.pid = val(proc.name)', "filter error: field 'proc.pid' has type 'INT64' while the right-hand side field 'proc.name' has incompatible type 'CHARBUF'");
    rejects('proc.name = val(proc.aname)', "filter error: field 'proc.aname' doesn't support right-hand side fields");
  });
});

describe('evt.* results and open flags', () => {
  test('evt.res is SUCCESS or the errno name; rawres the number', () => {
    const failed = contextFor(state, 'openat', 300, [-2, -100, '/nope', 1, 0, 0, 0]);
    holds('evt.res = ENOENT', failed);
    holds('evt.rawres = -2', failed);
    holds('evt.failed = true', failed);
    holds('evt.res startswith E', failed);
    holds('fd.name = /nope', failed);
    holds('fd.typechar = f', failed);
    holds('fd.num = -1', failed);
    holds('evt.res = SUCCESS');
  });
  test('is_open_exec needs O_CREAT and an exec mode bit', () => {
    const create = contextFor(state, 'openat', 300, [5, -100, '/tmp/x', 2 | 4, 0o755, 0, 0]);
    holds('evt.is_open_exec = true', create);
    holds('evt.is_open_write = true', create);
    fails('evt.is_open_read = true', create);
  });
});

describe('nested connectives', () => {
  // Expanded macros nest `a and (b and c)`; the compiler evaluates such chains as one level.
  test('nested and/or chains give the same results as written', () => {
    holds('proc.name = cat and (fd.name startswith /etc and (proc.pname = bash and (fd.num >= 0)))');
    fails('proc.name = cat and (fd.name startswith /etc and (proc.pname = sshd and (fd.num >= 0)))');
    fails('proc.name = cat and (fd.name startswith /etc and (proc.pname = bash and (fd.num < 0)))');
    holds('proc.name = dog or (proc.name = cow or (fd.name = /etc/shadow))');
    fails('proc.name = dog or (proc.name = cow or (fd.name = /etc/passwd))');
    holds('proc.name = cat and (proc.name = dog or (fd.num = 3 and (proc.pname = bash)))');
    fails('not (proc.name = cat and (fd.num = 3 and (proc.pname = bash)))');
  });
});
