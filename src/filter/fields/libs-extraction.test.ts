// Field values as current libsinsp extracts them where sysdig 0.29 (and earlier Saker) differed;
// the end-to-end comparison with sysdig is test/e2e/inspect.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileFormat } from '../output-format.js';
import { compileFilter } from '../condition-compiler.js';
import { compileGroup } from '../group-compiler.js';
import { parseCondition } from '../condition-parser.js';
import { contextFor, fileFd, testState, thread } from '../test-support.js';
import { encodeSockAddr, encodeSockTuple, type EventContext } from '../../state/index.js';
import { renderParam } from '../../events/index.js';

const show = (fmt: string, ctx: EventContext) => compileFormat(`*${fmt}`).render(ctx);
const holds = (cond: string, ctx: EventContext): boolean => {
  const expr = parseCondition(cond);
  const alone = compileFilter(expr)(ctx);
  assert.equal(compileGroup([expr], ctx.evt.type, true)(ctx, [cond], () => {}), alone ? 1 : 0, `${cond}: as a rule group`);
  return alone;
};

const state = testState(
  thread({ tid: 1, ptid: 0, comm: 'systemd' }),
  thread({ tid: 300, ptid: 1, comm: 'cat', uid: 1234, gid: 4321, fds: [fileFd(3, '/etc/passwd')] }),
  thread({ tid: 400, ptid: 1, comm: 'nc', cwd: '/tmp' }),
);

test('an fd event whose fd is not in the table: fd.name is empty, fd.directory /, fd.typechar guessed', () => {
  const c = contextFor(state, 'fstat', 300, [0, 9]);
  assert.equal(show('%fd.num|%fd.name|%fd.directory|%fd.typechar|%fd.type|%fd.uid|%fd.name_changed', c), '9||/|o|<NA>|3009|<NA>');
  assert.equal(holds('fd.name exists', c), true);
  // A failed openat names the path it tried; its type is guessed from the event.
  const o = contextFor(state, 'openat', 300, [-2, -100, 'x.conf', 1, 0, 0, 0]);
  assert.equal(show('%fd.num|%fd.name|%fd.typechar', o), '-1|/x.conf|f');
  // ... made absolute and normal; fd.nameraw as given, each run of '/' made one; the same names
  // again from the path cache on the next such open
  for (let i = 0; i < 2; i++) {
    const a = contextFor(state, 'openat', 300, [-2, -100, '/etc//ssl///private/../x.pem', 1, 0, 0, 0]);
    assert.equal(show('%fd.name|%fd.directory|%fd.filename|%fd.nameraw', a), '/etc/ssl/x.pem|/etc/ssl|<NA>|/etc/ssl/private/../x.pem');
    const n = contextFor(state, 'openat', 300, [-2, -100, '/etc/shadow', 1, 0, 0, 0]);
    assert.equal(show('%fd.name|%fd.directory|%fd.nameraw', n), '/etc/shadow|/etc|/etc/shadow');
  }
  const p = contextFor(state, 'pipe', 300, [-24, 0, 0, 0]);
  assert.equal(show('%fd.typechar', p), 'p');
});

test('fd.l4proto is the text <NA> for an fd without a protocol; files are not servers nor connected', () => {
  const c = contextFor(state, 'fstat', 300, [0, 3]);
  assert.equal(show('%fd.l4proto|%fd.is_server|%fd.connected|%fd.sockfamily', c), '<NA>|false|false|<NA>');
  assert.equal(holds('fd.l4proto != tcp', c), true);
  assert.equal(holds('fd.l4proto exists', c), true);
});

test('socket ends need a role; is_server asks whether the server address is local', () => {
  state.setInterfaces([{ family: 'ipv4', addr: '10.0.0.5', netmask: '255.255.255.0' }]);
  try {
    const s = contextFor(state, 'socket', 400, [5, 2, 1, 0, 0]);
    // A fresh socket: no role, so no ends, no protocol, no protocol letter on the fd argument.
    assert.equal(show('%fd.sip|%fd.sport|%fd.cip|%fd.l4proto|%fd.is_server|%evt.arg.fd', s), '<NA>|<NA>|<NA>|<NA>|false|<4>');
    const tuple = encodeSockTuple({ sip: '10.0.0.5', sport: 40000, dip: '1.1.1.1', dport: 443 });
    const c = contextFor(state, 'connect', 400, [0, tuple, 5, encodeSockAddr({ ip: '1.1.1.1', port: 443 })]);
    assert.equal(show('%fd.sip|%fd.sport|%fd.cip|%fd.cport|%fd.lip|%fd.rip|%fd.l4proto|%fd.is_server|%fd.connected|%evt.arg.fd', c),
      '1.1.1.1|443|10.0.0.5|40000|10.0.0.5|1.1.1.1|tcp|false|true|<4t>10.0.0.5:40000->1.1.1.1:443');
    // A bound server socket: its port and address, no client end.
    contextFor(state, 'socket', 400, [6, 2, 1, 0, 0]);
    const b = contextFor(state, 'bind', 400, [0, encodeSockAddr({ ip: '10.0.0.5', port: 8080 }), 6]);
    assert.equal(show('%fd.name|%fd.sip|%fd.sport|%fd.cport|%fd.is_server|%fd.l4proto', b), '10.0.0.5:8080|10.0.0.5|8080|<NA>|true|tcp');
    // ... shown with its protocol letter, as libs' render_fd does for a server socket (bind fd=6(<4t>10.0.0.5:8080)).
    assert.equal(show('%evt.arg.fd', b), '<4t>10.0.0.5:8080');
    assert.equal(show('%evt.arg.fd', contextFor(state, 'listen', 400, [0, 6, 5])), '<4t>10.0.0.5:8080');
  } finally {
    state.useHostInterfaces();
  }
});

