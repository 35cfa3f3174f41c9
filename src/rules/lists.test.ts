import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileLists, quoteItem, resolveList, resolveLists, type CompiledList } from './lists.js';

const cat = { name: 'cat_binaries', items: ['cat'] };
const empty = { name: 'empty_list', items: [] };

test('a bare list name after = is replaced by its items, padded with spaces', () => {
  assert.deepEqual(resolveList('proc.name=cat_binaries', cat), { condition: 'proc.name= cat ', used: true });
});

test('blanks around the name are consumed', () => {
  assert.equal(resolveList('proc.name= cat_binaries or proc.name=nopey', cat).condition, 'proc.name= cat or proc.name=nopey');
  assert.equal(resolveList('proc.name in (ls, cat_binaries, ps)', cat).condition, 'proc.name in (ls, cat , ps)');
  assert.equal(resolveList('proc.name in (cat_binaries, ps)', cat).condition, 'proc.name in ( cat , ps)');
  assert.equal(resolveList('proc.name in (ls, cat_binaries)', cat).condition, 'proc.name in (ls, cat )');
});

test('a name at the start of the condition gets no leading space', () => {
  assert.equal(resolveList('cat_binaries', cat).condition, 'cat ');
});

test('occurrences that are part of a longer word are left alone', () => {
  const list = { name: 'my_list', items: ['"one string"'] };
  assert.deepEqual(resolveList('evt.type=open and fd.name in (file_my_list)', list), {
    condition: 'evt.type=open and fd.name in (file_my_list)',
    used: false,
  });
  assert.equal(resolveList('proc.name in (cat_binaries_x)', cat).used, false);
  assert.equal(resolveList('proc.name=cat_binaries.x', cat).used, false);
});

test('an empty list swallows one adjacent comma, the left one first', () => {
  assert.equal(resolveList('proc.name in (ls, empty_list, ps)', empty).condition, 'proc.name in (ls  , ps)');
  assert.equal(resolveList('proc.name in (empty_list, ps)', empty).condition, 'proc.name in (   ps)');
  assert.equal(resolveList('k8s.ns.name in (empty_list)', empty).condition, 'k8s.ns.name in (  )');
});

test('items with spaces are quoted unless already quoted', () => {
  assert.equal(quoteItem('cat /dev/null'), '"cat /dev/null"');
  assert.equal(quoteItem('"cat /dev/null"'), '"cat /dev/null"');
  assert.equal(quoteItem("'a b'"), "'a b'");
  assert.equal(quoteItem('plain'), 'plain');
  const list = { name: 'cmds', items: ['cat /dev/null', 'ls'] };
  assert.equal(resolveList('proc.cmdline in (cmds)', list).condition, 'proc.cmdline in ( "cat /dev/null", ls )');
});

test('every occurrence is replaced, and names inside quoted strings too (as in Falco)', () => {
  assert.equal(resolveList('a=cat_binaries or b=cat_binaries', cat).condition, 'a= cat or b= cat ');
  assert.equal(resolveList('proc.name="x cat_binaries "', cat).condition, 'proc.name="x cat "');
  // A quote is not a delimiter.
  assert.equal(resolveList('proc.name="cat_binaries"', cat).used, false);
});

test('a list whose items contain its own name does not loop', () => {
  const selfish = { name: 'x', items: ['x', 'y'] };
  assert.equal(resolveList('a in (x)', selfish).condition, 'a in ( x, y )');
});

test('resolveLists applies every list in order and marks the used ones', () => {
  const lists: CompiledList[] = [
    { name: 'a', items: ['1'], used: false },
    { name: 'b', items: ['2'], used: false },
  ];
  assert.equal(resolveLists('x in (b)', lists), 'x in ( 2 )');
  assert.deepEqual(lists.map((l) => l.used), [false, true]);
});

test('resolveLists over a Map (only the lists a condition names) substitutes as over every list', () => {
  // items that name later lists (substituted in turn), earlier ones (not again), an empty list,
  // a name with a delimiter in it, names inside longer words and inside quotes
  const make = (): CompiledList[] => [
    { name: 'first', items: ['later', 'first', 'x y'], used: false },
    { name: 'empty', items: [], used: false },
    { name: 'has space', items: ['s'], used: false },
    { name: 'later', items: ['first', 'z'], used: false },
    { name: 'unused', items: ['u'], used: false },
  ];
  const conditions = [
    'a in (first) and b in (empty, c)',
    'a in (firstly, later) or b = "first"',
    'has space and (unused_not, x=later)',
    'a in (empty)',
    'nothing here',
  ];
  for (const c of conditions) {
    const asArray = make();
    const asMap = make();
    const got = resolveLists(c, new Map(asMap.map((l) => [l.name, l])));
    assert.equal(got, resolveLists(c, asArray), c);
    assert.deepEqual(asMap.map((l) => l.used), asArray.map((l) => l.used), c);
  }
  const lists = make();
  assert.equal(resolveLists('a in (first)', new Map(lists.map((l) => [l.name, l]))), 'a in ( first, z , first, "x y" )');
  assert.deepEqual(lists.map((l) => l.used), [true, false, false, true, false]);
});

test('lists naming earlier lists are expanded; later ones stay literal', () => {
  const out = compileLists([
    { name: 'base', items: ['a', 'b'], index: 0, visibility: 0 },
    { name: 'nested', items: ['base', 'c', 'later'], index: 1, visibility: 1 },
    { name: 'later', items: ['z'], index: 2, visibility: 2 },
  ]);
  assert.deepEqual(out.get('nested')!.items, ['a', 'b', 'c', 'later']);
  assert.equal(out.get('base')!.used, true);
  assert.equal(out.get('later')!.used, false);
  assert.equal(out.get('nested')!.used, false);
});

test('a list appended after another list was defined sees it', () => {
  const out = compileLists([
    { name: 'first', items: ['later', 'x'], index: 0, visibility: 5 },
    { name: 'later', items: ['z'], index: 2, visibility: 2 },
  ]);
  assert.deepEqual(out.get('first')!.items, ['z', 'x']);
});

test('expansion uses the referenced list as collected, one level deep (as Falco)', () => {
  const out = compileLists([
    { name: 'a', items: ['1'], index: 0, visibility: 0 },
    { name: 'b', items: ['a'], index: 1, visibility: 1 },
    { name: 'c', items: ['b'], index: 2, visibility: 2 },
  ]);
  assert.deepEqual(out.get('b')!.items, ['1']);
  assert.deepEqual(out.get('c')!.items, ['a']);
});
