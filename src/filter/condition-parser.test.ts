// Parser tests. The case tables and most expectations are ported from libsinsp's
// test/filter_parser.ut.cpp (inputs and outcomes are facts about the language); the rest pin
// libsinsp's error messages and positions as parser.cpp produces them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Expr, FieldLike, ListExpr, Node, Pos, ValueExpr } from './ast.js';
import { astToString } from './ast-string.js';
import { forEachNode } from './ast-walk.js';
import {
  FilterSyntaxError, parseCondition, parseFieldOrTransformer, supportedFieldTransformers, supportedOperators,
} from './condition-parser.js';

// --- helpers ------------------------------------------------------------------------------------

function parseOrFail(input: string): Expr {
  try {
    return parseCondition(input);
  } catch (e) {
    if (e instanceof FilterSyntaxError) {
      assert.fail(`at ${e.pos.line}:${e.pos.col}: ${e.message} -> ${JSON.stringify(input)}`);
    }
    throw e;
  }
}

/** libsinsp test_accept: the input, then padded with spaces, then with spaces as newlines, then tabs. */
function accept(input: string): void {
  parseOrFail(input);
  let padded = ` ${input} `;
  parseOrFail(padded);
  padded = padded.replaceAll(' ', '\n');
  parseOrFail(padded);
  parseOrFail(padded.replaceAll('\n', '\t'));
}

function reject(input: string): void {
  assert.throws(() => parseCondition(input), FilterSyntaxError, `expected a parse failure: ${JSON.stringify(input)}`);
}

function rejectWith(input: string, message: string, pos?: Partial<Pos>, maxDepth?: number): void {
  assert.throws(
    () => parseCondition(input, maxDepth === undefined ? {} : { maxDepth }),
    (e: unknown) => {
      assert.ok(e instanceof FilterSyntaxError, `not a FilterSyntaxError: ${String(e)}`);
      assert.equal(e.name, 'FilterSyntaxError');
      assert.equal(e.message, message, `message for ${JSON.stringify(input)}`);
      if (pos) assert.deepEqual({ ...e.pos, ...pos }, e.pos, `position for ${JSON.stringify(input)}: ${JSON.stringify(e.pos)}`);
      return true;
    },
  );
}

/** The node tree without positions or the `quoted` flag, like libsinsp's is_equal. */
function shape(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(shape);
  if (node === null || typeof node !== 'object') return node;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(node)) {
    if (k !== 'pos' && k !== 'quoted') out[k] = shape(v);
  }
  return out;
}

// Position-free node builders for expected trees.
const P = { idx: 0, line: 1, col: 1 };
const F = (name: string, arg?: string): FieldLike => (arg === undefined ? { kind: 'field', name, pos: P } : { kind: 'field', name, arg, pos: P });
const T = (name: string, ...args: FieldLike[]): FieldLike => ({ kind: 'transformer', name: name as never, args, pos: P });
const V = (value: string): ValueExpr => ({ kind: 'value', value, pos: P });
const L = (...values: string[]): ListExpr => ({ kind: 'list', values: values.map(V), pos: P });
const B = (left: FieldLike, op: string, right: ValueExpr | ListExpr | FieldLike, mod?: string): Expr =>
  (mod === undefined ? { kind: 'binary', left, op: op as never, right, pos: P } : { kind: 'binary', left, op: op as never, mod: mod as never, right, pos: P });
const U = (left: FieldLike): Expr => ({ kind: 'unary', left, op: 'exists', pos: P });
const And = (...children: Expr[]): Expr => ({ kind: 'and', children, pos: P });
const Or = (...children: Expr[]): Expr => ({ kind: 'or', children, pos: P });
const Not = (child: Expr): Expr => ({ kind: 'not', child, pos: P });
const Id = (name: string): Expr => ({ kind: 'identifier', name, pos: P });

function assertAst(input: string, expected: Expr): void {
  assert.deepEqual(shape(parseOrFail(input)), shape(expected), `AST of ${JSON.stringify(input)}: ${astToString(parseOrFail(input))}`);
}

/** libsinsp's pos_visitor: node names with "idx line col"; lists are not descended into. */
function positions(node: Node): string {
  const names: Record<Node['kind'], string> = {
    and: 'and', or: 'or', not: 'not', identifier: 'identifier', value: 'value', list: 'list',
    transformerList: 'transformer_list', unary: 'unary', binary: 'binary', field: 'field', transformer: 'transformer',
  };
  let s = '';
  forEachNode(node, (n) => {
    s += `${names[n.kind]}${n.pos.idx} ${n.pos.line} ${n.pos.col}`;
    return n.kind !== 'list' && n.kind !== 'transformerList';
  });
  return s;
}

// --- libsinsp case tables -----------------------------------------------------------------------

interface Cases { accept?: string[]; acceptExact?: string[]; reject?: string[] }

