import { test } from 'node:test';
import assert from 'node:assert/strict';
import { type Expr, astToString, parseCondition } from '../filter/index.js';
import { resolveMacros } from './macros.js';

function macrosOf(defs: Record<string, string>): Map<string, Expr> {
  return new Map(Object.entries(defs).map(([name, cond]) => [name, parseCondition(cond)]));
}

test('references are replaced by the macro condition, recursively', () => {
  const macros = macrosOf({ is_open: 'evt.type in (open, openat)', is_cat: 'proc.name = cat', open_cat: 'is_open and is_cat' });
  const res = resolveMacros(parseCondition('open_cat or not is_cat'), (n) => macros.get(n));
  assert.equal(astToString(res.expr), '((evt.type in (open, openat) and proc.name = cat) or not proc.name = cat)');
  assert.deepEqual(res.resolved.map((r) => r.name), ['is_open', 'is_cat', 'open_cat', 'is_cat']);
  assert.deepEqual(res.unknown, []);
  assert.deepEqual(res.errors, []);
});

test('a condition that is only a macro reference is replaced as a whole', () => {
  const macros = macrosOf({ never_true: '(evt.num=0)' });
  const res = resolveMacros(parseCondition('never_true'), (n) => macros.get(n));
  assert.equal(astToString(res.expr), 'evt.num = 0');
});

test('macro ASTs are copied, never shared or modified', () => {
  const macros = macrosOf({ m: 'proc.name = a and proc.name = b' });
  const first = resolveMacros(parseCondition('m'), (n) => macros.get(n)).expr;
  const second = resolveMacros(parseCondition('m'), (n) => macros.get(n)).expr;
  assert.notEqual(first, macros.get('m'));
  assert.notEqual(first, second);
  (first as { kind: 'and'; children: Expr[] }).children.pop();
  assert.equal(astToString(macros.get('m')!), '(proc.name = a and proc.name = b)');
});

test('identifiers that name no visible macro are reported with their position', () => {
  const macros = macrosOf({ a: 'proc.name = a' });
  const res = resolveMacros(parseCondition('a and b'), (n) => macros.get(n));
  assert.deepEqual(res.unknown, [{ name: 'b', pos: { idx: 6, line: 1, col: 7 } }]);
  const hidden = resolveMacros(parseCondition('a'), () => undefined);
  assert.deepEqual(hidden.unknown.map((u) => u.name), ['a']);
});

test('identifiers in value position are not macro references', () => {
  const macros = macrosOf({ cat: 'proc.name = x' });
  const res = resolveMacros(parseCondition('proc.name = cat and proc.name in (cat)'), (n) => macros.get(n));
  assert.equal(astToString(res.expr), '(proc.name = cat and proc.name in (cat))');
  assert.deepEqual(res.resolved, []);
});

test('reference loops are errors', () => {
  const macros = macrosOf({ a: 'b', b: 'a' });
  const res = resolveMacros(parseCondition('a'), (n) => macros.get(n));
  assert.deepEqual(res.errors.map((e) => e.message), ["reference loop in macro 'a'"]);
  const self = macrosOf({ a: 'proc.name = x or a' });
  assert.deepEqual(resolveMacros(parseCondition('a'), (n) => self.get(n)).errors.map((e) => e.message), ["reference loop in macro 'a'"]);
});
