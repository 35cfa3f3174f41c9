// Deriving the open prefilter from rules: what each rule shape contributes, and the built-in and
// upstream rules as shipped.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { openSendReason } from '../capture/live/index.js';
import { sharedDir } from '../testing/shared.js';
import { loadRulesContents, loadRulesFiles } from './loader.js';
import { deriveOpenPrefilter } from './open-prefilter-rules.js';

const RDONLY = 1, WRONLY = 2, CREAT = 4, CREATED = 0x4000;

function derive(rules: string) {
  const loaded = loadRulesContents<unknown>([{ name: 'r.yaml', content: rules }]);
  assert.ok(loaded.successful, JSON.stringify(loaded.results));
  return deriveOpenPrefilter(loaded.ruleset.enabledRules());
}

const rule = (name: string, condition: string, output = 'x %proc.name') =>
  `- rule: ${name}\n  desc: d\n  condition: ${condition}\n  output: ${output}\n  priority: WARNING\n`;

function table(rules: string) {
  const d = derive(rules);
  assert.ok(!('off' in d), 'off' in d ? d.off : '');
  return d.table;
}

test('path and flags conditions of open rules become the kernel terms', () => {
  const t = table(
    rule('a', 'evt.type in (open, openat) and evt.is_open_read=true and fd.name in (/etc/shadow, /etc/gshadow)') +
    rule('b', 'evt.type=openat and evt.arg.flags contains O_CREAT and (fd.directory = /dev or fd.name startswith /run/x/)') +
    rule('c', 'evt.type=openat and fd.filename in (id_rsa, id_ed25519) and not proc.name=ssh') +
    rule('d', 'evt.type=openat and fd.name glob "/home/*/.bashrc"'),
  );
  const send = (p: string, flags: number) => openSendReason(t, Buffer.from(p), flags, 3, false);
  assert.equal(send('/etc/shadow', RDONLY), 'terms');
  assert.equal(send('/etc/shadow', WRONLY), undefined);
  assert.equal(send('/dev/sda', WRONLY | CREAT), 'terms');
  assert.equal(send('/dev/sda', RDONLY), undefined);
  assert.equal(send('/run/x/y', WRONLY | CREAT), 'terms');
  assert.equal(send('/root/id_rsa', RDONLY), 'terms');
  assert.equal(send('/home/u/x', RDONLY), 'terms', 'a glob keeps its literal prefix');
  assert.equal(send('/usr/lib/libc.so.6', RDONLY), undefined);
  assert.equal(send('/etc', RDONLY), 'terms', 'an ancestor of a rule path could lend its name to a relative path');
  assert.equal(send('/proc/1/environ', RDONLY), 'terms', '/proc links resolve through the fd table');
});

test('a traversal test on the raw name needs a path the kernel always sends', () => {
  const t = table(rule('t', "evt.type=openat and fd.nameraw contains '../' and fd.name contains passwd"));
  assert.equal(openSendReason(t, Buffer.from('/tmp/passwd'), RDONLY, 3, false), undefined);
  assert.equal(openSendReason(t, Buffer.from('/tmp/../etc/passwd'), RDONLY, 3, false), 'path-form');
});

test('evt.is_open_create is the created bit (or an O_TMPFILE that opened)', () => {
  const t = table(rule('c', 'evt.type=openat and evt.is_open_create=true and fd.directory startswith /dev'));
  assert.equal(openSendReason(t, Buffer.from('/dev/null'), RDONLY | CREAT, 3, false), undefined, 'O_CREAT of an existing file');
  assert.equal(openSendReason(t, Buffer.from('/dev/x'), WRONLY | CREAT | CREATED, 3, false), 'terms');
});

test('a rule that may match any open, or reads the whole fd table, turns the prefilter off naming itself', () => {
  const any = derive(rule('any', 'evt.type=openat and proc.name=cat'));
  assert.ok('off' in any && any.off.includes('"any"'), JSON.stringify(any));
  const count = derive(rule('count', 'evt.type=execve and proc.fdopencount > 100'));
  assert.ok('off' in count && count.off.includes('proc.fdopencount'), JSON.stringify(count));
  const neg = derive(rule('neg', 'evt.type=openat and not fd.name startswith /usr'));
  assert.ok('off' in neg, 'a negated path test says nothing of the paths that match');
});

