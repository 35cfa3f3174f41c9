import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Node } from './ast.js';
import { astToString } from './ast-string.js';
import { childNodes, cloneExpr, forEachNode, mapExpr } from './ast-walk.js';
import { parseCondition } from './condition-parser.js';

const CONDITION = 'evt.type in (open, openat) and not (m1 or tolower(proc.name) = val(proc.pname)) and join("-", (fd.name, "x")) exists';

test('forEachNode visits parents before children, in source order', () => {
  const kinds: string[] = [];
  forEachNode(parseCondition(CONDITION), (n) => void kinds.push(n.kind));
  assert.deepEqual(kinds, [
    'and', 'binary', 'field', 'list', 'value', 'value',
    'not', 'or', 'identifier', 'binary', 'transformer', 'field', 'transformer', 'field',
    'unary', 'transformer', 'value', 'transformerList', 'field', 'value',
  ]);
});

test('forEachNode: returning false skips the children; parent is passed', () => {
  const seen: Array<[string, string | undefined]> = [];
  forEachNode(parseCondition('a.b = x and not c'), (n, parent) => {
    seen.push([n.kind, parent?.kind]);
    return n.kind !== 'binary';
  });
  assert.deepEqual(seen, [['and', undefined], ['binary', 'and'], ['not', 'and'], ['identifier', 'not']]);
});

test('childNodes of leaves are empty', () => {
  const leaves: Node[] = [];
  forEachNode(parseCondition(CONDITION), (n) => {
    if (childNodes(n).length === 0) leaves.push(n);
  });
  assert.deepEqual(leaves.map((n) => n.kind), ['field', 'value', 'value', 'identifier', 'field', 'field', 'value', 'field', 'value']);
});

test('mapExpr replaces macro references and shares untouched subtrees', () => {
  const expr = parseCondition('a.b = 1 and (m1 or c.d exists) and not m2');
  const macros: Record<string, string> = { m1: 'x.y = 2 and z', m2: 'proc.name in (sh)' };
  const out = mapExpr(expr, (e) => (e.kind === 'identifier' && macros[e.name] ? parseCondition(macros[e.name]!) : undefined));
  assert.equal(astToString(out), '(a.b = 1 and ((x.y = 2 and z) or c.d exists) and not proc.name in (sh))');
  assert.equal(astToString(expr), '(a.b = 1 and (m1 or c.d exists) and not m2)', 'input untouched');
  assert.ok(out.kind === 'and' && expr.kind === 'and');
  assert.equal(out.children[0], expr.children[0], 'unchanged check is shared');
  assert.notEqual(out.children[1], expr.children[1]);

  const same = mapExpr(expr, () => undefined);
  assert.equal(same, expr, 'no replacement returns the very same tree');
});

test('mapExpr: a replacement is not walked again', () => {
  const out = mapExpr(parseCondition('m'), (e) => (e.kind === 'identifier' ? parseCondition('m or n') : undefined));
  assert.equal(astToString(out), '(m or n)');
});

test('cloneExpr makes an equal tree sharing no object', () => {
  const expr = parseCondition(CONDITION);
  const copy = cloneExpr(expr);
  assert.deepEqual(copy, expr);
  const originals = new Set<object>();
  forEachNode(expr, (n) => {
    originals.add(n);
    originals.add(n.pos);
  });
  forEachNode(copy, (n) => {
    assert.ok(!originals.has(n) && !originals.has(n.pos), `${n.kind} is shared`);
  });
  // optional keys stay absent rather than becoming undefined
  const field = cloneExpr(parseCondition('proc.name exists'));
  assert.ok(field.kind === 'unary' && !('arg' in field.left));
});
