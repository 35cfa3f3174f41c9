import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Collector, type LoadConfig } from './collector.js';
import { readRules, yamlCppBool, yamlCppUint32 } from './reader.js';
import { LoadResult } from './result.js';
import { syscallSource } from './syscall-source.js';
import { parseYaml } from './yaml-source.js';

function read(content: string): { ok: boolean; result: LoadResult; collector: Collector } {
  const collector = new Collector();
  const cfg: LoadConfig = { result: new LoadResult('f.yaml'), sources: new Map([['syscall', syscallSource()]]) };
  const ok = readRules(content, 'f.yaml', collector, cfg);
  return { ok, result: cfg.result, collector };
}

function firstError(content: string) {
  const { ok, result } = read(content);
  assert.equal(ok, false);
  assert.equal(result.errors.length, 1);
  const e = result.errors[0]!;
  return { code: e.code, message: e.message, types: e.context.locations.map((l) => l.itemType), names: e.context.locations.map((l) => l.itemName) };
}

test('yaml-cpp booleans: four word pairs in lower, UPPER or Capitalised case', () => {
  for (const t of ['y', 'Y', 'yes', 'Yes', 'YES', 'true', 'True', 'TRUE', 'on', 'On', 'ON']) assert.equal(yamlCppBool(t), true, t);
  for (const f of ['n', 'N', 'no', 'No', 'NO', 'false', 'False', 'FALSE', 'off', 'Off', 'OFF']) assert.equal(yamlCppBool(f), false, f);
  for (const bad of ['tRue', 'yES', '1', '0', '', 'enabled']) assert.equal(yamlCppBool(bad), undefined, bad);
});

test('yaml-cpp unsigned integers: base prefixes, no sign, 32 bits', () => {
  assert.equal(yamlCppUint32('26'), 26);
  assert.equal(yamlCppUint32('+7'), 7);
  assert.equal(yamlCppUint32('0x1F'), 31);
  assert.equal(yamlCppUint32('010'), 8);
  assert.equal(yamlCppUint32('0'), 0);
  assert.equal(yamlCppUint32('4294967295'), 4294967295);
  for (const bad of ['-1', '4294967296', '08', '1.5', 'seven', ' 1', '0.26.0']) assert.equal(yamlCppUint32(bad), undefined, bad);
});

test('scalars keep their source text; = and != tags are tolerated', () => {
  const parsed = parseYaml('- list: ports\n  items: [80, 0x1F, 1.50, yes, ~x, "q"]\n  desc: != after evt.type\n  comps: [=, in]\n');
  assert.equal(parsed.error, undefined);
  const item = parsed.documents[0]!;
  assert.equal(item.kind, 'seq');
  const map = item.kind === 'seq' ? item.items[0]! : undefined;
  assert.ok(map && map.kind === 'map');
  const get = (k: string) => map.entries.find((e) => e.key === k)!.value;
  const items = get('items');
  assert.ok(items.kind === 'seq');
  assert.deepEqual(items.items.map((v) => (v.kind === 'scalar' ? v.text : v.kind)), ['80', '0x1F', '1.50', 'yes', '~x', 'q']);
  const desc = get('desc');
  assert.ok(desc.kind === 'scalar' && desc.text === 'after evt.type');
  const comps = get('comps');
  assert.ok(comps.kind === 'seq');
  assert.deepEqual(comps.items.map((v) => (v.kind === 'scalar' ? v.text : '')), ['=', 'in']);
});

test('positions are 0-based line, column and offset', () => {
  const parsed = parseYaml('\n- rule: x\n  desc: y\n');
  const seq = parsed.documents[0]!;
  assert.ok(seq.kind === 'seq');
  assert.deepEqual(seq.items[0]!.pos, { offset: 3, line: 1, column: 2 });
});

test('block scalars map value offsets back to file positions', () => {
  const text = '- macro: m\n  condition: >\n    evt.type=open and\n    proc.name=cat foo\n';
  const seq = parseYaml(text).documents[0]!;
  assert.ok(seq.kind === 'seq' && seq.items[0]!.kind === 'map');
  const cond = seq.items[0]!.entries[1]!.value;
  assert.ok(cond.kind === 'scalar');
  assert.equal(cond.text, 'evt.type=open and proc.name=cat foo\n');
  const foo = cond.text.indexOf('foo');
  assert.deepEqual(cond.sourceMap.sourcePosition(foo), { offset: text.indexOf('foo'), line: 3, column: 18 });
  assert.deepEqual(cond.sourceMap.sourcePosition(0), { offset: text.indexOf('evt'), line: 2, column: 4 });
});

test('syntax errors are reported with yaml-cpp wording and position', () => {
  const e = firstError('this : is : not : yaml');
  assert.equal(e.code, 'LOAD_ERR_YAML_PARSE');
  assert.equal(e.message, 'yaml-cpp: error at line 1, column 11: illegal map value');
  assert.deepEqual(e.types, ['rules content', 'value for']);
  const other = firstError('- a: [1\n');
  assert.equal(other.code, 'LOAD_ERR_YAML_PARSE');
  assert.match(other.message, /^yaml-cpp: error at line \d+, column \d+: /);
});