const LIBSINSP_CASES: Record<string, Cases> = {
  parse_smoke_test: {
    accept: [
      "  a",
      "(a)",
      "a and b",
      "a and b and c",
      "a and b and(c)",
      "(a)and(b)and(c)",
      "(a and b)",
      "a or b",
      "a or b or c",
      "a or b or(c)",
      "(a)or(b)or(c)",
      "(a or b)",
      "(a.a exists and b)",
      "(a.a exists) and (b)",
      "a.a exists and b",
      "a.a=1 or b.b=2 and c",
      "not (a)",
      "not(a)",
      "not (not (a))",
      "not (a.b=1)",
      "not (a.a exists)",
      "not a",
      "a.b = 1 and not a",
      "not not a",
      "(not not a)",
      "not not(a)",
      "not(not(a))",
      "not(a)and(not(b))",
      "not a.b=1",
      "not a.a exists",
      "a.b = bla",
      "a.b = 'bla'",
      "a.b = not",
      "a.b contains bla",
      "a.b icontains 'bla'",
      "a.g in (1, 'a', b)",
      "fd.name=*.log",
      "a.g in (1, 'a', b.c)",
      "a.b = a.a",
      "a and notb",
      "a or notb",
      "notz and a and b",
      "macro and not_macro",
      "macro and not not_macro",
      "macro and not(not_macro)",
      "((macro) and (not_macro))",
      "macro and and_macro",
      "((macro) and (and_macro))",
      "macro and or_macro",
      "((macro) and (or_macro))",
      "evt.arg[0] contains /bin",
      "evt.arg[a] contains /bin",
    ],
    reject: [
      "a andb",
      "aand b",
      "a and b and",
      "a and b or",
      "a and b not",
      "and a",
      "or a",
      "a or b and",
      "a or b or",
      "a or b not",
      "a not b and",
      "a not b or",
      "a not b not",
      "a orb",
      "aor b",
      "a and or b",
      "a andor b",
      "a not b",
      "a notb",
      "anot b",
      "a andnot b",
      "a andnotb",
      "(a)andnot(b)",
      "a ornot b",
      "a ornotb",
      "(a)ornot(b)",
      "evt.arg[] contains /bin",
      "a.b = b = 1",
      "(a.b = 1",
      "a.a invalidoperator xxx",
      "macro > 12",
      "a.g in ( 1 ,, , b)",
      "#a and b; a and b",
      "#a and b; # ; ; a and b",
      "fd.name=/var/lo);g/httpd.log",
    ],
  },
  parse_str: {
    accept: [
      "test.str = testval",
      "test.str = 0a!@#456:/\\.;!$%^&*[]{}|",
      "test.str = \"\"",
      "test.str = ''",
      "test.str = \"0a!@#456:/.; !$%^&*[]{}|\"",
      "test.str = \"test value\"",
      "test.str = 'test value'",
      "test.str[0a!@#456:/\\.;!$%^&*(){}|] = testval",
      "test.str[aaaa1] = a",
      "test.str[1234] = a",
      "test.str[+0.25e+10] = a",
      "test.str[\"\"] = empty",
      "test.str['a aa'] = a",
      "test.str[\"test \\\"with\\\"escaping\"] = a",
      "test.str = \"escape double quote \\\" \"",
      "test.str = \"escape double quote \\\" \"",
      "test.str = 'escape single quote \\' '",
      "test.str = 'multiple escape single quote \\' \\\\''",
      "test.str = 'mixed \"'",
      "test.str = \"mixed '\"",
    ],
    acceptExact: [
      "test.str = \"bad escape \\ \" ",
    ],
    reject: [
      "test.str = a,",
      "test.str = a=",
      "test.str = a('\")",
      "test.str = '",
      "test.str = \"",
      "test.str = '\"",
      "test.str = \"'",
      "test.str = missing start quote",
      "test.str = 'missing end quote",
      "test.str = \"broken escape double quote\"\"",
      "test.str = 'broken escape single quote''",
      "test.str = \"mixed \\'\"",
      "test.str = 'mixed \\\"'",
      "test.str[0a!@#456:/\\.;!$%^&*[]{}] = testval",
      "test.str[] = testval",
      "test.str[[] = testval",
      "test.str[]] = testval",
      "test.str['''] = a",
      "test.str[aaa\"] = a",
      "test.str[   test   ] = testval",
      "test.str[ = testval",
      "test.str] = testval",
    ],
  },
  parse_numbers: {
    accept: [
      "test.num > 1000",
      "test.num < +1",
      "test.num >= -1",
      "test.num <= 0x12345",
      "test.num <= 0XaB00AB",
      "test.num > 1.2",
      "test.num < -1.2",
      "test.num > -0.1222e+10",
      "test.str = !0.1222e+10",
      "test.str = 0xAAA.1",
      "test.str = 0aaaaa",
      "test.str = a",
    ],
    reject: [
      "test.num > !0.1222e+10",
      "test.num < 0xAAA.1",
      "test.num >= 0aaaaa",
      "test.num <= a",
    ],
  },
  parse_lists: {
    accept: [
      "test.list in ()",
      "test.list in (a)",
      "test.list in ('single-quoted')",
      "test.list in (\"double-quoted\")",
      "test.list in (0a!@#456:/\\.;!$%^&*[]{}|)",
      "test.list in (0a!@#456:/\\.;!$%^&*[]{}|, value)",
      "test.list in (value, \"value\", 'value')",
      "test.list in (value)",
      "test.list intersects (value)",
      "test.list pmatch (value)",
    ],
    reject: [
      "test.list in (",
      "test.list in )",
      "test.list in (value,)",
      "test.list in (value,,)",
      "test.list in (,)",
      "test.list in (,   ,)",
      "test.list > (value)",
      "test.list = (value)",
      "test.list < (value)",
      "test.list startswith (value)",
      "test.list bstartswith (value)",
      "test.list contains (value)",
      "test.list icontains (value)",
    ],
  },
  parse_operators: {
    accept: [
      "test.op exists and macro",
      "test.op exists",
      "test.op = value",
      "test.op =value",
      "test.op == value",
      "test.op ==value",
      "test.op != value",
      "test.op !=value",
      "test.op glob value",
      "test.op iglob value",
      "test.op contains value",
      "test.op icontains value",
      "test.op bcontains 48545450",
      "test.op startswith value",
      "test.op bstartswith 12ab001fc5",
      "test.op endswith value",
      "test.op > 1",
      "test.op >1",
      "test.op < 1",
      "test.op <1",
      "test.op >= 1",
      "test.op >=1",
      "test.op <= 1",
      "test.op <=1",
      "test.op in ()",
      "test.op in()",
      "test.op intersects ()",
      "test.op intersects()",
      "test.op pmatch ()",
      "test.op pmatch()",
      "test.op existsand macro",
    ],
    reject: [
      "test.op ExIsTs",
      "test.op exists something",
      "test.op ===",
      "test.op === value",
      "test.op !==",
      "test.op !== value",
      "test.op startswithvalue",
      "test.op bstartswithvalue",
      "test.op endswithvalue",
      "test.op containsvalue",
      "test.op icontainsvalue",
      "test.op bcontainsvalue",
      "test.op globvalue",
      "test.op iglobvalue",
      "test.op >",
      "test.op <",
      "test.op >=",
      "test.op <=",
      "test.op in",
      "test.op intersects",
      "test.op pmatch",
    ],
  },
  parse_transformers_left_hand: {
    accept: [
      "tolower(test.field) exists",
      "toupper(test.field) exists",
      "b64(test.field) exists",
      "b64(test.field) exists",
      "b64(test.field) = value",
      "b64(test.field) == value",
      "b64(test.field) != value",
      "b64(test.field) glob value",
      "(b64(test.field) exists)",
      "b64(test.field) exists and b64(test.field) contains 'a'",
      "b64(test.field) exists or b64(test.field) contains 'a'",
      "not b64(test.field) exists or b64(test.field) contains 'a'",
      "b64(test.field) exists or not b64(test.field) contains 'a'",
      "b64(test.field) exists or (b64(test.field) contains 'a')",
      "not (b64(test.field) exists or b64(test.field) contains 'a')",
      "b64(toupper(test.field)) exists",
      "toupper(b64(test.field)) exists",
      "b64( test.field) exists",
      "b64(test.field ) exists",
      "b64(test.field)  exists",
      "b64(b64(test.field)) exists",
      "b64( b64(test.field)) exists",
      "b64(b64( test.field)) exists",
      "b64(b64(test.field )) exists",
      "b64(b64(test.field) ) exists",
      "b64(b64(test.field))  exists",
    ],
    reject: [
      "val(test.field) exists",
      "val(val(test.field)) exists",
      "val(b64(test.field)) exists",
      "b64(val(test.field)) exists",
      "b64(test.field [1]) exists",
      "some_fake_transformer(test.field) exists",
      "some_fake_transformer (test.field) exists",
      "some.fake.transformer(test.field) exists",
      "b64 (test.field) exists",
      "b64,(test.field) exists",
      "b64(testfield)) exists",
      "b64(test_field)) exists",
      "b64(b64)) exists",
      "b64\n(test.field) exists",
      "b64(test.field exists",
      "test.field) exists",
      "b64(b64(test.field exists",
      "b64(b64(test.field) exists",
      "b64(test.field)) exists",
      "(test.field) exists",
      "(test.field exists",
      "test.field) exists",
      "a(test.field) exists",
      "aaaa(test.field) exists",
      "a(b(test.field)) exists",
    ],
  },
  parse_transformers_right_hand: {
    accept: [
      "some.field = test.field",
      "some.field = val(test.field)",
      "some.field = tolower(test.field)",
      "some.field = toupper(test.field)",
      "some.field = b64(test.field)",
      "some.field = val(test.field)",
      "some.field = b64(test.field)",
      "some.field == val(test.field)",
      "some.field == b64(test.field)",
      "some.field != val(test.field)",
      "some.field != b64(test.field)",
      "some.field glob val(test.field)",
      "some.field glob b64(test.field)",
      "some.field iglob val(test.field)",
      "some.field iglob b64(test.field)",
      "some.field contains val(test.field)",
      "some.field contains b64(test.field)",
      "some.field icontains val(test.field)",
      "some.field icontains b64(test.field)",
      "some.field bcontains val(test.field)",
      "some.field bcontains b64(test.field)",
      "some.field startswith val(test.field)",
      "some.field startswith b64(test.field)",
      "some.field bstartswith val(test.field)",
      "some.field bstartswith b64(test.field)",
      "some.field endswith val(test.field)",
      "some.field endswith b64(test.field)",
      "some.field > val(test.field)",
      "some.field > b64(test.field)",
      "some.field < val(test.field)",
      "some.field < b64(test.field)",
      "some.field >= val(test.field)",
      "some.field >= b64(test.field)",
      "some.field <= val(test.field)",
      "some.field <= b64(test.field)",
      "some.field in val(test.field)",
      "some.field in b64(test.field)",
      "some.field intersects val(test.field)",
      "some.field intersects b64(test.field)",
      "some.field pmatch val(test.field)",
      "some.field pmatch b64(test.field)",
      "(some.field = b64(test.field))",
      "some.field = b64(test.field) and some.field contains b64(test.field)",
      "some.field = b64(test.field) or some.field contains b64(test.field)",
      "not some.field = b64(test.field) or some.field contains b64(test.field)",
      "some.field = b64(test.field) or not some.field contains b64(test.field)",
      "some.field = b64(test.field) or (some.field contains b64(test.field))",
      "not (some.field = b64(test.field) or some.field contains b64(test.field))",
      "some.field = b64(toupper(test.field))",
      "some.field = toupper(b64(test.field))",
      "some.field = b64( test.field)",
      "some.field = b64(test.field )",
      "some.field = b64(test.field)",
      "some.field = b64(b64(test.field))",
      "some.field = b64( b64(test.field))",
      "some.field = b64(b64( test.field))",
      "some.field = b64(b64(test.field ))",
      "some.field = b64(b64(test.field) )",
      "tolower(some.field) = b64(test.field)",
      "tolower(some.field) = b64(test.field) or tolower(other.field) = tolower(anoter.field)",
      "some.field = b64 and(some_macro)",
      "some.field = b64 or(some_macro)",
      "some.field = 'some_fake_transformer(some_macro)'",
      "some.field = \"some_fake_transformer(some_macro)\"",
    ],
    reject: [
      "some.field = b64and(some_macro)",
      "some.field = b64or(some_macro)",
      "some.field = val(test.field [1])",
      "some.field = some_fake_transformer(test.field)",
      "some.field = some_fake_transformer (test.field)",
      "some.field = some.fake.transformer(test.field)",
      "some.field = val(val(test.field))",
      "some.field = val(toupper(test.field))",
      "some.field = b64(val(test.field))",
      "some.field = b64 (test.field)",
      "some.field = b64,(test.field)",
      "some.field = (b64(test.field))",
      "some.field = (b64(test.field)",
      "some.field = (b64(test.field",
      "some.field = b64(test.field))",
      "some.field = b64(testfield))",
      "some.field = b64(test_field))",
      "some.field = b64(b64))",
      "some.field = ((b64(test.field)))",
      "some.field = b64\n(test.field)",
      "some.field = b64(test.field",
      "some.field = test.field)",
      "some.field = b64(b64(test.field",
      "some.field = b64(b64(test.field)",
      "some.field = b64(test.field))",
      "some.field = (test.field)",
      "some.field = (test.field",
      "some.field = test.field)",
      "some.field = a(test.field)",
      "some.field = aaaa(test.field)",
      "some.field = a(b(test.field))",
      "some.field in (b64(test.field))",
      "some.field in (a, b64(test.field))",
      "some.field in (a, b, b64(test.field))",
    ],
  },
  parse_transformer_list_basic: {
    accept: [
      "join(\"-\", (fd.name, fd.directory)) = /tmp/test",
      "join(\",\", (proc.name, proc.pid)) = \"myproc,123\"",
      "join(\":\", (evt.type, evt.dir)) contains connect",
      "join('-', (fd.name, fd.directory)) = /tmp/test",
      "join('-->', (fd.name, fd.directory)) = /tmp/test",
      "join(\"-\", (fd.name)) = /tmp/test",
      "join(\"-\", (fd.name, fd.directory, proc.name, proc.pid)) = test",
    ],
  },
  parse_transformer_list_nested_transformers: {
    accept: [
      "join(\"-\", (tolower(fd.name), fd.directory)) = /tmp/test",
      "join(\"-\", (toupper(fd.name), b64(fd.directory))) = /tmp/test",
      "join(\"-\", (tolower(toupper(fd.name)), fd.directory)) = /tmp/test",
      "join(\"-\", (tolower(fd.name), toupper(fd.directory))) = /tmp/test",
    ],
  },
  parse_transformer_list_with_values: {
    accept: [
      "join(\"-\", (\"aaa\", \"bbb\")) = aaa-bbb",
      "join(\"-\", ('aaa', 'bbb')) = aaa-bbb",
      "join(\"-\", (fd.name, \"literal\")) = /tmp-literal",
      "join(\"-\", (\"prefix\", fd.name, \"suffix\")) = prefix-/tmp-suffix",
      "join(\"-\", (proc.pid, 123)) contains 123",
    ],
  },
  parse_transformer_list_with_operators: {
    accept: [
      "join(\"-\", (fd.name, fd.directory)) exists",
      "join(\"-\", (fd.name, fd.directory)) = value",
      "join(\"-\", (fd.name, fd.directory)) == value",
      "join(\"-\", (fd.name, fd.directory)) != value",
      "join(\"-\", (fd.name, fd.directory)) contains value",
      "join(\"-\", (fd.name, fd.directory)) startswith value",
      "join(\"-\", (fd.name, fd.directory)) endswith value",
      "join(\"-\", (fd.name, fd.directory)) glob value*",
      "join(\"-\", (fd.name, fd.directory)) in (a, b, c)",
    ],
  },
  parse_transformer_list_in_expressions: {
    accept: [
      "join(\"-\", (fd.name, fd.directory)) = /tmp and proc.name = cat",
      "join(\"-\", (fd.name, fd.directory)) = /tmp or proc.name = cat",
      "not join(\"-\", (fd.name, fd.directory)) = /tmp",
      "(join(\"-\", (fd.name, fd.directory)) = /tmp)",
      "proc.name = cat and join(\"-\", (fd.name, fd.directory)) = /tmp",
      "join(\"-\", (fd.name, fd.directory)) = /tmp and join(\":\", (proc.name, proc.pid)) = cat:123",
    ],
  },
  parse_transformer_list_right_hand: {
    accept: [
      "evt.type = tolower(join(\"-\", (fd.name, fd.directory)))",
      "evt.type = b64(join(\"-\", (fd.name, fd.directory)))",
    ],
  },
  parse_transformer_list_with_outer_transformer: {
    accept: [
      "toupper(join(\"-\", (fd.name, fd.directory))) = VALUE",
      "tolower(join(\"-\", (fd.name, fd.directory))) = value",
      "b64(join(\"-\", (fd.name, fd.directory))) = value",
      "len(join(\"-\", (fd.name, fd.directory))) = 10",
      "basename(join(\"/\", (fd.name, fd.directory))) = value",
      "toupper(tolower(join(\"-\", (fd.name, fd.directory)))) = VALUE",
      "b64(toupper(join(\"-\", (fd.name, fd.directory)))) = VALUE",
      "len(toupper(join(\"-\", (fd.name, fd.directory)))) = 10",
      "toupper(join(\"-\", (fd.name, fd.directory))) contains VALUE",
      "toupper(join(\"-\", (fd.name, fd.directory))) startswith VALUE",
      "len(join(\"-\", (fd.name, fd.directory))) > 5",
      "len(join(\"-\", (fd.name, fd.directory))) >= 5",
      "toupper(join(\"-\", (fd.name, fd.directory))) = VALUE and proc.name = cat",
      "not toupper(join(\"-\", (fd.name, fd.directory))) = VALUE",
    ],
  },
  parse_transformer_list_with_spaces: {
    accept: [
      "join(\"-\", ( fd.name, fd.directory )) = /tmp",
      "join(\"-\", (fd.name , fd.directory)) = /tmp",
      "join(\"-\", ( fd.name , fd.directory )) = /tmp",
      "join( \"-\", (fd.name, fd.directory)) = /tmp",
      "join(\"-\" , (fd.name, fd.directory)) = /tmp",
    ],
  },
  parse_transformer_list_empty: {
    accept: [
      "join(\"-\", ()) = /tmp",
    ],
  },
  parse_transformer_list_invalid: {
    reject: [
      "join(\"-\", (fd.name, fd.directory) = /tmp",
      "join(\"-\", fd.name, fd.directory)) = /tmp",
      "join(\"-\", (,)) = /tmp",
      "join(\"-\", (,fd.name)) = /tmp",
      "join(\"-\", (fd.name,)) = /tmp",
      "join(\"-\", (fd.name,,fd.directory)) = /tmp",
      "join(\"-\", ((fd.name))) = /tmp",
      "join(\"-\", (macro)) = /tmp",
      "join(\"-\", (barestring)) = /tmp",
    ],
  },
  parse_str_op_modifier_accept: {
    accept: [
      "proc.name == oneof (cat, nginx)",
      "proc.name == anyof (cat, nginx)",
      "proc.name == allof (cat, nginx)",
      "proc.name = oneof (cat, nginx)",
      "proc.name = anyof (cat, nginx)",
      "proc.name = allof (cat, nginx)",
      "proc.name != oneof (cat, nginx)",
      "proc.name != anyof (cat, nginx)",
      "proc.name != allof (cat, nginx)",
      "proc.name == oneof (cat)",
      "proc.name == oneof ()",
      "proc.name == oneof (cat, nginx, apache, httpd)",
      "proc.name == oneof ('single-quoted')",
      "proc.name == oneof (\"double-quoted\")",
      "proc.name == oneof ('cat', \"nginx\", bare)",
      "proc.exepath == oneof (/usr/bin/bash, /bin/sh, /usr/sbin/sshd)",
      "fd.name == oneof (/var/log/auth.log, /etc/passwd)",
      "proc.name == oneof allowed_processes",
      "proc.name != allof my_list",
      "proc.name == oneof oneof",
      "proc.name == anyof anyof",
      "evt.arg[0] == oneof (connect, accept)",
      "proc.aname[2] != oneof (bash, sh)",
      "tolower(proc.name) == oneof (cat, nginx)",
      "toupper(fd.name) != anyof (/TMP/A, /TMP/B)",
      "b64(proc.cmdline) == allof (\"dGVzdA==\")",
      "proc.name == 'oneof'",
      "proc.name == \"anyof\"",
      "proc.name == oneof",
      "proc.name == anyof",
      "proc.name == allof",
      "proc.name == oneof_something",
      "proc.name == anyof_extra",
      "proc.name == oneof (cat, nginx) and fd.name exists",
      "proc.name == oneof (cat, nginx) or fd.name exists",
      "not proc.name == oneof (cat, nginx)",
      "(proc.name == oneof (cat, nginx))",
      "proc.name == oneof (cat) and proc.name == anyof (nginx, apache)",
      "proc.name == oneof (cat) or proc.name != allof (nginx)",
      "proc.name == anyof and fd.name exists",
      "proc.name == oneof or fd.name exists",
      "proc.name == allof and fd.name exists",
      "proc.name == anyof and proc.name == allof",
      "proc.name == oneof and proc.name == anyof (cat)",
      "(proc.name == oneof)",
      "(proc.name == anyof) and fd.name exists",
      "(proc.name == allof) or (proc.name == oneof)",
      "proc.name contains oneof (cat, nginx)",
      "proc.name contains anyof (cat, nginx)",
      "proc.name contains allof (cat)",
      "proc.name startswith oneof (/proc/, /sys/)",
      "proc.name startswith anyof (/proc/, /sys/)",
      "proc.name endswith allof (.so, .so.1)",
      "proc.name glob oneof (cat*, *dog)",
      "proc.name glob anyof (cat*, *nginx*)",
      "proc.name iglob allof (cat*)",
      "proc.name icontains anyof (cat, nginx)",
      "proc.name != oneof (a) and proc.name contains anyof (x, y)",
    ],
  },
  parse_str_op_modifier_reject: {
    reject: [
      "proc.name == oneof (cat,)",
      "proc.name == oneof (cat,,nginx)",
      "proc.name == oneof (,cat)",
      "proc.name == oneof (cat, nginx",
      "proc.name ==oneof (cat, nginx)",
      "proc.name !=anyof (cat, nginx)",
      "proc.name =allof (cat, nginx)",
      "proc.name ==oneof(cat, nginx)",
      "proc.name == oneof(cat, nginx)",
      "proc.name == anyof(cat, nginx)",
      "proc.name == allof(cat)",
      "proc.name == ONEOF (cat)",
      "proc.name == Anyof (cat)",
      "proc.name == ALLOF (cat)",
      "proc.num > oneof (1, 2)",
      "proc.num <= anyof (1, 2)",
      "proc.name contains oneof(cat, nginx)",
      "proc.name startswith anyof(cat)",
      "proc.name endswith allof(.so)",
      "proc.name contains ONEOF (cat)",
      "proc.name startswith Anyof (cat)",
      "proc.name endswith ALLOF (.so)",
      "proc.name == oneof_something (cat)",
      "proc.name startswith oneof_something (cat)",
      "proc.name contains anyof_extra (cat, nginx)",
      "proc.name in oneof (cat)",
      "proc.name intersects anyof (cat)",
      "proc.name pmatch allof (cat)",
    ],
  },
};

