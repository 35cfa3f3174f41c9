// Lexer and recursive-descent parser of the Falco/libsinsp condition language.
//
// This follows libsinsp's filter/parser.cpp step by step, because rule-loading errors (message
// and position) and even some accepted oddities are compared with Falco's. Grammar (parser.h):
//
//   Expr        ::= OrExpr
//   OrExpr      ::= AndExpr ('or' (' ' AndExpr | '(' Expr ')'))*
//   AndExpr     ::= NotExpr ('and' (' ' NotExpr | '(' Expr ')'))*
//   NotExpr     ::= ('not ')* ('not(' Expr ')' | Check)
//   Check       ::= Field Condition | FieldTransformer Condition | Identifier | '(' Expr ')'
//   Condition   ::= 'exists' | NumOp (Number | TransformerOrVal) | StrOp (StrValue | TransformerOrVal)
//                 | StrOp Modifier ListValue | ListOp (ListValue | TransformerOrVal)
//   ListValue   ::= '(' (StrValue (',' StrValue)*)? ')' | Identifier
//
// Positions count UTF-16 code units (libsinsp counts bytes); they agree for ASCII text.

import type {
  BinaryCheck, BinaryOp, Expr, FieldExpr, FieldLike, ListExpr, OpModifier, Pos, TransformerArg,
  TransformerExpr, TransformerListExpr, TransformerName, ValueExpr,
} from './ast.js';
import { StringEscapeError, unescapeQuoted } from './escaping.js';

/** A condition or output token that libsinsp's parser rejects; `message` is libsinsp's text. */
export class FilterSyntaxError extends Error {
  override name = 'FilterSyntaxError';
  /** Where libsinsp's parser stood when it gave up (what Falco reports). */
  readonly pos: Pos;
  constructor(message: string, pos: Pos) {
    super(message);
    this.pos = pos;
  }
}

export interface ParseOptions {
  /** Recursion cap; libsinsp's default is 100 and Falco sets 1000 for rule conditions. */
  maxDepth?: number;
}

