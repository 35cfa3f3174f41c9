import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LoadContext } from './context.js';
import {
  buildExceptionCondition,
  emptyEntry,
  isOperatorForList,
  isStrOperatorWithModifier,
  scalarEntry,
  validateException,
  type ExceptionEntry,
  type ExceptionInfo,
} from './exceptions.js';
import { RuleLoadError } from './result.js';
import type { RuleSource } from './source.js';
import { syscallSource } from './syscall-source.js';

const ctx = LoadContext.root('t.yaml');
const list = (...items: Array<string | ExceptionEntry>): ExceptionEntry => ({
  isList: true,
  item: '',
  items: items.map((i) => (typeof i === 'string' ? scalarEntry(i) : i)),
});

function ex(fields: ExceptionEntry, values: ExceptionEntry[], comps: ExceptionEntry = emptyEntry()): ExceptionInfo {
  return { context: ctx, name: 'ex1', fields, comps, values };
}

const source = syscallSource() as RuleSource<unknown> as RuleSource<never>;

function validationMessage(info: ExceptionInfo): string {
  try {
    validateException(info, source);
  } catch (err) {
    assert.ok(err instanceof RuleLoadError);
    assert.equal(err.code, 'LOAD_ERR_VALIDATE');
    return err.message;
  }
  return '';
}

test('multi-field tuples become and-ed checks, or-ed across tuples, with Falco spacing', () => {
  const info = ex(list('proc.name', 'proc.cmdline'), [list('cat', 'cat /dev/null')]);
  validateException(info, source);
  assert.equal(
    buildExceptionCondition('evt.type=open and proc.name=cat', [info]),
    '(evt.type=open and proc.name=cat) and not (( proc.name = cat and  proc.cmdline = "cat /dev/null"))',
  );
  info.values.push(list('ls', 'ls -l'));
  assert.equal(
    buildExceptionCondition('c', [info]),
    '(c) and not (( proc.name = cat and  proc.cmdline = "cat /dev/null") or ( proc.name = ls and  proc.cmdline = "ls -l"))',
  );
});

test('a single field takes an in-list of its values', () => {
  const info = ex(scalarEntry('proc.cmdline'), [scalarEntry('cat /dev/zero'), scalarEntry('"cat /dev/null"')], scalarEntry('in'));
  assert.equal(
    buildExceptionCondition('evt.type=open', [info]),
    '(evt.type=open) and not (proc.cmdline in ("cat /dev/zero", "cat /dev/null"))',
  );
});

test('list operators and modifiers parenthesise scalar values; nested sequences become lists', () => {
  const info = ex(list('proc.name', 'proc.cmdline'), [list('cat', 'cat_cmdlines')], list('=', 'in'));
  assert.equal(buildExceptionCondition('c', [info]), '(c) and not (( proc.name = cat and  proc.cmdline in (cat_cmdlines)))');
  const mod = ex(list('proc.name'), [list('sshd')], list('startswith oneof'));
  assert.equal(buildExceptionCondition('c', [mod]), '(c) and not (( proc.name startswith oneof (sshd)))');
  const nested = ex(list('proc.name'), [list(list('sshd', 'sudo', 'a b'))], list('startswith oneof'));
  assert.equal(buildExceptionCondition('c', [nested]), '(c) and not (( proc.name startswith oneof (sshd, sudo, "a b")))');
  const already = ex(list('proc.name'), [list('(a, b)')], list('in'));
  assert.equal(buildExceptionCondition('c', [already]), '(c) and not (( proc.name in (a, b)))');
});

test('exceptions without values add nothing but the parentheses', () => {
  assert.equal(buildExceptionCondition('c', [ex(list('proc.name'), [])]), '(c)');
  assert.equal(buildExceptionCondition('c', [ex(scalarEntry('proc.name'), [], scalarEntry('in'))]), '(c)');
});

test('value tuples must match the fields in length', () => {
  assert.throws(
    () => buildExceptionCondition('c', [ex(list('proc.name', 'fd.filename'), [list('nginx')])]),
    (err: unknown) => err instanceof RuleLoadError && err.code === 'LOAD_ERR_VALIDATE' && err.message === 'Fields and values lists must have equal length',
  );
  assert.throws(
    () => buildExceptionCondition('c', [ex(scalarEntry('proc.name'), [list('a')], scalarEntry('in'))]),
    /Expected values array to contain a list of strings/,
  );
});

test('validation fills default comps', () => {
  const multi = ex(list('proc.name', 'fd.name'), []);
  validateException(multi, source);
  assert.deepEqual(multi.comps.items.map((c) => c.item), ['=', '=']);
  const single = ex(scalarEntry('proc.name'), []);
  validateException(single, source);
  assert.deepEqual(single.comps, scalarEntry('in'));
});

test('validation errors carry Falco messages', () => {
  assert.equal(validationMessage(ex(list('proc.name', 'fd.filename'), [], list('='))), 'Fields and comps lists must have equal length');
  assert.equal(validationMessage(ex(list('proc.name', 'fd.filename'), [], list('=', 'no-comp'))), "'no-comp' is not a supported comparison operator");
  assert.equal(validationMessage(ex(list('not.exist'), [])), "'not.exist' is not a supported filter field");
  assert.equal(validationMessage(ex(scalarEntry('proc.name'), [], list('in'))), 'Fields and comps must both be strings');
  assert.match(validationMessage(ex(scalarEntry('proc.name'), [], scalarEntry('frobulate oneof'))), /^When fields is a single value, comps must be one of/);
  assert.equal(validationMessage(ex(scalarEntry('not.exist'), [], scalarEntry('pmatch'))), "'not.exist' is not a supported filter field");
  for (const bad of ['in oneof', '>= oneof', 'oneof', 'frobulate oneof', 'startswith  oneof']) {
    assert.equal(validationMessage(ex(list('proc.name'), [], list(bad))), `'${bad}' is not a supported comparison operator`);
  }
});

test('comps are trimmed before checking and building', () => {
  const info = ex(list('proc.name', 'fd.name'), [list('agent', list('/etc/', '/var/'))], list('  contains  ', '  startswith anyof  '));
  validateException(info, source);
  assert.equal(
    buildExceptionCondition('c', [info]),
    '(c) and not (( proc.name contains agent and  fd.name startswith anyof (/etc/, /var/)))',
  );
});

test('transformer-wrapped fields are checked by compiling them', () => {
  assert.equal(validationMessage(ex(list('tolower(proc.name)'), [])), '');
  assert.equal(validationMessage(ex(list('tolower( proc.name)'), [])), '');
  assert.equal(validationMessage(ex(list('tolower(proc.nobody)'), [])), "'tolower(proc.nobody)' is not a supported filter field");
  assert.equal(validationMessage(ex(list('proc.aname[2]'), [])), '');
});

test('fields are not checked for rules of unknown sources', () => {
  assert.doesNotThrow(() => validateException(ex(list('ct.name'), []), undefined));
});

test('operator classification', () => {
  for (const op of ['startswith oneof', 'contains allof', 'endswith anyof', '= oneof', '!= allof', 'regex oneof', 'glob anyof']) {
    assert.ok(isStrOperatorWithModifier(op), op);
    assert.ok(isOperatorForList(op), op);
  }
  for (const op of ['in oneof', 'pmatch anyof', '< oneof', 'exists oneof', 'startswith', 'oneof']) {
    assert.ok(!isStrOperatorWithModifier(op), op);
  }
  assert.ok(isOperatorForList('in') && isOperatorForList('pmatch') && isOperatorForList('intersects'));
  assert.ok(!isOperatorForList('='));
});