for (const [name, cases] of Object.entries(LIBSINSP_CASES)) {
  test(`libsinsp ${name}`, () => {
    for (const input of cases.accept ?? []) accept(input);
    for (const input of cases.acceptExact ?? []) parseOrFail(input);
    for (const input of cases.reject ?? []) reject(input);
  });
}

// --- libsinsp single tests ----------------------------------------------------------------------

test('libsinsp recursion_depth_limit', () => {
  rejectWith('('.repeat(100000), 'exceeded max depth limit of 100', undefined, 100);
  rejectWith('('.repeat(100000), 'exceeded max depth limit of 1000');
  accept('((((((((((a))))))))))');
});

test('libsinsp supported_operators and supported_field_transformers', () => {
  const all = [
    '=', '==', '!=', '<=', '>=', '<', '>', 'exists', 'contains', 'icontains', 'bcontains', 'glob', 'iglob',
    'bstartswith', 'startswith', 'endswith', 'in', 'intersects', 'pmatch', 'regex',
  ];
  assert.deepEqual([...supportedOperators()].sort(), [...all].sort());
  assert.deepEqual(supportedOperators(true), ['intersects', 'in', 'pmatch']);
  const transformers = ['tolower', 'toupper', 'b64', 'basename', 'len', 'join', 'concat', 'getopt'];
  assert.deepEqual(supportedFieldTransformers(), transformers);
  assert.deepEqual(supportedFieldTransformers(true), ['val', ...transformers]);
});

