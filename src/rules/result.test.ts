import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LoadContext } from './context.js';
import { LoadResult } from './result.js';

const content = '\n- rule: no output rule\n  desc: some desc\n';
const contents = new Map([['f.yaml', content]]);
const ruleCtx = LoadContext.root('f.yaml').child({ offset: 3, line: 1, column: 2 }, 'rule', 'no output rule');

test("Falco's JSON form of a result", () => {
  const r = new LoadResult('f.yaml');
  r.addError('LOAD_ERR_YAML_VALIDATE', "Item has no mapping for key 'output'", ruleCtx);
  r.addWarning('LOAD_UNUSED_LIST', 'List not referred to by any other rule/macro', ruleCtx);
  assert.deepEqual(r.toFalcoJson(contents), {
    name: 'f.yaml',
    successful: false,
    errors: [
      {
        code: 'LOAD_ERR_YAML_VALIDATE',
        codedesc: 'Error validating internal structure of YAML file',
        message: "Item has no mapping for key 'output'",
        context: {
          locations: [
            { item_type: 'rules content', item_name: '', position: { name: 'f.yaml', line: 0, column: 0, offset: 0 } },
            { item_type: 'rule', item_name: 'no output rule', position: { name: 'f.yaml', line: 1, column: 2, offset: 3 } },
          ],
          snippet: '- rule: no output rule\n  ^\n',
        },
      },
    ],
    warnings: [
      {
        code: 'LOAD_UNUSED_LIST',
        codedesc: 'A list is defined in the rules content but is not used by any other list, macro, or rule.',
        message: 'List not referred to by any other rule/macro',
        context: r.toFalcoJson(contents).errors[0]!.context,
      },
    ],
  });
});

test("Falco's text forms", () => {
  const r = new LoadResult('f.yaml');
  assert.equal(r.toText(true, contents), 'f.yaml: Ok');
  r.addWarning('LOAD_DEPRECATED_ITEM', "usage of deprecated field 'evt.dir' has been detected in the rule output", ruleCtx, 'evt.dir');
  assert.equal(r.toText(false, contents), "f.yaml: Ok, with warnings\n 1 warnings: [LOAD_DEPRECATED_ITEM (Used deprecated item: field 'evt.dir')]");
  r.addError('LOAD_ERR_YAML_VALIDATE', "Item has no mapping for key 'output'", ruleCtx);
  assert.equal(
    r.toText(true, contents),
    [
      'f.yaml: Invalid',
      '1 Errors:',
      'In rules content: (f.yaml:0:0)',
      "    rule 'no output rule': (f.yaml:1:2)",
      '------',
      '- rule: no output rule',
      '  ^',
      '------',
      "LOAD_ERR_YAML_VALIDATE (Error validating internal structure of YAML file): Item has no mapping for key 'output'",
      '',
      '1 Warnings:',
      'In rules content: (f.yaml:0:0)',
      "    rule 'no output rule': (f.yaml:1:2)",
      '------',
      '- rule: no output rule',
      '  ^',
      '------',
      "LOAD_DEPRECATED_ITEM (Used deprecated item: field 'evt.dir'): usage of deprecated field 'evt.dir' has been detected in the rule output",
      '',
    ].join('\n'),
  );
  const json = r.toFalcoJson(contents).warnings[0]!;
  assert.equal(json.deprecated_field, 'evt.dir');
  assert.match(json.codedesc, /^A deprecated item is employed by lists, macros, or rules\.: due to the drop of enter events/);
});

test('flat form: 1-based position of the innermost file location, innermost named item', () => {
  const r = new LoadResult('f.yaml');
  const exCtx = ruleCtx.child({ offset: 40, line: 3, column: 6 }, 'exception', 'ex1').child({ offset: 50, line: 4, column: 8 }, 'value for', 'fields');
  r.addError('LOAD_ERR_VALIDATE', 'm', exCtx);
  assert.deepEqual(r.flatErrors(), [
    { file: 'f.yaml', line: 5, column: 9, code: 'LOAD_ERR_VALIDATE', message: 'm', item_type: 'exception', item_name: 'ex1' },
  ]);
  const unnamed = LoadContext.root('f.yaml').child({ offset: 3, line: 1, column: 2 }, 'list', '');
  r.addWarning('LOAD_UNKNOWN_ITEM', 'x', unnamed);
  assert.deepEqual(r.flatWarnings()[0], { file: 'f.yaml', line: 2, column: 3, code: 'LOAD_UNKNOWN_ITEM', message: 'x', item_type: 'list', item_name: '' });
});

test('condition contexts: Falco pseudo-location, snippet of the condition, true file position when known', () => {
  const condCtx = ruleCtx.child({ offset: 30, line: 2, column: 13 }, 'rule condition', '');
  const text = 'evt.type=open and proc.name=cat foo';
  const ctx = LoadContext.inCondition({ idx: 32, line: 1, col: 33 }, text, condCtx, { offset: 70, line: 4, column: 18 });
  const last = ctx.locations[ctx.locations.length - 1]!;
  assert.equal(last.name, '"evt.type=open and..."');
  assert.equal(last.itemType, 'condition expression');
  assert.deepEqual(last.position, { offset: 62, line: 3, column: 46 });
  assert.deepEqual(ctx.position, { offset: 70, line: 4, column: 18 });
  assert.equal(ctx.snippet(contents).split('\n')[0], text);
  const unmapped = LoadContext.inCondition({ idx: 0, line: 1, col: 1 }, 'short', condCtx);
  assert.equal(unmapped.locations[unmapped.locations.length - 1]!.name, '"short"');
  assert.deepEqual(unmapped.position, { offset: 30, line: 2, column: 13 });
});

test('snippets cap long lines at 160 characters around the position', () => {
  const long = 'x'.repeat(300);
  const ctx = LoadContext.root('l.yaml').child({ offset: 150, line: 0, column: 150 }, 'rule', 'r');
  const snippet = ctx.snippet(new Map([['l.yaml', long]]));
  const [line, caret] = snippet.split('\n');
  assert.equal(line!.length, 161);
  assert.ok(line!.startsWith('...') && line!.endsWith('...'));
  assert.equal(caret, ' '.repeat(80) + '^');
  assert.equal(ctx.snippet(new Map()), '<No context for file + l.yaml>\n');
});
