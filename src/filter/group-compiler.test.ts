import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { compileFilter } from './condition-compiler.js';
import { compileGroup } from './group-compiler.js';
import { parseCondition } from './condition-parser.js';
import { contextFor, fileFd, testState, thread } from './test-support.js';
import { loadRulesContents } from '../rules/index.js';
import { sharedDir } from '../testing/shared.js';
import type { EventContext } from '../state/index.js';

const state = testState(
  thread({ tid: 1, ptid: 0, comm: 'systemd' }),
  thread({ tid: 300, ptid: 1, comm: 'cat', exe: 'cat', exepath: '/usr/bin/cat', args: ['/etc/shadow'], fds: [fileFd(7, '/etc/passwd')] }),
  thread({ tid: 400, ptid: 300, comm: 'vi', exe: 'vi', exepath: '/usr/bin/vi', args: ['-R', 'x'] }),
);
const open = (tid: number, path: string, fd = 3): EventContext => contextFor(state, 'openat', tid, [fd, -100, path, 1, 0, 0, 42]);
const close = (tid: number): EventContext => contextFor(state, 'close', tid, [0, 7]);

/** Indices of the conditions the group matches, in the order it reports them. */
function grouped(conditions: readonly string[], ctx: EventContext, first: boolean): number[] {
  const ids = conditions.map((_, i) => i);
  const got: number[] = [];
  const n = compileGroup(conditions.map((c) => parseCondition(c)), ctx.evt.type, first)(ctx, ids, (i) => got.push(i));
  assert.equal(n, got.length);
  return got;
}

/** Indices of the conditions that hold, each compiled alone. */
const alone = (conditions: readonly string[], ctx: EventContext): number[] =>
  conditions.flatMap((c, i) => (compileFilter(parseCondition(c))(ctx) ? [i] : []));

test('a group reports the conditions that hold, in order; with first only the first', () => {
  const conditions = [
    'evt.type = openat and fd.name startswith /etc/ and proc.name = cat',
    'evt.type = openat and fd.name startswith /etc/ and not proc.name = cat',
    'fd.name startswith /etc/ or fd.filename = x',
    'proc.name = cat and fd.filename = x',
  ];
  const cases: Array<[() => EventContext, number[]]> = [
    [() => open(300, '/etc/hosts'), [0, 2]],
    [() => open(400, '/etc/hosts'), [1, 2]],
    [() => open(300, '/tmp/x'), [2, 3]],
    [() => open(400, '/tmp/y'), []],
  ];
  for (const [make, expected] of cases) {
    const ctx = make();
    assert.deepEqual(alone(conditions, ctx), expected);
    assert.deepEqual(grouped(conditions, ctx, false), expected);
    assert.deepEqual(grouped(conditions, ctx, true), expected.slice(0, 1));
  }
});

test('checks repeated across conditions (results kept for the event) give each condition its answer', () => {
  // Every check appears in several conditions, in different orders and under not/or, so that
  // some conditions find a check already answered for the event and others compute it first.
  const conditions = [
    'proc.name in (cat, vi, less, more, tail) and fd.name contains etc and fd.filename glob "h*"',
    'fd.filename glob "h*" and proc.name in (cat, vi, less, more, tail) and fd.name contains etc',
    'proc.name in (cat, vi, less, more, tail) or fd.name contains etc or fd.filename glob "h*"',
    'not proc.name in (cat, vi, less, more, tail) and (fd.filename glob "h*" or fd.name contains etc)',
    'fd.name contains etc and not (proc.name in (cat, vi, less, more, tail) or fd.filename glob "h*")',
    'fd.name pmatch (/etc, /usr/lib) and fd.name pmatch (/etc, /usr/lib) and proc.aname = systemd',
    // whole subexpressions repeated (as expanded macros are), alone, nested, negated
    '(proc.name in (cat, vi) and fd.num >= 0) and fd.name contains etc',
    'not (proc.name in (cat, vi) and fd.num >= 0) or fd.filename glob "h*"',
    'fd.name contains etc and (fd.filename glob "h*" or (proc.name in (cat, vi) and fd.num >= 0))',
  ];
  const events: Array<() => EventContext> = [
    () => open(300, '/etc/hosts'), () => open(400, '/etc/shadow'), () => open(300, '/tmp/hosts'),
    () => open(400, '/tmp/x'), () => open(1, '/etc/hosts'), () => open(1, '/usr/lib/x'),
  ];
  for (const make of events) {
    const ctx = make();
    const expected = alone(conditions, ctx);
    assert.deepEqual(grouped(conditions, ctx, false), expected, `${ctx.thread?.comm} ${ctx.fd?.name}`);
  }
  assert.deepEqual(grouped(conditions, open(1, '/etc/hosts'), false), [2, 3, 7, 8]);
  assert.deepEqual(grouped(conditions, open(300, '/etc/shadow'), false), [2, 5, 6, 8]);
});