test('libsinsp filtercheck_arg_optional and transformer_arg_optional', () => {
  const noArg = parseOrFail('test.str = value');
  const emptyArg = parseOrFail('test.str[""] = value');
  assert.ok(noArg.kind === 'binary' && emptyArg.kind === 'binary');
  assert.ok(noArg.left.kind === 'field' && !('arg' in noArg.left));
  assert.ok(emptyArg.left.kind === 'field' && emptyArg.left.arg === '');

  const tNoArg = parseOrFail('getopt(proc.args, "nt:") = value');
  const tEmptyArg = parseOrFail('getopt(proc.args, "nt:")[""] = value');
  assert.ok(tNoArg.kind === 'binary' && tNoArg.left.kind === 'transformer' && !('arg' in tNoArg.left));
  assert.ok(tEmptyArg.kind === 'binary' && tEmptyArg.left.kind === 'transformer' && tEmptyArg.left.arg === '');
});

test('libsinsp parse_shared_field_arg_exceptions', () => {
  rejectWith('evt.arg[] = value', 'expected a valid field argument: a quoted string or a bare string', { idx: 8 });
  rejectWith('evt.arg["x" = value', "expected a ']' token", { idx: 11 });
  rejectWith('getopt(proc.args, "nt:")[] = value', 'expected a valid field argument: a quoted string or a bare string', { idx: 25 });
  rejectWith('getopt(proc.args, "nt:")["t" = value', "expected a ']' token", { idx: 28 });
});

