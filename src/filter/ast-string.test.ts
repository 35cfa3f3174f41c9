// The canonical string form: libsinsp's as_string cases (filter_parser.ut.cpp) and the compiled
// conditions Falco's rule-loader unit tests expect (test_rule_loader.cpp).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Expr } from './ast.js';
import { astToString } from './ast-string.js';
import { mapExpr } from './ast-walk.js';
import { parseCondition } from './condition-parser.js';

const str = (condition: string): string => astToString(parseCondition(condition));

/** Substitutes macro references the way Falco's macro resolver does (no nested macros here). */
function expandMacros(condition: string, macros: Record<string, string>): Expr {
  return mapExpr(parseCondition(condition), (e) =>
    e.kind === 'identifier' && e.name in macros ? parseCondition(macros[e.name]!) : undefined);
}

test('libsinsp parse_transformer_with_arg / parse_shared_field_arg_syntax / _types', () => {
  assert.equal(str('getopt(proc.args, "nt:")[t] = value'), 'getopt(proc.args,nt:)[t] = value');
  assert.equal(str('getopt(proc.args, "nt:")["t"] = value'), 'getopt(proc.args,nt:)[t] = value');
  assert.equal(str('evt.arg[0] = value'), 'evt.arg[0] = value');
  assert.equal(str('evt.arg[key] = value'), 'evt.arg[key] = value');
  assert.equal(str('evt.arg["key with space"] = value'), 'evt.arg["key with space"] = value');
});

test('libsinsp parse_str_op_modifier_as_string: modifiers print and round-trip', () => {
  const s1 = str('proc.name == oneof (cat, nginx)');
  assert.equal(s1, 'proc.name == oneof (cat, nginx)');
  assert.equal(str(s1), s1);
  for (const input of [
    'proc.name != anyof (cat, nginx, apache)',
    'proc.name contains oneof (cat, nginx)',
    'proc.name startswith anyof (/etc/, /tmp/)',
    'proc.name glob allof (cat*, *nginx*)',
  ]) {
    assert.equal(str(input), input);
  }
  assert.equal(str('proc.name == oneof my_list'), 'proc.name == oneof my_list');
});

test('Falco list_append: evt.type=open and a list of shells', () => {
  assert.equal(
    str('evt.type=open and proc.name in (ash, bash, csh, ksh, sh, tcsh, zsh, dash, pwsh)'),
    '(evt.type = open and proc.name in (ash, bash, csh, ksh, sh, tcsh, zsh, dash, pwsh))',
  );
  assert.equal(str('evt.type in (open, openat)'), 'evt.type in (open, openat)');
  assert.equal(str('evt.type in (open, openat) or evt.type = openat2'), '(evt.type in (open, openat) or evt.type = openat2)');
});

test('Falco condition_append: macro text appended with a space, then expanded', () => {
  const interactive = '((proc.aname=sshd and proc.name != sshd) or\nproc.name=systemd-logind or proc.name=login)\n' +
    ' ' + 'or proc.name = ssh';
  const expr = expandMacros('evt.type=open and interactive', { interactive });
  assert.equal(
    astToString(expr),
    '(evt.type = open and (((proc.aname = sshd and proc.name != sshd) or proc.name = systemd-logind or proc.name = login) or proc.name = ssh))',
  );
});

test('Falco exceptions_* compiled conditions', () => {
  assert.equal(
    str('(proc.cmdline contains curl or proc.cmdline contains wget) and not proc.cmdline contains "curl 127.0.0.1"'),
    '((proc.cmdline contains curl or proc.cmdline contains wget) and not proc.cmdline contains "curl 127.0.0.1")',
  );
  assert.equal(str('(evt.type = open) and not (( proc.name = proc.pname))'), '(evt.type = open and not proc.name = proc.pname)');
  assert.equal(str('(evt.type = open) and not (( proc.name = "proc.pname "))'), '(evt.type = open and not proc.name = "proc.pname ")');
  assert.equal(str('(evt.type = open) and not (( proc.name = toupper(proc.pname)))'), '(evt.type = open and not proc.name = toupper(proc.pname))');
  assert.equal(
    str('(evt.type = open) and not (( proc.name = "toupper( proc.pname)"))'),
    '(evt.type = open and not proc.name = "toupper( proc.pname)")',
  );
  assert.equal(str('(evt.type=execve and proc.name in (blkid))'), '(evt.type = execve and proc.name in (blkid))');
});

test('node forms: not, exists, identifiers, transformers and their lists', () => {
  assert.equal(str('not proc.name = x'), 'not proc.name = x');
  assert.equal(str('not (a and b)'), 'not (a and b)');
  assert.equal(str('proc.name exists'), 'proc.name exists');
  assert.equal(str('tolower(proc.name) = x'), 'tolower(proc.name) = x');
  assert.equal(str('some_macro'), 'some_macro');
  assert.equal(str('a.b = val(c.d)'), 'a.b = val(c.d)');
  assert.equal(str('concat( proc.name , "-" , 12 ) = x'), 'concat(proc.name,-,12) = x');
  assert.equal(str('join(", ", ( fd.name , tolower(fd.directory) )) = x'), 'join(", ",(fd.name,tolower(fd.directory))) = x');
  assert.equal(str('join("-", ()) = x'), 'join(-,()) = x');
  assert.equal(str('proc.aname[2] = x'), 'proc.aname[2] = x');
  assert.equal(str('proc.env[""] exists'), 'proc.env[""] exists');
  assert.equal(str("container.mount.dest[/proc*] in ('<NA>', \"N/A\")"), 'container.mount.dest[/proc*] in (<NA>, N/A)');
});

test('values print through escape_str: quoted only when needed', () => {
  assert.equal(str('a.b = "plain"'), 'a.b = plain');
  assert.equal(str("a.b in ('x y', \"it's\", 'a=b', 'tab\\there', \"q\\\"uote\", 'back\\\\slash')"),
    'a.b in ("x y", "it\'s", "a=b", "tab\\there", "q\\"uote", "back\\\\slash")');
  assert.equal(str('a.b = ""'), 'a.b = ');
  assert.equal(str('proc.args contains "\\ "'), 'proc.args contains "\\\\"');
  assert.equal(str('a.b = "x,y(z)"'), 'a.b = x,y(z)');
});

test('the string form re-parses to the same string', () => {
  for (const input of [
    'evt.type in (open, openat) and not (fd.name startswith /proc or proc.name = "a b")',
    'a and not not_b or (c.d[x] exists and tolower(e.f) != val(g.h))',
    "a.b in ('x y', \"it's\", 'tab\\t')",
  ]) {
    const once = str(input);
    assert.equal(str(once), once);
  }
});