test('evt.type checks are decided by the group\'s code, others on the event', () => {
  const conditions = [
    'evt.type in (openat, close) and proc.name = cat',
    'evt.type = close or proc.name = cat',
    'proc.name = vi and evt.type = openat and fd.name startswith /etc/',
    'evt.type != openat and proc.name = cat',
    'not evt.type = openat or proc.name = vi',
    'proc.name = cat and (evt.type = close or fd.name startswith /etc/)',
    'evt.type startswith clo and proc.name = cat',
  ];
  const cases: Array<[() => EventContext, number[]]> = [
    [() => open(300, '/etc/hosts'), [0, 1, 5]],
    [() => open(400, '/etc/hosts'), [2, 4]],
    [() => close(300), [0, 1, 3, 4, 5, 6]],
    [() => close(400), [1, 4]],
  ];
  for (const [make, expected] of cases) {
    const ctx = make();
    assert.deepEqual(alone(conditions, ctx), expected);
    assert.deepEqual(grouped(conditions, ctx, false), expected, `${ctx.evt.info.name} ${ctx.thread?.comm}`);
  }
});

test('missing values, numbers, booleans, lists and either-side fields, as the compiler has them', () => {
  const conditions = [
    'fd.sip = 127.0.0.1', // no socket: missing, false whatever the operator
    'fd.sip != 127.0.0.1',
    'fd.num >= 0 and fd.num < 4 and fd.num != 2',
    'fd.num in (3, 5) and evt.is_open_read = true',
    'evt.is_open_write != true',
    'proc.args contains shadow',
    'proc.aname in (cat, systemd)',
    'fd.port = 80 or fd.ip exists',
    'tolower(proc.name) = CAT or toupper(proc.name) = VI',
    'proc.name in ()',
    'not proc.pname exists',
    'proc.name = val(proc.pname)',
    // costly checks first, as written: the group evaluates them last, to the same result
    'proc.cmdline contains shadow and evt.arg.flags contains O_RDONLY and fd.name startswith /etc/',
    'proc.aname[1] = systemd or evt.arg.flags contains O_CREAT or (fd.num = 5 and proc.name = vi)',
    'not (fd.name glob "/etc/*" and proc.name = cat) and fd.num > 2',
    // text the generated code quotes or names in comments, line terminators included
    'concat(proc.name, "\u2028x\u2029") = "cat\u2028x\u2029" or proc.name in ("a\\"b", \'c\\\'d\')',
  ];
  for (const make of [() => open(300, '/etc/hosts'), () => open(400, '/etc/x', 5), () => open(1, '/x', 9), () => close(300)]) {
    const ctx = make();
    assert.deepEqual(grouped(conditions, ctx, false), alone(conditions, ctx), `${ctx.evt.info.name} ${ctx.thread?.comm}`);
  }
  assert.deepEqual(grouped(conditions, open(300, '/etc/hosts'), false), [2, 3, 4, 5, 6, 12, 13, 15]);
  assert.deepEqual(grouped(conditions, open(400, '/etc/x', 5), false), [3, 4, 6, 8, 13, 14]);
});

test('fd.*ip.name checks keep their place in a chain: the names are asked for only when reached', () => {
  // proc.cmdline is costly and would move after the fd.*ip.name checks, which would then ask
  // for their names (DNS) on events the chain's first check already decides.
  const conditions = [
    'proc.cmdline contains vi and fd.sip.name = group-and.saker.test',
    'proc.cmdline contains cat or fd.rip.name = group-or.saker.test',
  ];
  const watched = () => ['group-and.saker.test', 'group-or.saker.test'].filter((n) => state.hostNames.watched.has(n));
  assert.deepEqual(grouped(conditions, open(300, '/etc/hosts'), false), [1]);
  assert.deepEqual(watched(), [], 'cat: both chains decided before their name checks');
  // vi: both name checks reached (no socket: false), through the compiler's resolving check
  assert.deepEqual(grouped(conditions, open(400, '/etc/hosts'), false), []);
  assert.deepEqual(watched(), ['group-and.saker.test', 'group-or.saker.test']);
});