test('libsinsp parse_position_info: where the parser ends', () => {
  // The end position is observable through the error for one more, unexpected ')'.
  const cases: Array<[string, Pos]> = [
    ['a and b', { idx: 7, line: 1, col: 8 }],
    ['a and b    ', { idx: 11, line: 1, col: 12 }],
    ['not b', { idx: 5, line: 1, col: 6 }],
    ['not b    ', { idx: 9, line: 1, col: 10 }],
    ['a    ', { idx: 5, line: 1, col: 6 }],
    ['a \n and \n  b', { idx: 12, line: 3, col: 4 }],
    ['a \n and \n not \n b', { idx: 17, line: 4, col: 3 }],
  ];
  for (const [input, pos] of cases) {
    parseOrFail(input);
    const last = input.trimEnd().split(/\s+/).pop()!;
    rejectWith(`${input})`, `unexpected token after '${last}', expecting 'or', 'and'`, pos);
  }
});

test('libsinsp expr_all_node_types / expr_parenthesis', () => {
  assertAst(
    'evt.name exists and evt.type in (a, b) or proc.name=cat',
    Or(And(U(F('evt.name')), B(F('evt.type'), 'in', L('a', 'b'))), B(F('proc.name'), '=', V('cat'))),
  );
});

test('libsinsp expr_transformers', () => {
  assertAst(
    'b64(evt.name) exists and tolower(toupper(evt.type)) in val(some.field) or proc.name=b64(tolower(some.field))',
    Or(
      And(U(T('b64', F('evt.name'))), B(T('tolower', T('toupper', F('evt.type'))), 'in', T('val', F('some.field')))),
      B(F('proc.name'), '=', T('b64', T('tolower', F('some.field')))),
    ),
  );
});

test('libsinsp expr_multi_negation', () => {
  assertAst('not not not not not(not not(not not_macro))', Not(Not(Id('not_macro'))));
});

