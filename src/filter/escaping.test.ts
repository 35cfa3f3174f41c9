// Cases ported from libsinsp test/filter_escaping.ut.cpp, plus every escape and error message
// of escaping.cpp.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { escapeValue, StringEscapeError, unescapeQuoted } from './escaping.js';

/** libsinsp's bidirectional(): unescape(escape(v)) == v, for values that escape_str quotes. */
function roundTrip(v: string): string {
  const escaped = escapeValue(v);
  assert.ok(escaped.startsWith('"') && escaped.endsWith('"'), `expected ${escaped} to be quoted`);
  return unescapeQuoted(escaped.slice(1, -1), '"');
}

function throwsEscape(raw: string, quote: '"' | "'", message: string): void {
  assert.throws(() => unescapeQuoted(raw, quote), (e: unknown) => {
    assert.ok(e instanceof StringEscapeError);
    assert.equal(e.message, message);
    return true;
  });
}

test('escapeValue: spaces force quoting (libsinsp spaces)', () => {
  assert.equal(escapeValue('some string'), '"some string"');
  assert.equal(roundTrip('some string'), 'some string');
});

test('escapeValue: backslashes are doubled (libsinsp ws_chars)', () => {
  const v = 'some\\b\\f\\n\\r\\tstring';
  assert.equal(escapeValue(v), '"some\\\\b\\\\f\\\\n\\\\r\\\\tstring"');
  assert.equal(roundTrip(v), v);
});

test('escapeValue: double quotes are escaped (libsinsp double_quotes)', () => {
  const v = 'some "quoted string"';
  assert.equal(escapeValue(v), '"some \\"quoted string\\""');
  assert.equal(roundTrip(v), v);
});

test('escapeValue: single quotes force quoting but are kept (libsinsp single_quotes)', () => {
  const v = "some 'quoted string'";
  assert.equal(escapeValue(v), '"some \'quoted string\'"');
  assert.equal(roundTrip(v), v);
});

test('escapeValue: control characters, =, NUL', () => {
  assert.equal(escapeValue('a\bb\fc\nd\re\tf'), '"a\\bb\\fc\\nd\\re\\tf"');
  assert.equal(escapeValue('a=b'), '"a=b"');
  assert.equal(escapeValue("it's"), '"it\'s"');
  // libsinsp escape_str_quotes_nul: NUL is kept raw but quoted
  assert.equal(escapeValue('\0'), '"\0"');
  assert.equal(roundTrip('\0'), '\0');
});

test('escapeValue: everything else is left bare, even characters the lexer would split on', () => {
  for (const v of ['abc', '/usr/bin/*', 'a(b', 'a,b', 'runc:[0:PARENT]', '<NA>', '%', 'é']) {
    assert.equal(escapeValue(v), v);
  }
  // the empty string is not quoted either: `proc.name = ""` prints as "proc.name = "
  assert.equal(escapeValue(''), '');
});

test('escapeValue: high characters pass through (libsinsp escape_str_passes_high_byte_raw, high_byte_roundtrip)', () => {
  assert.equal(escapeValue('a\u00ffb'), 'a\u00ffb');
  assert.equal(roundTrip('a \u00ff'), 'a \u00ff');
});

test('unescapeQuoted: simple escapes', () => {
  assert.equal(unescapeQuoted('\\b\\f\\n\\r\\t', '"'), '\b\f\n\r\t');
  assert.equal(unescapeQuoted('a\\\\b', '"'), 'a\\b');
  assert.equal(unescapeQuoted('\\/etc\\/passwd', "'"), '/etc/passwd');
  assert.equal(unescapeQuoted('say \\"hi\\"', '"'), 'say "hi"');
  assert.equal(unescapeQuoted("it\\'s", "'"), "it's");
  assert.equal(unescapeQuoted('plain text', '"'), 'plain text');
  assert.equal(unescapeQuoted('', "'"), '');
});

test('unescapeQuoted: backslash-space legacy quirk yields one backslash and drops the space', () => {
  assert.equal(unescapeQuoted('\\ ', '"'), '\\');
  assert.equal(unescapeQuoted('a\\ b', '"'), 'a\\b');
});

test('unescapeQuoted: quote escapes must match the delimiter', () => {
  throwsEscape('mixed \\"', "'", 'invalid \\" escape in \'-quoted string');
  throwsEscape("mixed \\'", '"', 'invalid \\\' escape in "-quoted string');
});

test('unescapeQuoted: unsupported escapes', () => {
  throwsEscape('\\q', '"', 'unsupported string escape sequence: \\q');
  throwsEscape('a\\0', '"', 'unsupported string escape sequence: \\0');
  throwsEscape('\\u0041', "'", 'unsupported string escape sequence: \\u');
});

test('unescapeQuoted: hex escapes decode ASCII (libsinsp hex_escape_decodes_ascii)', () => {
  assert.equal(unescapeQuoted('\\x41', '"'), 'A');
  assert.equal(unescapeQuoted('\\x7f', '"'), '\x7f');
  assert.equal(unescapeQuoted('\\x01', '"'), '\x01');
});

test('unescapeQuoted: high hex bytes (libsinsp hex_escape_decodes_high_bytes, _multiple)', () => {
  // lone bytes that are not UTF-8 map to the code point of the same value
  assert.equal(unescapeQuoted('\\xff', '"'), '\u00ff');
  assert.equal(unescapeQuoted('\\x80', '"'), '\u0080');
  assert.equal(unescapeQuoted('\\xAb', '"'), '\u00ab');
  assert.equal(unescapeQuoted('\\xff\\xfe', '"'), '\u00ff\u00fe');
  assert.equal(unescapeQuoted('a\\xffb', '"'), 'a\u00ffb');
  // runs forming UTF-8 decode to the characters they encode
  assert.equal(unescapeQuoted('caf\\xc3\\xa9', '"'), 'café');
  assert.equal(unescapeQuoted('\\xe2\\x82\\xac1', '"'), '€1');
});

test('unescapeQuoted: hex NUL and exactly two digits (libsinsp hex_escape_decodes_nul, _consumes_exactly_two_digits)', () => {
  assert.equal(unescapeQuoted('\\x00', '"'), '\0');
  assert.equal(unescapeQuoted('a\\x00b', '"'), 'a\0b');
  assert.equal(unescapeQuoted('\\x413', '"'), 'A3');
});

test('unescapeQuoted: truncated hex escapes (libsinsp hex_escape_rejects_truncated)', () => {
  throwsEscape('\\x', '"', 'truncated hex char escape sequence');
  throwsEscape('\\xf', '"', 'truncated hex char escape sequence');
  throwsEscape('a\\xf', '"', 'truncated hex char escape sequence');
});

test('unescapeQuoted: non-hex digits (libsinsp hex_escape_rejects_non_hex)', () => {
  throwsEscape('\\xgg', '"', 'invalid hex char escape sequence: gg');
  throwsEscape('\\xfg', '"', 'invalid hex char escape sequence: fg');
  throwsEscape('\\x g', '"', 'invalid hex char escape sequence:  g');
  throwsEscape('\\x-1', '"', 'invalid hex char escape sequence: -1');
  throwsEscape('\\x+a', '"', 'invalid hex char escape sequence: +a');
});