test('the upstream rules: every group compiles and agrees with the rules one by one', (t) => {
  const shared = sharedDir();
  const dir = shared && join(shared, 'peers/falco-rules');
  if (!dir || !existsSync(dir)) return t.skip('upstream rules not found (set SAKER_SHARED)');
  const files = ['falco_rules.yaml', 'falco-incubating_rules.yaml', 'falco-sandbox_rules.yaml'];
  const loaded = loadRulesContents(files.map((f) => ({ name: f, content: readFileSync(join(dir, f), 'utf8') })));
  assert.ok(loaded.successful);
  const rules = loaded.ruleset.enabledRules();
  const codes = new Set(rules.flatMap((r) => r.eventCodes ?? []));
  assert.ok(codes.size > 50);
  for (const code of codes) {
    const indexed = rules.filter((r) => r.eventCodes?.includes(code));
    compileGroup(indexed.map((r) => r.condition), code, false); // throws on generated code that does not parse
  }
  const events = [
    () => open(300, '/etc/shadow'), () => open(400, '/etc/../etc/shadow'), () => open(300, '/root/.ssh/id_rsa'),
    () => open(400, '/proc/1/environ'), () => open(300, '/dev/x'), () => close(300),
  ];
  for (const make of events) {
    const ctx = make();
    const indexed = rules.filter((r) => r.eventCodes?.includes(ctx.evt.type));
    const got: string[] = [];
    compileGroup(indexed.map((r) => r.condition), ctx.evt.type, false)(ctx, indexed, (r) => got.push(r.name));
    assert.deepEqual(got, indexed.filter((r) => r.filter(ctx)).map((r) => r.name), ctx.evt.info.name);
  }
  // One openat group over opens that repeat (paths, processes, read and write): the answers it
  // keeps per path and per value must answer as the rules one by one do, every time.
  const openat = open(300, '/x').evt.type;
  const indexed = rules.filter((r) => r.eventCodes?.includes(openat));
  const group = compileGroup(indexed.map((r) => r.condition), openat, false);
  const paths = ['/etc/shadow', '/etc/sudoers.d/x', '/etc/pam.d/common-auth', '/root/.ssh/id_rsa', '/root/.aws/credentials', '/usr/bin/x',
    '/proc/1/environ', '/dev/mem', '/etc/hosts', '/tmp/x', '/var/lib/docker/x', '/etc/ld.so.preload'];
  const O_WRONLY_CREAT = 2 | 4; // PPM_O_WRONLY | PPM_O_CREAT
  let matched = 0;
  for (let round = 0; round < 2; round++) {
    for (const path of paths) {
      for (const [tid, flags] of [[300, 1], [400, 1], [1, 1], [300, O_WRONLY_CREAT], [400, O_WRONLY_CREAT]] as const) {
        const ctx = contextFor(state, 'openat', tid, [3, -100, path, flags, 0, 0, 42]);
        const got: string[] = [];
        group(ctx, indexed, (r) => got.push(r.name));
        const expected = indexed.filter((r) => r.filter(ctx)).map((r) => r.name);
        assert.deepEqual(got, expected, `${path} by ${tid} (flags ${flags}), round ${round}`);
        matched += expected.length;
      }
    }
  }
  assert.ok(matched >= 20, `${matched} matches`);
});

/**
 * Runs the group of `conditions` on opens of every path, three rounds (so that most find their
 * path's answers kept), by each of `openers` ([tid, open flags]); asserts it agrees with the
 * conditions compiled alone. Returns the conditions that held for some open.
 */
function agreesOnOpens(conditions: readonly string[], paths: readonly string[], openers: ReadonlyArray<readonly [number, number]>): Set<string> {
  const group = compileGroup(conditions.map((c) => parseCondition(c)), open(300, '/x').evt.type, false);
  const ids = conditions.map((_, i) => i);
  const held = new Set<string>();
  for (let round = 0; round < 3; round++) {
    for (const path of paths) {
      for (const [tid, flags] of openers) {
        const ctx = contextFor(state, 'openat', tid, [3, -100, path, flags, 0, 0, 42]);
        const got: number[] = [];
        group(ctx, ids, (i) => got.push(i));
        const expected = alone(conditions, ctx);
        assert.deepEqual(got, expected, `${path} ${tid} ${flags} round ${round}`);
        for (const i of expected) held.add(conditions[i]!);
      }
    }
  }
  return held;
}