test('libsinsp parse_str_op_modifier_ast', () => {
  assertAst('proc.name == oneof (cat, nginx)', B(F('proc.name'), '==', L('cat', 'nginx'), 'oneof'));
  assertAst('proc.name != anyof (cat, nginx)', B(F('proc.name'), '!=', L('cat', 'nginx'), 'anyof'));
  assertAst('proc.name = allof (cat)', B(F('proc.name'), '=', L('cat'), 'allof'));
  assertAst('proc.name == oneof ()', B(F('proc.name'), '==', L(), 'oneof'));
  assertAst('proc.name == oneof my_list', B(F('proc.name'), '==', V('my_list'), 'oneof'));
  assertAst(
    'proc.name == oneof (cat, nginx) and fd.name exists',
    And(B(F('proc.name'), '==', L('cat', 'nginx'), 'oneof'), U(F('fd.name'))),
  );
  assertAst('proc.name == anyof and fd.name exists', And(B(F('proc.name'), '==', V('anyof')), U(F('fd.name'))));
  assertAst(
    'proc.name == oneof (cat) and proc.name == anyof',
    And(B(F('proc.name'), '==', L('cat'), 'oneof'), B(F('proc.name'), '==', V('anyof'))),
  );
  assertAst('proc.name contains oneof (cat, nginx)', B(F('proc.name'), 'contains', L('cat', 'nginx'), 'oneof'));
  assertAst('proc.name startswith anyof (/etc/, /tmp/)', B(F('proc.name'), 'startswith', L('/etc/', '/tmp/'), 'anyof'));
});

test('libsinsp position_* (pos_visitor)', () => {
  const cases: Array<[string, string]> = [
    ['proc.name exists', 'unary0 1 1field0 1 1'],
    ['proc.name=nginx', 'binary0 1 1field0 1 1value10 1 11'],
    ['proc.aname[3]=nginx', 'binary0 1 1field0 1 1value14 1 15'],
    ['proc.name =nginx', 'binary0 1 1field0 1 1value11 1 12'],
    ['proc.name= nginx', 'binary0 1 1field0 1 1value11 1 12'],
    ['proc.name = nginx', 'binary0 1 1field0 1 1value12 1 13'],
    ['proc.name in (nginx, apache)', 'binary0 1 1field0 1 1list13 1 14'],
    ['proc.name in ( nginx, apache)', 'binary0 1 1field0 1 1list13 1 14'],
    ['not proc.name=nginx', 'not0 1 1binary4 1 5field4 1 5value14 1 15'],
    ['proc.name=nginx or proc.name=apache', 'or0 1 1binary0 1 1field0 1 1value10 1 11binary19 1 20field19 1 20value29 1 30'],
    ['(proc.name=nginx or proc.name=apache)', 'or1 1 2binary1 1 2field1 1 2value11 1 12binary20 1 21field20 1 21value30 1 31'],
    ['proc.name=nginx and proc.name=apache', 'and0 1 1binary0 1 1field0 1 1value10 1 11binary20 1 21field20 1 21value30 1 31'],
    ['(proc.name=nginx and proc.name=apache)', 'and1 1 2binary1 1 2field1 1 2value11 1 12binary21 1 22field21 1 22value31 1 32'],
    [
      '(proc.aname[2]=nginx and evt.type in (connect,accept)) or (not fd.name exists) or (proc.name=apache and evt.type=switch)',
      'or0 1 1and1 1 2binary1 1 2field1 1 2value15 1 16binary25 1 26field25 1 26list37 1 38not59 1 60unary63 1 64field63 1 64' +
        'and83 1 84binary83 1 84field83 1 84value93 1 94binary104 1 105field104 1 105value113 1 114',
    ],
    [
      '\n(proc.aname[2]=nginx\n     and evt.type in (connect,accept))\n   or (not fd.name exists)\n   or (proc.name=apache\n       and evt.type=switch)',
      'or0 1 1and2 2 2binary2 2 2field2 2 2value16 2 16binary31 3 10field31 3 10list43 3 22not68 4 8unary72 4 12field72 4 12' +
        'and95 5 8binary95 5 8field95 5 8value105 5 18binary123 6 12field123 6 12value132 6 21',
    ],
    [
      'b64(evt.name) exists and tolower(toupper(evt.type)) in val(some.field) or proc.name=b64(tolower(some.field))',
      'or0 1 1and0 1 1unary0 1 1transformer0 1 1field4 1 5binary25 1 26transformer25 1 26transformer33 1 34field41 1 42' +
        'transformer55 1 56field59 1 60binary74 1 75field74 1 75transformer84 1 85transformer88 1 89field96 1 97',
    ],
  ];
  for (const [input, expected] of cases) assert.equal(positions(parseOrFail(input)), expected, input);

  const list = positions(parseOrFail('join("-", (fd.name, fd.directory)) = value'));
  assert.ok(list.includes('transformer0 1 1') && list.includes('transformer_list'), list);
  assert.ok(positions(parseOrFail('proc.name == oneof (cat)')).includes('list19 1 20'));
});

// --- error messages and positions (parser.cpp) ------------------------------------------------

const TRANSFORMERS = "'val', 'tolower', 'toupper', 'b64', 'basename', 'len', 'join', 'concat', 'getopt'";
const OPERATORS =
  "'exists', '<=', '<', '>=', '>', '==', '=', '!=', 'glob', 'iglob', 'contains', 'icontains', 'bcontains', " +
  "'startswith', 'bstartswith', 'endswith', 'regex', 'intersects', 'in', 'pmatch'";