// Token patterns of parser.cpp ([[:space:]] is POSIX: space \t \n \v \f \r).
const RX_NOT_BLANK = /not[\t\n\v\f\r ]+/y;
const RX_IDENTIFIER = /[a-zA-Z]+[a-zA-Z0-9_]*/y;
const RX_FIELD_NAME = /[a-zA-Z]+[a-zA-Z0-9_]*(?:\.[a-zA-Z]+[a-zA-Z0-9_]*)+/y;
const RX_FIELD_ARG_BARE = /[^\]["'\t\n\v\f\r ]+/y;
const RX_HEX_NUM = /0[xX][0-9a-fA-F]+/y;
const RX_NUMBER = /[+-]?[0-9]+\.?[0-9]*(?:[eE][+-][0-9]+)?/y;
const RX_BARE_STR = /[^()"'\t\n\v\f\r =,]+/y;

// By libsinsp's convention a trailing space marks an operator that must be followed by a blank.
// Order matters: the first match wins ('==' before '=', 'intersects' before 'in').
const UNARY_OPS = ['exists'];
const NUM_OPS = ['<=', '<', '>=', '>'];
const STR_OPS = [
  '==', '=', '!=', 'glob ', 'iglob ', 'contains ', 'icontains ', 'bcontains ', 'startswith ',
  'bstartswith ', 'endswith ', 'regex ',
];
const STR_OP_MODIFIERS = ['oneof ', 'anyof ', 'allof '];
const LIST_OPS = ['intersects', 'in', 'pmatch'];
const VAL_TRANSFORMER = 'val(';
const FIELD_TRANSFORMERS = ['tolower(', 'toupper(', 'b64(', 'basename(', 'len(', 'join(', 'concat(', 'getopt('];

/** The operators libsinsp supports, in its order (parser::supported_operators). */
export function supportedOperators(listOnly = false): string[] {
  if (listOnly) return [...LIST_OPS];
  return [...UNARY_OPS, ...NUM_OPS, ...STR_OPS, ...LIST_OPS].map((op) => op.trim());
}

/** The transformer names, optionally with 'val' first (parser::supported_field_transformers). */
export function supportedFieldTransformers(includeVal = false): string[] {
  const names = FIELD_TRANSFORMERS.map((t) => t.slice(0, -1));
  return includeVal ? [VAL_TRANSFORMER.slice(0, -1), ...names] : names;
}

function quotedList(items: string[]): string {
  return items.map((s) => `'${s}'`).join(', ');
}

const OPERATORS_TEXT = quotedList(supportedOperators());
const TRANSFORMERS_TEXT = quotedList(supportedFieldTransformers(true));

const isBlank = (c: string | undefined): boolean =>
  c === ' ' || c === '\t' || c === '\b' || c === '\r' || c === '\n';
const isAsciiAlnum = (c: string | undefined): boolean => c !== undefined && /^[A-Za-z0-9]$/.test(c);

interface Mark { i: number; line: number; col: number; lastToken: string }

class Parser {
  private i = 0;
  private line: number;
  private col: number;
  private depth = 0;
  /** The last token lexed; libsinsp quotes it in "unexpected token after '...'" messages. */
  private lastToken = '';

  constructor(
    private readonly src: string,
    private readonly base: Pos,
    private readonly maxDepth: number,
  ) {
    this.line = base.line;
    this.col = base.col;
  }

  /** Local offset of the cursor in `src`. */
  get offset(): number {
    return this.i;
  }

  parse(): Expr {
    if (this.src.length === 0) this.fail('filter input string is empty');
    const res = this.parseOr();
    if (this.depth > 0) this.fail('parser fatal error: recursion is unbalanced');
    if (this.i !== this.src.length) {
      this.fail(`unexpected token after '${this.lastToken}', expecting 'or', 'and'`);
    }
    return res;
  }

  /** A single field or transformer at the cursor; the rest of the input is left alone. */
  parseFieldOrTransformer(): FieldLike {
    return this.guarded(() => {
      const pos = this.pos();
      if (this.lexRegex(RX_FIELD_NAME)) return this.parseFieldRemainder(this.lastToken, pos);
      if (this.lexStrList(FIELD_TRANSFORMERS)) {
        this.lexBlank();
        return this.parseTransformerRemainder(this.lastToken.slice(0, -1), pos);
      }
      // Sic: libsinsp's message has no closing quote here.
      return this.fail(`unexpected token after '${this.lastToken}`);
    });
  }

  // --- boolean structure -------------------------------------------------------------------

  private parseOr(): Expr {
    return this.guarded((): Expr => {
      const pos = this.pos();
      const children: Expr[] = [];
      this.lexBlank();
      children.push(this.parseAnd());
      this.lexBlank();
      while (this.lexStr('or')) {
        if (this.lexBlank()) children.push(this.parseAnd());
        else if (this.lexStr('(')) children.push(this.parseEmbeddedRemainder());
        else this.fail("expected blank or '(' after 'or'");
        this.lexBlank();
      }
      return children.length > 1 ? { kind: 'or', children, pos } : children[0]!;
    });
  }

  private parseAnd(): Expr {
    return this.guarded((): Expr => {
      const pos = this.pos();
      const children: Expr[] = [];
      this.lexBlank();
      children.push(this.parseNot());
      this.lexBlank();
      while (this.lexStr('and')) {
        if (this.lexBlank()) children.push(this.parseNot());
        else if (this.lexStr('(')) children.push(this.parseEmbeddedRemainder());
        else this.fail("expected blank or '(' after 'and'");
        this.lexBlank();
      }
      return children.length > 1 ? { kind: 'and', children, pos } : children[0]!;
    });
  }

  private parseNot(): Expr {
    return this.guarded((): Expr => {
      const pos = this.pos();
      // Repeated 'not's toggle: an even count yields no node at all.
      let negate = false;
      this.lexBlank();
      while (this.lexRegex(RX_NOT_BLANK)) negate = !negate;
      let child: Expr;
      if (this.lexStr('not(')) {
        negate = !negate;
        child = this.parseEmbeddedRemainder();
      } else {
        child = this.parseCheck();
      }
      return negate ? { kind: 'not', child, pos } : child;
    });
  }

  /** The rest of a parenthesised expression, right after its '('. */
  private parseEmbeddedRemainder(): Expr {
    return this.guarded(() => {
      this.lexBlank();
      const child = this.parseOr();
      this.lexBlank();
      if (!this.lexStr(')')) this.fail("expected a ')' token");
      return child;
    });
  }

  private parseCheck(): Expr {
    return this.guarded((): Expr => {
      const pos = this.pos();
      this.lexBlank();
      if (this.lexStr('(')) return this.parseEmbeddedRemainder();
      if (this.lexRegex(RX_FIELD_NAME)) {
        const left = this.parseFieldRemainder(this.lastToken, pos);
        return this.parseCondition(left, pos);
      }
      if (this.lexStrList(FIELD_TRANSFORMERS)) {
        this.lexBlank();
        const left = this.parseTransformerRemainder(this.lastToken.slice(0, -1), pos);
        return this.parseCondition(left, pos);
      }
      if (this.lexRegex(RX_IDENTIFIER)) return { kind: 'identifier', name: this.lastToken, pos };
      return this.fail("expected a '(' token, a field check, or an identifier");
    });
  }

  // --- fields and transformers --------------------------------------------------------------

  private parseFieldRemainder(name: string, pos: Pos): FieldExpr {
    return this.guarded(() => {
      const field: FieldExpr = { kind: 'field', name, pos };
      const arg = this.parseOptionalFieldArg();
      if (arg !== undefined) field.arg = arg;
      return field;
    });
  }

  private parseOptionalFieldArg(): string | undefined {
    if (!this.lexStr('[')) return undefined;
    if (!this.lexQuotedStr() && !this.lexRegex(RX_FIELD_ARG_BARE)) {
      this.fail('expected a valid field argument: a quoted string or a bare string');
    }
    const arg = this.lastToken;
    if (!this.lexStr(']')) this.fail("expected a ']' token");
    return arg;
  }

  /** Arguments, ')' and optional [arg] of a transformer whose 'name(' was just lexed. */
  private parseTransformerRemainder(name: string, pos: Pos): TransformerExpr {
    return this.guarded(() => {
      this.lexBlank();
      const args: TransformerArg[] = [];
      do {
        args.push(this.parseTransformerArg(this.pos()));
        this.lexBlank();
      } while (this.lexStr(','));
      this.lexBlank();
      if (!this.lexStr(')')) this.fail("expected a ')' token closing the transformer");
      return this.transformer(name, args, this.parseOptionalFieldArg(), pos);
    });
  }

  private parseTransformerArg(pos: Pos): TransformerArg {
    return this.guarded(() => {
      this.lexBlank();
      if (this.lexRegex(RX_HEX_NUM) || this.lexRegex(RX_NUMBER)) return this.value(pos, false);
      if (this.lexQuotedStr()) return this.value(pos, true);
      if (this.lexStr('(')) return this.parseTransformerList(pos);
      if (this.lexStrList(FIELD_TRANSFORMERS)) {
        return this.parseTransformerRemainder(this.lastToken.slice(0, -1), pos);
      }
      if (this.lexRegex(RX_FIELD_NAME)) return this.parseFieldRemainder(this.lastToken, pos);
      return this.fail(
        'expected field transformer argument: field, transformer, quoted string, number, or transformer list',
      );
    });
  }

  /** A transformer's list argument, right after its '('. Every item gets the list's position, as in libsinsp. */
  private parseTransformerList(pos: Pos): TransformerListExpr {
    const items: TransformerListExpr['items'] = [];
    this.lexBlank();
    if (this.lexStr(')')) return { kind: 'transformerList', items, pos };
    items.push(this.parseTransformerListItem(pos));
    this.lexBlank();
    while (this.lexStr(',')) {
      this.lexBlank();
      items.push(this.parseTransformerListItem(pos));
      this.lexBlank();
    }
    if (!this.lexStr(')')) this.fail("expected ')'");
    return { kind: 'transformerList', items, pos };
  }

  private parseTransformerListItem(pos: Pos): FieldExpr | TransformerExpr | ValueExpr {
    if (this.lexRegex(RX_FIELD_NAME)) return this.parseFieldRemainder(this.lastToken, pos);
    if (this.lexStrList(FIELD_TRANSFORMERS)) {
      this.lexBlank();
      return this.parseTransformerRemainder(this.lastToken.slice(0, -1), pos);
    }
    if (this.lexQuotedStr()) return this.value(pos, true);
    if (this.lexRegex(RX_HEX_NUM) || this.lexRegex(RX_NUMBER)) return this.value(pos, false);
    return this.fail('expected transformer list argument: field, transformer, quoted string, or number');
  }

  /** A right-hand side `val(field)` or transformer call, or undefined if none starts here. */
  private tryParseTransformerOrVal(): TransformerExpr | undefined {
    return this.guarded(() => {
      this.lexBlank();
      const pos = this.pos();
      if (this.lexStr(VAL_TRANSFORMER)) {
        this.lexBlank();
        const name = this.lastToken.slice(0, -1);
        const fieldPos = this.pos();
        if (!this.lexRegex(RX_FIELD_NAME)) this.fail(`expected a field within '${name}' transformer`);
        const field = this.parseFieldRemainder(this.lastToken, fieldPos);
        this.lexBlank();
        if (!this.lexStr(')')) this.fail("expected a ')' token closing the transformer");
        return this.transformer(name, [field], this.parseOptionalFieldArg(), pos);
      }
      if (this.lexStrList(FIELD_TRANSFORMERS)) {
        this.lexBlank();
        return this.parseTransformerRemainder(this.lastToken.slice(0, -1), pos);
      }
      return undefined;
    });
  }

  // --- conditions and values ----------------------------------------------------------------

  private parseCondition(left: FieldLike, pos: Pos): Expr {
    return this.guarded((): Expr => {
      this.lexBlank();
      if (this.lexOperatorList(UNARY_OPS)) return { kind: 'unary', left, op: 'exists', pos };
      this.lexBlank();
      let op: string;
      let mod: OpModifier | undefined;
      let right: ValueExpr | ListExpr | FieldLike;
      if (this.lexOperatorList(NUM_OPS)) {
        op = this.lastToken;
        right = this.parseNumValueOrTransformer();
      } else if (this.lexOperatorList(STR_OPS)) {
        op = this.lastToken;
        // Word operators already swallowed their mandatory blank; symbols need one before a modifier.
        const hadBlank = /^[a-z]/.test(op) || this.lexBlank();
        const mark = this.mark();
        if (hadBlank && this.lexOperatorList(STR_OP_MODIFIERS) && this.listValueFollows() && !this.boolKeywordFollows()) {
          mod = this.lastToken as OpModifier;
          right = this.parseListValue();
        } else {
          this.reset(mark);
          right = this.parseStrValueOrTransformer(false);
        }
      } else if (this.lexOperatorList(LIST_OPS)) {
        op = this.lastToken;
        right = this.parseListValueOrTransformer();
      } else {
        return this.fail(`expected a valid check operator: one of ${OPERATORS_TEXT}`);
      }
      const check: BinaryCheck = { kind: 'binary', left, op: op as BinaryOp, right, pos };
      if (mod !== undefined) check.mod = mod;
      return check;
    });
  }

  private parseNumValueOrTransformer(): ValueExpr | TransformerExpr {
    return this.guarded(() => {
      this.lexBlank();
      const pos = this.pos();
      const transformer = this.tryParseTransformerOrVal();
      if (transformer) return transformer;
      if (this.lexRegex(RX_HEX_NUM) || this.lexRegex(RX_NUMBER)) return this.value(pos, false);
      return this.fail(`expected a number value or a field with a valid transformer: ${TRANSFORMERS_TEXT}`);
    });
  }

  private parseStrValueOrTransformer(noTransformer: boolean): ValueExpr | TransformerExpr {
    return this.guarded(() => {
      this.lexBlank();
      const pos = this.pos();
      if (!noTransformer) {
        const transformer = this.tryParseTransformerOrVal();
        if (transformer) return transformer;
      }
      if (this.lexQuotedStr()) return this.value(pos, true);
      if (this.lexRegex(RX_BARE_STR)) return this.value(pos, false);
      if (noTransformer) this.fail('expected a string value');
      return this.fail(`expected a string value or a field with a valid transformer: ${TRANSFORMERS_TEXT}`);
    });
  }

  private tryParseListExpr(): ListExpr | undefined {
    const pos = this.pos();
    if (!this.lexStr('(')) return undefined;
    const values: ValueExpr[] = [];
    this.lexBlank();
    // libsinsp treats any failure on the first item as "the list is empty" and then demands
    // ')'. That also swallows a bad escape in a first quoted item: `x in ("\q")` is an empty list.
    let first: ValueExpr | TransformerExpr | undefined;
    try {
      first = this.parseStrValueOrTransformer(true);
    } catch (e) {
      if (!(e instanceof FilterSyntaxError)) throw e;
    }
    if (first !== undefined) {
      values.push(this.expectValue(first, 'head'));
      this.lexBlank();
      while (this.lexStr(',')) {
        values.push(this.expectValue(this.parseStrValueOrTransformer(true), 'body'));
        this.lexBlank();
      }
    }
    if (!this.lexStr(')')) this.fail("expected a ')' token");
    return { kind: 'list', values, pos };
  }

  private expectValue(e: ValueExpr | TransformerExpr, where: 'head' | 'body'): ValueExpr {
    if (e.kind !== 'value') this.fail(`parser fatal error: null value expr in ${where} of list`);
    return e;
  }

  private parseListValue(): ListExpr | ValueExpr {
    return this.guarded(() => {
      this.lexBlank();
      const pos = this.pos();
      const list = this.tryParseListExpr();
      if (list) return list;
      if (this.lexRegex(RX_IDENTIFIER)) return this.value(pos, false);
      return this.fail('expected a list or an identifier');
    });
  }

  private parseListValueOrTransformer(): ListExpr | ValueExpr | TransformerExpr {
    return this.guarded(() => {
      this.lexBlank();
      const pos = this.pos();
      const list = this.tryParseListExpr();
      if (list) return list;
      const transformer = this.tryParseTransformerOrVal();
      if (transformer) return transformer;
      if (this.lexRegex(RX_IDENTIFIER)) return this.value(pos, false);
      return this.fail(
        `expected a list, an identifier, or a field with a valid transformer: ${TRANSFORMERS_TEXT}`,
      );
    });
  }

  private listValueFollows(): boolean {
    if (this.src[this.i] === '(') return true;
    const mark = this.mark();
    const found = this.lexRegex(RX_IDENTIFIER);
    this.reset(mark);
    return found;
  }

  /** 'and', 'or' or 'not' not followed by a letter or digit ('and_x' counts, as in libsinsp). */
  private boolKeywordFollows(): boolean {
    return ['and', 'or', 'not'].some(
      (kw) => this.src.startsWith(kw, this.i) && !isAsciiAlnum(this.src[this.i + kw.length]),
    );
  }

  // --- node helpers -------------------------------------------------------------------------

  private value(pos: Pos, quoted: boolean): ValueExpr {
    const v: ValueExpr = { kind: 'value', value: this.lastToken, pos };
    if (quoted) v.quoted = true;
    return v;
  }

  private transformer(name: string, args: TransformerArg[], arg: string | undefined, pos: Pos): TransformerExpr {
    const t: TransformerExpr = { kind: 'transformer', name: name as TransformerName, args, pos };
    if (arg !== undefined) t.arg = arg;
    return t;
  }

  // --- lexing -------------------------------------------------------------------------------

  private lexBlank(): boolean {
    let found = false;
    while (isBlank(this.src[this.i])) {
      found = true;
      this.advance(1);
    }
    return found;
  }

  private lexRegex(rx: RegExp): boolean {
    rx.lastIndex = this.i;
    const m = rx.exec(this.src);
    if (m === null) return false;
    this.lastToken = m[0];
    this.advance(m[0].length);
    return true;
  }

  private lexStr(s: string): boolean {
    if (!this.src.startsWith(s, this.i)) return false;
    this.lastToken = s;
    this.advance(s.length);
    return true;
  }

  private lexStrList(list: readonly string[]): boolean {
    return list.some((s) => this.lexStr(s));
  }

  /** Operators ending in ' ' must be followed by a blank (consumed); the token excludes it. */
  private lexOperatorList(list: readonly string[]): boolean {
    for (const op of list) {
      if (!op.endsWith(' ')) {
        if (this.lexStr(op)) return true;
        continue;
      }
      const mark = this.mark();
      if (this.lexStr(op.trim())) {
        if (this.lexBlank()) return true;
        this.reset(mark);
      }
    }
    return false;
  }

  /**
   * A '…' or "…" string; the closing quote is the first delimiter not preceded by a backslash.
   * An unterminated quote is not a string (the cursor stays put); a bad escape is an error
   * reported after the closing quote, where libsinsp stands.
   */
  private lexQuotedStr(): boolean {
    const delim = this.src[this.i];
    if (delim !== '"' && delim !== "'") return false;
    const start = this.mark();
    let prev = '\\';
    let raw = '';
    while (this.i < this.src.length && this.src[this.i] !== '\0') {
      const c = this.src[this.i]!;
      if (c === delim && prev !== '\\') {
        this.advance(1);
        raw += delim;
        this.lastToken = raw;
        try {
          this.lastToken = unescapeQuoted(raw.slice(1, -1), delim);
        } catch (e) {
          if (e instanceof StringEscapeError) this.fail(e.message);
          throw e;
        }
        return true;
      }
      prev = c;
      raw += c;
      this.advance(1);
    }
    this.reset(start);
    this.lastToken = raw; // libsinsp leaves the partial text behind
    return false;
  }

  private advance(n: number): void {
    for (let k = 0; k < n; k++) {
      const c = this.src[this.i++];
      this.col++;
      if (c === '\r' || c === '\n') {
        this.col = 1;
        this.line++;
      }
    }
  }

  private pos(): Pos {
    return { idx: this.base.idx + this.i, line: this.line, col: this.col };
  }

  private mark(): Mark {
    return { i: this.i, line: this.line, col: this.col, lastToken: this.lastToken };
  }

  private reset(m: Mark): void {
    this.i = m.i;
    this.line = m.line;
    this.col = m.col;
    this.lastToken = m.lastToken;
  }

  private fail(message: string): never {
    throw new FilterSyntaxError(message, this.pos());
  }

  /**
   * libsinsp's depth_guard: the counter is raised before the check and, when the check throws,
   * never lowered (the guard was not constructed). We keep that, since a depth error swallowed
   * by the list parser then surfaces as "recursion is unbalanced", exactly as in libsinsp.
   */
  private guarded<T>(body: () => T): T {
    this.depth++;
    if (this.depth >= this.maxDepth) this.fail(`exceeded max depth limit of ${this.maxDepth}`);
    try {
      return body();
    } finally {
      this.depth--;
    }
  }
}

const START: Pos = { idx: 0, line: 1, col: 1 };

/**
 * Parses a whole condition. Throws FilterSyntaxError with libsinsp's message and position.
 * Default max depth is 1000, as Falco sets for rule conditions.
 */
export function parseCondition(input: string, opts: ParseOptions = {}): Expr {
  return new Parser(input, START, opts.maxDepth ?? 1000).parse();
}

export interface FieldTokenOptions extends ParseOptions {
  /**
   * Whether a parsed candidate is usable (libsinsp compiles it). When it is not, or the text
   * does not parse, the candidate text is shortened by one character and tried again.
   */
  accept?: (expr: FieldLike) => boolean;
}

/** Line and column of `idx` in `text`, counted as the parser counts them. */
function positionOf(text: string, idx: number): Pos {
  let line = 1;
  let col = 1;
  for (let k = 0; k < idx; k++) {
    col++;
    const c = text[k];
    if (c === '\r' || c === '\n') {
      col = 1;
      line++;
    }
  }
  return { idx, line, col };
}

/**
 * The field or transformer of an output-format token starting at `start` (just after '%' and
 * any width digits), as libsinsp's formatter finds it: parse the longest candidate text, and
 * on failure retry with one character less; the token ends where the parser stopped
 * (`%fd.name)` ends before ')', `%proc.name.` before the final dot). Positions in the result
 * are absolute in `input`. Undefined when no candidate works. Default max depth is 100, as the
 * formatter leaves libsinsp's default.
 */
export function parseFieldOrTransformer(
  input: string,
  start: number,
  opts: FieldTokenOptions = {},
): { expr: FieldLike; end: number } | undefined {
  const base = positionOf(input, start);
  const maxDepth = opts.maxDepth ?? 100;
  for (let size = input.length - start; size > 0; size--) {
    const parser = new Parser(input.slice(start, start + size), base, maxDepth);
    let expr: FieldLike;
    try {
      expr = parser.parseFieldOrTransformer();
    } catch (e) {
      if (e instanceof FilterSyntaxError) continue;
      throw e;
    }
    if (opts.accept && !opts.accept(expr)) continue;
    return { expr, end: start + parser.offset };
  }
  return undefined;
}