test('document shape errors', () => {
  assert.deepEqual(firstError('This is not yaml'), { code: 'LOAD_ERR_YAML_VALIDATE', message: 'Rules content is not yaml', types: ['rules content'], names: [''] });
  assert.equal(firstError('foo: bar').message, 'Rules content is not yaml array of objects');
  const item = firstError('- foo');
  assert.equal(item.message, 'Unexpected element type. Each element should be a yaml associative array.');
  assert.deepEqual(item.types, ['rules content', 'rules content item']);
});

test('empty documents, comments and null items are skipped', () => {
  for (const content of ['', '# nothing\n', '---\n---\n', '- \n-\n']) {
    const { ok, result } = read(content);
    assert.ok(ok, content);
    assert.equal(result.errors.length + result.warnings.length, 0);
  }
});

test('multi-document files share one collector, in order', () => {
  const { ok, collector } = read('---\n- list: a\n  items: [x]\n---\n- list: a\n  items: [y]\n  append: true\n');
  assert.ok(ok);
  assert.deepEqual(collector.lists.get('a')!.items, ['x', 'y']);
});

test('the first error stops the file; later documents are not read', () => {
  const { ok, collector, result } = read('- list: a\n  items: [x]\n- list:\n  items: [y]\n---\n- list: b\n  items: [z]\n');
  assert.equal(ok, false);
  assert.equal(result.errors[0]!.message, "Mapping for key 'list' is empty");
  assert.deepEqual([...collector.lists.keys()], ['a']);
});

test('key decoding errors', () => {
  const cases: Array<[string, string, string[], string[]]> = [
    ['- list: bad_list\n  no_items: foo', "Item has no mapping for key 'items'", ['rules content', 'list'], ['', 'bad_list']],
    ['- list: l\n  items:', 'Value is not a sequence', ['rules content', 'list', 'value for'], ['', 'l', 'items']],
    ['- list: l\n  items: [[a]]', 'sequence value is not scalar', ['rules content', 'list', 'value for', 'list item'], ['', 'l', 'items', '']],
    ['- macro: bad_macro\n  nope: 1', "Item has no mapping for key 'condition'", ['rules content', 'macro'], ['', 'bad_macro']],
    ['- macro:\n  condition: x', "Mapping for key 'macro' is empty", ['rules content', 'macro'], ['', '']],
    ['- macro: m\n  condition: [a]', 'Value is not a scalar value', ['rules content', 'macro', 'value for'], ['', 'm', 'condition']],
    ['- macro: m\n  condition: ""', 'Value must be non-empty', ['rules content', 'macro', 'value for'], ['', 'm', 'condition']],
    ['- macro: m\n  condition: x\n  append: maybe', "Can't decode YAML scalar value", ['rules content', 'macro', 'value for'], ['', 'm', 'append']],
    ['- rule: r\n  desc: d\n  condition: c\n  output: o\n  priority: LOUD', 'Invalid priority', ['rules content', 'rule', 'rule priority'], ['', 'r', '']],
    ['- rule: r\n  condition:\n  desc: d\n  output: o\n  priority: INFO', "Mapping for key 'condition' is empty", ['rules content', 'rule'], ['', 'r']],
    ['- rule: r\n  desc: d\n  condition: c\n  output: o\n  priority: INFO\n  source:', "Mapping for key 'source' is empty", ['rules content', 'rule'], ['', 'r']],
    ['- rule: r\n  desc: d\n  condition: c\n  output: o\n  priority: INFO\n  tags: x', 'Value is not a sequence', ['rules content', 'rule', 'value for'], ['', 'r', 'tags']],
  ];
  for (const [content, message, types, names] of cases) {
    const e = firstError(content);
    assert.equal(e.code, 'LOAD_ERR_YAML_VALIDATE', content);
    assert.equal(e.message, message, content);
    assert.deepEqual(e.types, types, content);
    assert.deepEqual(e.names, names, content);
  }
});

test('override map errors', () => {
  const rule = '- rule: r\n  desc: d\n  condition: evt.type=open\n  output: o\n  priority: INFO\n';
  const cases: Array<[string, string]> = [
    ['- rule: r\n  priority: INFO\n  override:\n    priority: append', "Key 'priority' cannot be appended to, use 'replace' instead"],
    ['- rule: r\n  source: x\n  override:\n    source: replace', "Key 'source' cannot be replaced"],
    ['- rule: r\n  desc: x\n  override:\n    desc: prepend', "Invalid override operation for key 'desc': 'prepend'. Allowed values are: append replace "],
    ['- rule: r\n  priority: INFO\n  override:\n    priority: merge', "Invalid override operation for key 'priority': 'merge'. Allowed values are: replace "],
    ['- list: l\n  items: [a]\n  override:\n    items: merge', "Invalid override operation for key 'items': 'merge'. Allowed values are: append replace "],
    ['- macro: m\n  condition: x\n  override:\n    items: append', "Key 'items' cannot be appended to, use 'replace' instead"],
    ['- rule: r\n  desc: x\n  override:\n    desc: replace\n    output: replace', "An replace override for 'output' was specified but 'output' is not defined"],
  ];
  for (const [item, message] of cases) {
    const e = firstError(rule + item);
    assert.equal(e.code, 'LOAD_ERR_YAML_VALIDATE');
    assert.equal(e.message, message);
  }
  // The override entry context names the key.
  const keyed = firstError(rule + cases[0]![0]);
  assert.deepEqual(keyed.types, ['rules content', 'rule', 'overrides', 'overrides']);
  assert.deepEqual(keyed.names, ['', 'r', '', 'priority']);
});