test('every libsinsp parser error message, with the position libsinsp reports', () => {
  const cases: Array<[string, string, Partial<Pos>]> = [
    ['', 'filter input string is empty', { idx: 0, line: 1, col: 1 }],
    ['evt.type=execve foo', "unexpected token after 'execve', expecting 'or', 'and'", { idx: 16, col: 17 }],
    ['a.b = "x y" z', "unexpected token after 'x y', expecting 'or', 'and'", { idx: 12 }],
    ['a.b exists)', "unexpected token after 'exists', expecting 'or', 'and'", { idx: 10 }],
    ['a andb', "expected blank or '(' after 'and'", { idx: 5 }],
    ['a and', "expected blank or '(' after 'and'", { idx: 5 }],
    ['a orb', "expected blank or '(' after 'or'", { idx: 4 }],
    ['(a', "expected a ')' token", { idx: 2 }],
    ['(a) and (b', "expected a ')' token", { idx: 10 }],
    ['not ', "expected a '(' token, a field check, or an identifier", { idx: 4 }],
    ['a and  )', "expected a '(' token, a field check, or an identifier", { idx: 7 }],
    ['a.b', `expected a valid check operator: one of ${OPERATORS}`, { idx: 3 }],
    ['a.b ExIsTs', `expected a valid check operator: one of ${OPERATORS}`, { idx: 4 }],
    ['a.b containsx', `expected a valid check operator: one of ${OPERATORS}`, { idx: 4 }],
    ['a.b in', `expected a list, an identifier, or a field with a valid transformer: ${TRANSFORMERS}`, { idx: 6 }],
    ['a.b > x', `expected a number value or a field with a valid transformer: ${TRANSFORMERS}`, { idx: 6 }],
    ['a.b = ', `expected a string value or a field with a valid transformer: ${TRANSFORMERS}`, { idx: 6 }],
    ['a.b = "x', `expected a string value or a field with a valid transformer: ${TRANSFORMERS}`, { idx: 6 }],
    ['a.b in (x,)', 'expected a string value', { idx: 10 }],
    ['a.b in (x y)', "expected a ')' token", { idx: 10 }],
    ['a.b in (', "expected a ')' token", { idx: 8 }],
    ['a.b[] = 1', 'expected a valid field argument: a quoted string or a bare string', { idx: 4 }],
    ['a.b[ x] = 1', 'expected a valid field argument: a quoted string or a bare string', { idx: 4 }],
    ['a.b[x = 1', "expected a ']' token", { idx: 5 }],
    ['tolower(a.b = 1', "expected a ')' token closing the transformer", { idx: 12 }],
    ['tolower(x) = 1', 'expected field transformer argument: field, transformer, quoted string, number, or transformer list', { idx: 8 }],
    ['a.b = val(x)', "expected a field within 'val' transformer", { idx: 10 }],
    ['a.b = val(c.d', "expected a ')' token closing the transformer", { idx: 13 }],
    ['join(",", (a.b, x)) = 1', 'expected transformer list argument: field, transformer, quoted string, or number', { idx: 16 }],
    ['join(",", (a.b x)) = 1', "expected ')'", { idx: 15 }],
    // escape errors are reported after the closing quote
    ['a.b = "\\q"', 'unsupported string escape sequence: \\q', { idx: 10 }],
    ["a.b = 'x\\\"'", 'invalid \\" escape in \'-quoted string', { idx: 11 }],
    ['a.b = "x\\\'"', 'invalid \\\' escape in "-quoted string', { idx: 11 }],
    ['a.b = "\\x4"', 'truncated hex char escape sequence', { idx: 11 }],
    ['a.b = "\\xzz"', 'invalid hex char escape sequence: zz', { idx: 12 }],
    ['a.b[\'\\q\'] = 1', 'unsupported string escape sequence: \\q', { idx: 8 }],
    ['a.b = "x"\n  or\n c.d = "\\z"', 'unsupported string escape sequence: \\z', { idx: 26, line: 3, col: 12 }],
    ['a.b = x or\r\nc.d', `expected a valid check operator: one of ${OPERATORS}`, { idx: 15, line: 3, col: 4 }],
    // modifiers: no blank before the list → the keyword is a plain value and the list is left over
    ['a.b=oneof (a)', "unexpected token after 'oneof', expecting 'or', 'and'", { idx: 10 }],
    ['a.b == oneof(a)', "unexpected token after 'oneof', expecting 'or', 'and'", { idx: 12 }],
    ['a.b == oneof 1', "unexpected token after 'oneof', expecting 'or', 'and'", { idx: 13 }],
    ['a.b = oneof not_a_list', "unexpected token after 'oneof', expecting 'or', 'and'", { idx: 12 }],
    ['a.b = oneof and_x', "expected blank or '(' after 'and'", { idx: 15 }],
    ['a.b in oneof (x)', "unexpected token after 'oneof', expecting 'or', 'and'", { idx: 13 }],
  ];
  for (const [input, message, pos] of cases) rejectWith(input, message, pos);
});

test('max depth: guard counts every parse level and reports where it stopped', () => {
  rejectWith('(((a)))', 'exceeded max depth limit of 5', { idx: 1 }, 5);
  // or, and, not, check, then five more levels per parenthesis: 'a' is read at depth 19
  rejectWith('(((a)))', 'exceeded max depth limit of 19', { idx: 3 }, 19);
  assert.equal(astToString(parseCondition('(((a)))', { maxDepth: 20 })), 'a');
  // Falco's limit of 1000 admits about 200 nested parentheses
  parseOrFail(`${'('.repeat(199)}a${')'.repeat(199)}`);
  rejectWith(`${'('.repeat(200)}a${')'.repeat(200)}`, 'exceeded max depth limit of 1000', { idx: 200 });
});

test('max depth quirk: a depth error on a first list item is swallowed, as in libsinsp', () => {
  // parse_str_value runs at depth 7 here; libsinsp's list parser takes the failure for "empty
  // list" and the leaked guard count then surfaces at the end.
  rejectWith('a.b in ()', 'parser fatal error: recursion is unbalanced', undefined, 7);
  rejectWith('a.b in (x)', "expected a ')' token", { idx: 8 }, 7);
  parseCondition('a.b in ()', { maxDepth: 8 });
});

// --- tree shape ---------------------------------------------------------------------------------

test('and/or are n-ary; parentheses make no node and are not flattened', () => {
  const [a, b, c, d] = ['a', 'b', 'c', 'd'].map(Id) as [Expr, Expr, Expr, Expr];
  assertAst('a and b and c', And(a, b, c));
  assertAst('a or b or c', Or(a, b, c));
  assertAst('a and b or c and d', Or(And(a, b), And(c, d)));
  assertAst('a and (b and c)', And(a, And(b, c)));
  assertAst('(a and b) and c', And(And(a, b), c));
  assertAst('a and(b)and(c)', And(a, b, c));
  assertAst('((a))', a);
  assertAst('a or b and c or d', Or(a, And(b, c), d));
});

test('not: binds tighter than and; odd counts make one node, even counts none', () => {
  const [a, b] = ['a', 'b'].map(Id) as [Expr, Expr];
  assertAst('not a and b', And(Not(a), b));
  assertAst('not (a and b)', Not(And(a, b)));
  assertAst('not a', Not(a));
  assertAst('not not a', a);
  assertAst('not not not a', Not(a));
  assertAst('not(a)', Not(a));
  assertAst('not not(a)', a);
  assertAst('not(not(a))', Not(Not(a)));
  assertAst('not\ta', Not(a));
  // a keyword is only a keyword when followed by a blank or '('
  assertAst('nota', Id('nota'));
  assertAst('not', Id('not'));
  assertAst('a and not_b', And(a, Id('not_b')));
  assertAst('a.b = not', B(F('a.b'), '=', V('not')));
});