test('a datagram from an unbound socket gets the local address of the interface towards its peer', () => {
  state.setInterfaces([{ family: 'ipv4', addr: '127.0.0.1', netmask: '255.0.0.0' }, { family: 'ipv4', addr: '10.0.0.5', netmask: '255.255.255.0' }]);
  try {
    contextFor(state, 'socket', 400, [7, 2, 2, 0, 0]);
    const tuple = encodeSockTuple({ sip: '0.0.0.0', sport: 0, dip: '10.0.0.53', dport: 53 });
    const c = contextFor(state, 'sendto', 400, [20, Buffer.from('q'), 7, 20, tuple]);
    assert.equal(show('%fd.name|%fd.cip|%fd.l4proto', c), '10.0.0.5:0->10.0.0.53:53|10.0.0.5|udp');
  } finally {
    state.useHostInterfaces();
  }
});

test('evt.buflen is the byte count an I/O event returned on a known fd', () => {
  const r = contextFor(state, 'read', 300, [5, Buffer.from('root:'), 3, 4096]);
  assert.equal(show('%evt.buflen', r), '5');
  assert.equal(show('%evt.buflen', contextFor(state, 'read', 300, [-11, Buffer.alloc(0), 3, 4096])), '<NA>');
  assert.equal(show('%evt.buflen', contextFor(state, 'read', 300, [5, Buffer.from('x'), 77, 4096])), '<NA>');
  assert.equal(show('%evt.buflen', contextFor(state, 'close', 300, [0, 3])), '0');
});

test('unknown users and groups are <NA> as values; uid 0 is root with home /root', () => {
  const c = contextFor(state, 'fstat', 300, [0, 3]);
  assert.equal(show('%user.uid|%user.name|%user.homedir|%user.shell|%group.name|%user.loginname', c), '1234|<NA>|<NA>|<NA>|<NA>|<NA>');
  assert.equal(holds('user.name exists', c), true);
  const root = testState(thread({ tid: 500, uid: 0, gid: 0, loginuid: 0 }));
  root.users.removeUser('', 0);
  assert.equal(show('%user.name|%user.homedir|%user.shell|%user.loginname', contextFor(root, 'fstat', 500, [0, 1])), 'root|/root|<NA>|root');
});

test('proc.cwd of a placeholder is ./, of a process whose cwd was never learnt empty', () => {
  const s = testState();
  // An unknown thread (no process table entry): a placeholder with pid -1.
  assert.equal(show('%proc.pid|%proc.cwd', contextFor(s, 'brk', 900, [0, 0, 0, 0, 0])), '-1|./');
  const loaded = testState(thread({ tid: 901, cwd: '' }));
  assert.equal(show('%proc.cwd', contextFor(loaded, 'brk', 901, [0, 0, 0, 0, 0])), '/');
});

test('evt.arg.flags reads the same whether its text was made for this event or an earlier one', () => {
  const flags = compileFormat('%evt.arg.flags');
  const values = [1, 2, 3, 0x41, 1 | (1 << 10), 0, 0xffffffff, 1];
  for (let round = 0; round < 2; round++) {
    for (const f of values) {
      const o = contextFor(state, 'openat', 300, [3, -100, '/etc/passwd', f, 0, 0, 0]);
      const want = renderParam(o.evt, 3, true) || renderParam(o.evt, 3, false);
      assert.equal(flags.render(o), want, `flags ${f}, round ${round}`);
      assert.equal(holds(`evt.arg.flags = "${want}"`, o), true);
    }
  }
  // socket's domain is an enumeration: the same per-value texts, by event code
  const s = contextFor(state, 'socket', 300, [5, 2, 1, 0]);
  assert.equal(compileFormat('%evt.arg.domain').render(s), 'AF_INET');
});
