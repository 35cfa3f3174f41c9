// Output format strings (`%proc.name`, `%5evt.num`, `%tolower(proc.name)` ...), compiled once and
// rendered per alert, as libsinsp's event formatter does. Missing values print as <NA>.
import { astToString } from './ast-string.js';
import type { FieldLike } from './ast.js';
import { compileExtractor, FilterCompileError } from './condition-compiler.js';
import type { Extractor, FieldType, Value } from './fields/types.js';
import { parseFieldOrTransformer } from './condition-parser.js';
import type { EventContext } from '../state/model/index.js';

export class FormatError extends Error {
  override name = 'FormatError';
}

export const NOT_AVAILABLE = '<NA>';

export interface FieldToken {
  /** Key in JSON output_fields: the field as written (`proc.aname[2]`) or the transformer's canonical form. */
  key: string;
  width: number;
  type: FieldType;
  /** Zero-padded to this many digits when printed as text (0: as is). */
  pad: number;
  /** Printed as upper-case hexadecimal. */
  hex: boolean;
  extract: Extractor;
  /** The event's text for the value when not its own (BoundField.print). */
  print: ((ctx: EventContext) => string | undefined) | undefined;
}
export type Token = string | FieldToken;

/** Fields whose JSON output_fields value is the event time in ns, as Falco emits them. */
const TIME_FIELDS = new Set(['evt.time', 'evt.time.s', 'evt.time.iso8601', 'evt.datetime', 'evt.datetime.s']);

function keyOf(e: FieldLike): string {
  if (e.kind === 'field') return e.arg === undefined ? e.name : `${e.name}[${e.arg}]`;
  return astToString(e);
}

export class OutputFormat {
  constructor(readonly source: string, readonly tokens: readonly Token[]) {}

  /** The text with every field rendered (<NA> when missing). */
  render(ctx: EventContext): string {
    let out = '';
    for (const t of this.tokens) {
      if (typeof t === 'string') {
        out += t;
        continue;
      }
      const v = t.extract(ctx);
      let s = v === undefined ? NOT_AVAILABLE : (t.print?.(ctx) ?? fieldText(v, t));
      if (t.width > 0) s = s.length > t.width ? s.slice(0, t.width) : s.padEnd(t.width, ' ');
      out += s;
    }
    return out;
  }

  get fields(): FieldToken[] {
    return this.tokens.filter((t): t is FieldToken => typeof t !== 'string');
  }

  /** output_fields of the JSON alert: typed values, null when missing. */
  jsonFields(ctx: EventContext, into: Record<string, JsonValue>): void {
    for (const t of this.fields) {
      if (TIME_FIELDS.has(t.key)) {
        into[t.key] = ctx.evt.ts;
        continue;
      }
      const v = t.extract(ctx);
      // A value libs prints in hex or octal is a string in its JSON too (rawval_to_json).
      into[t.key] = v === undefined ? null : (t.print?.(ctx) ?? valueToJson(v, t.type));
    }
  }
}

export type JsonValue = string | number | bigint | boolean | null | string[];

/** Compiles a format; throws FormatError with Falco's messages. */
export function compileFormat(fmt: string): OutputFormat {
  if (fmt === '') throw new FormatError('empty formatting token');
  const text = fmt.startsWith('*') ? fmt.slice(1) : fmt;
  const tokens: Token[] = [];
  let lit = '';
  for (let j = 0; j < text.length; j++) {
    if (text[j] !== '%') {
      lit += text[j];
      continue;
    }
    if (lit) tokens.push(lit);
    lit = '';
    if (j === text.length - 1) throw new FormatError('invalid formatting syntax: formatting cannot end with a %');
    let width = 0;
    let k = j + 1;
    while (k < text.length && text[k]! >= '0' && text[k]! <= '9') k++;
    if (k > j + 1) {
      if (k === text.length) throw new FormatError('invalid formatting syntax: formatting cannot end with a number');
      width = Number(text.slice(j + 1, k));
    }
    let compiled: ReturnType<typeof compileExtractor> | undefined;
    const found = parseFieldOrTransformer(text, k, {
      accept: (expr) => {
        try {
          compiled = compileExtractor(expr);
          return true;
        } catch (err) {
          if (err instanceof FilterCompileError) return false;
          throw err;
        }
      },
    });
    if (!found || !compiled) throw new FormatError(`invalid formatting token ${text.slice(k)}`);
    if (compiled.def?.filterOnly) {
      throw new FormatError(`${keyOf(found.expr)} is filter only and cannot be used as a display field`);
    }
    tokens.push({ key: keyOf(found.expr), width, type: compiled.type, pad: compiled.def?.padDigits ?? 0, hex: compiled.def?.hex === true, extract: compiled.extract, print: compiled.bound?.print });
    j = found.end - 1;
  }
  if (lit) tokens.push(lit);
  return new OutputFormat(fmt, tokens);
}

/** Bytes as libsinsp prints them by default: printable ASCII kept, everything else as '.'. */
function bytesToString(b: Buffer): string {
  let s = '';
  for (let i = 0; i < b.length; i++) {
    const c = b[i]!;
    s += c >= 0x20 && c < 0x7f ? String.fromCharCode(c) : '.';
  }
  return s;
}

/** A field's value as output text: valueToString, zero-padded where the field says so. */
export function fieldText(v: Value, t: FieldToken): string {
  if (t.hex && typeof v === 'number') return (v >>> 0).toString(16).toUpperCase();
  const s = valueToString(v, t.type);
  return t.pad > 0 ? s.padStart(t.pad, '0') : s;
}

function valueToString(v: Value, type: FieldType): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return type === 'double' ? v.toFixed(1) : String(v);
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (Buffer.isBuffer(v)) return bytesToString(v);
  if (Array.isArray(v)) return `(${v.join(',')})`;
  return String(v);
}

function isStringList(v: Value): v is readonly string[] {
  return Array.isArray(v);
}

function valueToJson(v: Value, type: FieldType): JsonValue {
  switch (type) {
    case 'int': case 'uint': case 'port': case 'reltime': case 'double':
      return typeof v === 'number' ? v : Number(v);
    case 'abstime':
      return typeof v === 'bigint' ? v : BigInt(v as number);
    case 'bool':
      return v === true;
    default:
      return isStringList(v) ? [...v] : valueToString(v, type);
  }
}