test('values: bare, quoted (unescaped, flagged), numbers, field arguments', () => {
  assertAst('fd.name=/etc/passwd', B(F('fd.name'), '=', V('/etc/passwd')));
  assertAst('proc.pname in (runc:[0:PARENT], runc)', B(F('proc.pname'), 'in', L('runc:[0:PARENT]', 'runc')));
  assertAst('evt.rawres >= 0', B(F('evt.rawres'), '>=', V('0')));
  assertAst('a.b < 0x1F', B(F('a.b'), '<', V('0x1F')));
  assertAst('a.b > -1.5e+3', B(F('a.b'), '>', V('-1.5e+3')));
  assertAst('container.mount.dest[/proc*] in ("<NA>","N/A")', B(F('container.mount.dest', '/proc*'), 'in', L('<NA>', 'N/A')));
  assertAst("proc.env['HOME DIR'] exists", U(F('proc.env', 'HOME DIR')));
  assertAst('proc.args contains "\\ "', B(F('proc.args'), 'contains', V('\\')));
  assertAst('a.b = "say \\"hi\\""', B(F('a.b'), '=', V('say "hi"')));
  assertAst("a.b = 'x\\ty'", B(F('a.b'), '=', V('x\ty')));

  const quoted = parseOrFail('proc.name = "a b"');
  assert.ok(quoted.kind === 'binary' && quoted.right.kind === 'value');
  assert.equal(quoted.right.value, 'a b');
  assert.equal(quoted.right.quoted, true);
  const bare = parseOrFail('proc.name = ab');
  assert.ok(bare.kind === 'binary' && bare.right.kind === 'value' && !('quoted' in bare.right));
  const list = parseOrFail(`a.b in ('x', y)`);
  assert.ok(list.kind === 'binary' && list.right.kind === 'list');
  assert.deepEqual(list.right.values.map((v) => [v.value, v.quoted, v.pos.idx]), [['x', true, 8], ['y', undefined, 13]]);
});

test('list operators: list, bare identifier, transformer; no blank needed after the operator', () => {
  assertAst('a.b in x', B(F('a.b'), 'in', V('x')));
  assertAst('a.b in(x)', B(F('a.b'), 'in', L('x')));
  assertAst('a.b inx', B(F('a.b'), 'in', V('x')));
  assertAst('k8s.ns.name in ()', B(F('k8s.ns.name'), 'in', L()));
  assertAst('a.b intersects (x)', B(F('a.b'), 'intersects', L('x')));
  assertAst('a.b pmatch val(c.d)', B(F('a.b'), 'pmatch', T('val', F('c.d'))));
  // libsinsp quirk: a bad escape in the first list item reads as an empty list
  assertAst('a.b in ("\\q")', B(F('a.b'), 'in', L()));
  rejectWith('a.b in ("\\q" , b)', "expected a ')' token", { idx: 12 });
  rejectWith('a.b in (a, "\\q")', 'unsupported string escape sequence: \\q', { idx: 15 });
});

test('transformers: arguments, lists, field argument after the call', () => {
  const expr = parseOrFail('getopt(proc.args, "nt:")[t] = value');
  assert.ok(expr.kind === 'binary' && expr.left.kind === 'transformer');
  assert.equal(expr.left.name, 'getopt');
  assert.equal(expr.left.arg, 't');
  assert.deepEqual(shape(expr.left.args), shape([F('proc.args'), V('nt:')]));

  const join = parseOrFail('join("-", (fd.name, tolower(fd.directory), "x", 12)) exists');
  assert.ok(join.kind === 'unary' && join.left.kind === 'transformer');
  const list = join.left.args[1]!;
  assert.equal(list.kind, 'transformerList');
  assert.ok(list.kind === 'transformerList');
  assert.deepEqual(list.items.map((i) => i.kind), ['field', 'transformer', 'value', 'value']);
  // libsinsp gives every item of a transformer list the list's own position, and that is
  // taken right after the ',' (before the blank), not at the '('
  assert.equal(list.pos.idx, 9);
  assert.deepEqual(new Set(list.items.map((i) => i.pos.idx)), new Set([9]));
  assertAst('a.b = val(c.d[1])', B(F('a.b'), '=', T('val', F('c.d', '1'))));
});

// --- output-format tokens -------------------------------------------------------------------------

test('parseFieldOrTransformer: token ends where the field or transformer ends', () => {
  const token = (format: string, start = format.indexOf('%') + 1) => {
    const r = parseFieldOrTransformer(format, start);
    return r && { text: astToString(r.expr), end: r.end, rest: format.slice(r.end) };
  };
  assert.deepEqual(token('%proc.name'), { text: 'proc.name', end: 10, rest: '' });
  assert.deepEqual(token('(command=%proc.cmdline)'), { text: 'proc.cmdline', end: 22, rest: ')' });
  assert.deepEqual(token('%fd.name)'), { text: 'fd.name', end: 8, rest: ')' });
  assert.deepEqual(token('%proc.name.'), { text: 'proc.name', end: 10, rest: '.' });
  assert.deepEqual(token('%proc.aname[2] x'), { text: 'proc.aname[2]', end: 14, rest: ' x' });
  assert.deepEqual(token('%evt.arg.flags'), { text: 'evt.arg.flags', end: 14, rest: '' });
  assert.deepEqual(token('%evt.arg[0],'), { text: 'evt.arg[0]', end: 11, rest: ',' });
  assert.deepEqual(token('%tolower(proc.name) x'), { text: 'tolower(proc.name)', end: 19, rest: ' x' });
  assert.deepEqual(token('%toupper( tolower( proc.name ) ) end'), { text: 'toupper(tolower(proc.name))', end: 32, rest: ' end' });
  assert.deepEqual(token('%concat(proc.name, "-", proc.pname)'), { text: 'concat(proc.name,-,proc.pname)', end: 35, rest: '' });
  assert.deepEqual(token('%join("->", (proc.name, evt.arg.path)) end'), { text: 'join(->,(proc.name,evt.arg.path))', end: 38, rest: ' end' });
  // a candidate that fails to parse is shortened until one parses
  assert.deepEqual(token('%proc.name[ x'), { text: 'proc.name', end: 10, rest: '[ x' });
  // what libsinsp's formatter rejects
  for (const bad of ['% x', '%val(proc.aname) end', '%(proc.aname)', '%toupper(proc.aname', '%toupper(tolower)',
    '%toupper(tolower(proc.aname)', '%toupper(val(proc.aname))', '%toupper (proc.name) end', '%touper(', '%', '%some_transformer(proc.aname)']) {
    assert.equal(token(bad), undefined, bad);
  }
});

test('parseFieldOrTransformer: accept() stands in for libsinsp compiling each candidate', () => {
  const known = new Set(['proc.name', 'thread.tid']);
  const accept = (e: FieldLike) => e.kind === 'field' && known.has(e.name);
  const format = 'start%proc.nameand%thread.tidend';
  const first = parseFieldOrTransformer(format, 6, { accept });
  assert.equal(first && format.slice(6, first.end), 'proc.name');
  const second = parseFieldOrTransformer(format, format.indexOf('%', 7) + 1, { accept });
  assert.equal(second && format.slice(second.end), 'end');
  assert.equal(parseFieldOrTransformer('%some.field', 1, { accept }), undefined);
});

test('parseFieldOrTransformer: positions are absolute in the format string', () => {
  const r = parseFieldOrTransformer('a\nbc %tolower(proc.name)', 6);
  assert.ok(r && r.expr.kind === 'transformer');
  assert.deepEqual(r.expr.pos, { idx: 6, line: 2, col: 5 });
  assert.deepEqual(r.expr.args[0]!.pos, { idx: 14, line: 2, col: 13 });
});