test('exceptions decoding', () => {
  const rule = '- rule: r\n  desc: d\n  condition: evt.type=open\n  output: o\n  priority: INFO\n  exceptions:\n';
  const cases: Array<[string, string, string[], string[]]> = [
    ['    - fields: [proc.name]', "Item has no mapping for key 'name'", ['rules content', 'rule', 'exceptions', 'exception'], ['', 'r', '', '']],
    ['    - name: ex1', "Item has no mapping for key 'fields'", ['rules content', 'rule', 'exception'], ['', 'r', 'ex1']],
    ['    - name: ex1\n      fields: [proc.name]\n      values: x', 'Rule exception values must be a sequence', ['rules content', 'rule', 'exception', 'exception values'], ['', 'r', 'ex1', '']],
    ['    - name: ex1\n      fields: [proc.name]\n      values: [""]', 'Value must be non-empty', ['rules content', 'rule', 'exception', 'exception values', 'exception value', 'value for'], ['', 'r', 'ex1', '', '', '']],
    ['    - x', 'Rule exception must be a mapping', ['rules content', 'rule', 'exceptions', 'exception'], ['', 'r', '', '']],
    ['    x', 'Rule exceptions must be a sequence', ['rules content', 'rule', 'exceptions'], ['', 'r', '']],
  ];
  for (const [exceptions, message, types, names] of cases) {
    const e = firstError(rule + exceptions);
    assert.equal(e.code, 'LOAD_ERR_YAML_VALIDATE', exceptions);
    assert.equal(e.message, message, exceptions);
    assert.deepEqual(e.types, types, exceptions);
    assert.deepEqual(e.names, names, exceptions);
  }
  const empty = read(rule + '    \n');
  assert.ok(empty.ok, 'a null exceptions value is allowed');
});

test('required_plugin_versions entries are checked', () => {
  assert.ok(read('- required_plugin_versions:\n  - name: container\n    version: 0.4.0\n    alternatives:\n      - name: k8s\n        version: 1.0.0\n').ok);
  const cases: Array<[string, string]> = [
    ['- required_plugin_versions: x', 'Value of required_plugin_versions must be a sequence'],
    ['- required_plugin_versions:\n  - x', 'Plugin version must be a mapping'],
    ['- required_plugin_versions:\n  - name: c', "Item has no mapping for key 'version'"],
    ['- required_plugin_versions:\n  - name: c\n    version: bad', "Invalid required version 'bad' for plugin 'c'"],
    ['- required_plugin_versions:\n  - name: c\n    version: 1.0.0\n    alternatives:\n      - name: c\n        version: 2.0.0', "Defined multiple alternative version requirements for plugin 'c'"],
  ];
  for (const [content, message] of cases) assert.equal(firstError(content).message, message);
});

test('unknown top-level items warn and are skipped', () => {
  const { ok, result } = read('- foo: bar\n');
  assert.ok(ok);
  assert.equal(result.warnings[0]!.code, 'LOAD_UNKNOWN_ITEM');
  assert.equal(result.warnings[0]!.message, 'Unknown top level item');
});

test('the item kind is chosen by the first matching key in a fixed order', () => {
  const { collector, result } = read('- rule: r\n  list: l\n  items: [a]\n');
  assert.ok(collector.lists.has('l'));
  assert.equal(collector.rules.size, 0);
  assert.deepEqual(result.warnings.map((w) => w.message), ["Unknown key 'rule'. The key will be ignored."]);
});

test('rule definitions decode defaults, tags as a set and trimmed output', () => {
  const { ok, collector } = read('- rule: r\n  desc: d\n  condition: evt.type=open\n  output: "  hi %proc.name \\n"\n  priority: info\n  tags: [b, a, b]\n');
  assert.ok(ok);
  const r = collector.rules.get('r')!;
  assert.equal(r.output, 'hi %proc.name');
  assert.deepEqual([...r.tags].sort(), ['a', 'b']);
  assert.equal(r.priority, 6);
  assert.equal(r.source, 'syscall');
  assert.deepEqual([r.enabled, r.capture, r.captureDuration, r.warnEvttypes, r.skipIfUnknownFilter], [true, false, 0, true, false]);
});