test("checks of a file's name, directory and file name kept with its path answer as computed anew", () => {
  const conditions = [
    'fd.name startswith /etc/ and fd.filename in (hosts, shadow, passwd, group, x) and proc.name = cat',
    'fd.directory in (/etc, /tmp, /usr/lib, /root/.ssh, /var) or fd.name contains /.ssh/',
    'fd.filename glob "h*" or fd.name endswith shadow or fd.name pmatch (/usr/lib, /root)',
    'not fd.directory startswith /etc and not fd.filename contains x and proc.name in (vi, cat)',
    'fd.name exists and fd.name != /etc/hosts and fd.directory != /etc',
    'fd.nameraw contains "//" or fd.nameraw endswith shadow',
  ];
  const paths = ['/etc/hosts', '/etc/shadow', '/tmp/x', '/usr/lib/os-release', '/root/.ssh/id_rsa', '/etc', '/var/log/', '/a//b'];
  // by two processes, and as a directory (O_DIRECTORY): no fd.filename then
  const O_DIRECTORY = 1 << 10; // PPM_O_DIRECTORY
  agreesOnOpens(conditions, paths, [[300, 1], [400, 1], [300, 1 | O_DIRECTORY]]);
});

test('an and/or of path checks alone, and the path checks of a chain, are kept whole with the path and answer as computed anew', () => {
  // The same checks under different connectives, negated, nested, shared by several
  // conditions, with evt.type checks folded away and with checks of the process between them:
  // each whole must be kept under its own form, and a chain's path checks taken together keep
  // the chain's value.
  const conditions = [
    'evt.type = openat and (fd.name startswith /srv/a/ or fd.filename in (a.key, a.pem)) and not proc.name = vi',
    '(fd.name startswith /srv/a/ and fd.filename in (a.key, a.pem)) or proc.name = vi',
    'not (fd.name startswith /srv/a/ or fd.filename in (a.key, a.pem)) and proc.name = cat',
    'fd.name startswith /etc/ and proc.name = cat and fd.filename in (hosts, shadow) and fd.directory != /etc/ssh',
    'fd.name startswith /etc/ or proc.name = vi or fd.filename in (a.key, hosts) or fd.name endswith shadow',
    '(evt.type = close or fd.name startswith /srv/) and (fd.directory = /srv/a or (fd.name contains b and not fd.filename = b.pem))',
    'fd.name startswith /etc/ and (fd.name startswith /srv/a/ or fd.filename in (a.key, a.pem)) and fd.typechar = f',
    'fd.name exists and (fd.name startswith /srv/a/ or fd.filename in (a.key, a.pem)) and fd.name exists',
  ];
  const paths = ['/srv/a/x', '/srv/a/a.key', '/tmp/a.pem', '/etc/a.key', '/etc/hosts', '/etc/ssh/shadow', '/etc/shadow', '/srv/a', '/srv/b/b.pem', '/srv/b/c', '/tmp/x'];
  const held = agreesOnOpens(conditions, paths, [[300, 1], [400, 1], [1, 1]]);
  assert.equal(held.size, conditions.length, 'every condition holds for some open');
});

test('costly checks of a process answered from the last value asked agree with checks computed anew', () => {
  // Processes whose names, command lines and parents are in and out of the lists, opening in
  // turn (each check sees a value other than the last one) and in runs (the same value again,
  // the same string or an equal one of another process), between events of no process.
  const procs = testState(
    thread({ tid: 1, ptid: 0, comm: 'systemd' }),
    thread({ tid: 10, ptid: 1, comm: 'python3', args: ['-m', 'ansible'] }),
    thread({ tid: 11, ptid: 1, comm: 'python3', args: ['-m', 'http.server'] }),
    thread({ tid: 12, ptid: 10, comm: 'awk', args: ['-F:', '/etc/passwd'] }),
    thread({ tid: 13, ptid: 12, comm: 'load' }),
    thread({ tid: 14, ptid: 13, comm: 'load' }),
  );
  const conditions = [
    'proc.name in (python, python3, pypy, ruby, perl, awk) and not proc.cmdline contains ansible',
    'proc.pname in (python, python3, pypy, ruby, perl, awk) or proc.cmdline contains "passwd"',
    'not proc.name in (python, python3, pypy, ruby, perl, awk) and proc.name glob "l*"',
    'proc.name in (awk, cut, grep) and proc.pname in (python3, python, pypy)',
  ];
  const group = compileGroup(conditions.map((c) => parseCondition(c)), open(300, '/x').evt.type, false);
  const ids = conditions.map((_, i) => i);
  const order = [10, 11, 10, 10, 12, 13, 14, 14, 13, 11, 12, 1, 10, 14, 0];
  const held = new Set<number>();
  for (let round = 0; round < 2; round++) {
    for (const tid of order) {
      const ctx = tid === 0 ? contextFor(procs, 'close', 13, [0, 7]) : contextFor(procs, 'openat', tid, [3, -100, '/etc/hosts', 1, 0, 0, 42]);
      const got: number[] = [];
      group(ctx, ids, (i) => got.push(i));
      const expected = alone(conditions, ctx);
      assert.deepEqual(got, expected, `tid ${tid} round ${round}`);
      for (const i of expected) held.add(i);
    }
  }
  assert.equal(held.size, conditions.length, 'every condition holds for some event');
});