test('rules reading a later event\'s fd: sockets only, a path, a first-argument consumer, or off', () => {
  // needs a socket: a dropped file fd (or an unknown one) has no fd.sip, either way
  const sock = table(rule('s', 'evt.type=connect and fd.typechar in (4, 6) and fd.sip exists', 'x %fd.name'));
  assert.deepEqual(sock.consumers, []);
  // needs a path: it joins the terms with no flags condition
  const path = table(rule('p', 'evt.type=fchown and fd.name startswith /srv/', 'x %fd.name'));
  assert.equal(openSendReason(path, Buffer.from('/srv/a'), RDONLY, 3, false), 'terms');
  // neither: the open is sent just before the consumer (fd in its first argument)
  assert.deepEqual(table(rule('f', 'evt.type=fchmod and evt.res=SUCCESS', 'x %evt.args')).consumers, ['fchmod']);
  // a dirfd event: a dropped open is never a directory (see sensor/README.md)
  assert.deepEqual(table(rule('u', 'evt.type=unlinkat', 'x %fd.name')).consumers, []);
  // setns succeeds only on a namespace fd or a pidfd, which no dropped open makes
  assert.deepEqual(table(rule('n', 'evt.type=setns and evt.res=SUCCESS', 'x %evt.args')).consumers, []);
  const copy = derive(rule('c', 'evt.type=pidfd_getfd', 'x %fd.name'));
  assert.ok('off' in copy && copy.off.includes('pidfd_getfd'), JSON.stringify(copy));
});

test('closes stay in the kernel only when no rule can match a close of an unknown fd', () => {
  assert.equal(table(rule('x', 'evt.type=openat and fd.name=/x')).closes, true);
  assert.equal(table(rule('x', 'evt.type=close and fd.name startswith /x')).closes, true);
  assert.equal(table(rule('x', 'evt.type=close and proc.name=x')).closes, false);
});

test('built-in rules: /dev/null and library reads stay in the kernel, every seed file is sent', async () => {
  const loaded = await loadRulesFiles<unknown>([join(import.meta.dirname, '..', '..', 'rules', 'saker_rules.yaml')]);
  const d = deriveOpenPrefilter(loaded.ruleset.enabledRules());
  assert.ok(!('off' in d), 'off' in d ? d.off : '');
  const send = (p: string, flags: number) => openSendReason(d.table, Buffer.from(p), flags, 3, false);
  assert.equal(send('/dev/null', RDONLY), undefined);
  assert.equal(send('/usr/lib/x86_64-linux-gnu/libc.so.6', RDONLY), undefined);
  assert.equal(send('/etc/shadow', RDONLY), 'terms');
  assert.equal(send('/root/.ssh/id_rsa', RDONLY), 'path-form');
  assert.equal(send('/home/u/id_rsa', RDONLY), 'terms');
  assert.equal(send('/usr/bin/ls', WRONLY), 'terms');
  assert.deepEqual(d.table.consumers, ['fchmod']);
  assert.equal(d.table.closes, true);
});

test('upstream rules: off, as rules testing only proc.name or substrings may match any read- and any write-open', async (t) => {
  const dir = sharedDir();
  const files = ['falco_rules.yaml', 'falco-incubating_rules.yaml', 'falco-sandbox_rules.yaml'].map((f) => join(dir ?? '', 'peers', 'falco-rules', f));
  if (!dir || !files.every(existsSync)) return t.skip('../shared/peers/falco-rules is absent');
  const loaded = await loadRulesFiles<unknown>(files);
  const d = deriveOpenPrefilter(loaded.ruleset.enabledRules());
  assert.ok('off' in d && d.off.startsWith('every open may matter'), JSON.stringify(d));
});