test('a group too large for V8 to optimise is compiled in parts that together answer as one', (t) => {
  // 300 rules on opens, each with its own checks: ~170 KB of source as one function
  const conditions = Array.from({ length: 300 }, (_, i) =>
    `evt.type = openat and (fd.name startswith /srv/app${i}/ or fd.filename in (key${i}.pem, cert${i}.pem)) and not proc.name in (app${i}, agent${i})`);
  conditions.push('fd.name startswith /srv/ and proc.name = cat'); // the last: in the last part
  // the sources compiled, seen through the Function constructor the group compiler calls
  const sources: number[] = [];
  const real = globalThis.Function;
  globalThis.Function = new Proxy(real, {
    construct: (target, args: string[]) => {
      sources.push(args[args.length - 1]!.length);
      return Reflect.construct(target, args);
    },
  });
  t.after(() => (globalThis.Function = real));
  // (a context is good until the next is made: the state's event view is reused)
  const cases: Array<[() => EventContext, number[]]> = [
    [() => open(300, '/srv/app7/x'), [7, 300]],
    [() => open(300, '/srv/app250/key250.pem'), [250, 300]],
    [() => open(300, '/tmp/cert299.pem'), [299]],
    [() => open(400, '/srv/app3/y'), [3]],
    [() => open(300, '/srv/other'), [300]],
    [() => open(300, '/etc/hosts'), []],
  ];
  for (const [make, expected] of cases) {
    assert.deepEqual(alone(conditions, make()), expected);
    assert.deepEqual(grouped(conditions, make(), false), expected);
    assert.deepEqual(grouped(conditions, make(), true), expected.slice(0, 1));
  }
  assert.ok(sources.length >= 2 * cases.length * 2, `compiled in parts: ${sources.length} functions for ${2 * cases.length} groups`);
  assert.ok(Math.max(...sources) <= 80_000, `each part at most 80,000 characters of source (largest ${Math.max(...sources)})`);
});

const OPTIMISED_NAME = "the upstream rules' openat group is small enough for V8 to optimise";

test(OPTIMISED_NAME, (t) => {
  const shared = sharedDir();
  const dir = shared && join(shared, 'peers/falco-rules');
  if (!dir || !existsSync(dir)) return t.skip('upstream rules not found (set SAKER_SHARED)');
  if (!process.execArgv.includes('--allow-natives-syntax')) {
    // V8 tells whether a function is optimised only with natives syntax: this test, again, in a
    // child that has it. A group past V8's bytecode limit for optimising (60 KB) stays in the
    // interpreter and costs every open twice as much, with nothing failing.
    const self = fileURLToPath(import.meta.url);
    const r = spawnSync(process.execPath, ['--allow-natives-syntax', '--import', 'tsx', '--test-name-pattern', OPTIMISED_NAME, self], { encoding: 'utf8' });
    assert.equal(r.status, 0, `${r.stdout}${r.stderr}`);
    return;
  }
  const files = ['falco_rules.yaml', 'falco-incubating_rules.yaml', 'falco-sandbox_rules.yaml'];
  const loaded = loadRulesContents(files.map((f) => ({ name: f, content: readFileSync(join(dir, f), 'utf8') })));
  const rules = loaded.ruleset.enabledRules();
  const ctxs = ['/etc/shadow', '/root/.ssh/id_rsa', '/tmp/x', '/dev/null'].map((p) => open(300, p));
  const indexed = rules.filter((r) => r.eventCodes?.includes(ctxs[0]!.evt.type));
  const group = compileGroup(indexed.map((r) => r.condition), ctxs[0]!.evt.type, true);
  // eslint-disable-next-line @typescript-eslint/no-implied-eval -- natives syntax parses only in code V8 compiles itself
  const natives = (call: string) => new Function('f', `return %${call}(f)`) as (f: unknown) => number;
  natives('PrepareFunctionForOptimization')(group);
  for (const ctx of ctxs) group(ctx, indexed, () => {});
  natives('OptimizeFunctionOnNextCall')(group);
  group(ctxs[0]!, indexed, () => {});
  const TURBOFANNED = 1 << 6; // V8's OptimizationStatus
  assert.ok((natives('GetOptimizationStatus')(group) & TURBOFANNED) !== 0, `status ${natives('GetOptimizationStatus')(group).toString(2)}`);
});
