// The set of event codes a condition can match (libsinsp's ppm_event_codes), used to index rules
// by event type so that an event only meets the rules that can match it, and to tell the sensor
// which syscalls to capture. Negations are pushed down to the leaves (De Morgan); only evt.type
// leaves (=, ==, !=, in) and the evt.num >= 1 invariant narrow the set, every other check is neutral.
import type { BinaryCheck, Expr, FieldLike } from './ast.js';
import { ASYNC_EVENT_NAMES, EVENT_TABLE, syscallCode } from '../events/index.js';

const N = EVENT_TABLE.length;
const ASYNCEVENT_E = EVENT_TABLE.findIndex((e) => e.id === 'PPME_ASYNCEVENT_E');

/** Event codes as a bit set (one byte per code). */
export type CodeSet = Uint8Array;

const all = (): CodeSet => new Uint8Array(N).fill(1);
const none = (): CodeSet => new Uint8Array(N);

/**
 * While visiting, `undefined` stands for every code: most checks are neutral, and a fresh
 * every-code set per check made the visit of a ruleset's conditions cost more than compiling
 * them. Sets a visit returns are its own, so the operations below update them in place.
 */
type Codes = CodeSet | undefined;

function invert(s: Codes): Codes {
  if (s === undefined) return none();
  for (let i = 0; i < N; i++) s[i] = 1 - s[i]!;
  return s;
}

function intersectInto(a: Codes, b: Codes): Codes {
  if (a === undefined) return b;
  if (b !== undefined) for (let i = 0; i < N; i++) a[i]! &= b[i]!;
  return a;
}

function unionInto(a: Codes, b: Codes): Codes {
  if (a === undefined || b === undefined) return undefined;
  for (let i = 0; i < N; i++) a[i]! |= b[i]!;
  return a;
}

const CODES_BY_NAME = new Map<string, number[]>();
EVENT_TABLE.forEach((e, code) => {
  const list = CODES_BY_NAME.get(e.name) ?? [];
  list.push(code);
  CODES_BY_NAME.set(e.name, list);
});

/** Codes of the named events; a syscall without an event of its own maps to the generic codes. */
function namesToCodes(names: readonly string[]): CodeSet {
  const s = none();
  for (const n of names) {
    const codes = CODES_BY_NAME.get(n);
    if (codes) for (const c of codes) s[c] = 1;
    else if (syscallCode(n) !== undefined) s[0] = s[1] = 1;
    // The container plugin's async events carry the old container events' name.
    if (ASYNC_EVENT_NAMES.has(n)) s[ASYNCEVENT_E] = 1;
  }
  return s;
}

class TransformerOnEventType extends Error {}

const isEvtTypeField = (f: FieldLike): boolean => f.kind === 'field' && (f.name === 'evt.type' || f.name === 'syscall.type') && f.arg === undefined;

function containsEvtType(f: FieldLike): boolean {
  if (f.kind === 'field') return isEvtTypeField(f);
  return f.args.some((a) => (a.kind === 'field' || a.kind === 'transformer') && containsEvtType(a));
}

/** evt.num's values start at 1: some checks on it are statically always/never true. */
function evtNumInvariant(e: BinaryCheck): 'empty' | 'all' | undefined {
  if (e.left.kind !== 'field' || e.left.name !== 'evt.num' || e.left.arg !== undefined) return undefined;
  const asU64 = (s: string): bigint | undefined => (/^\d+$/.test(s) ? BigInt(s) : undefined);
  if (e.op === 'in') {
    if (e.right.kind !== 'list') return undefined;
    return e.right.values.every((v) => asU64(v.value) === 0n) ? 'empty' : undefined;
  }
  if (e.right.kind !== 'value') return undefined;
  const n = asU64(e.right.value);
  if (n === undefined) return undefined;
  switch (e.op) {
    case '=': case '==': return n === 0n ? 'empty' : undefined;
    case '!=': return n === 0n ? 'all' : undefined;
    case '<': return n <= 1n ? 'empty' : undefined;
    case '<=': return n === 0n ? 'empty' : undefined;
    case '>': return n === 0n ? 'all' : undefined;
    case '>=': return n <= 1n ? 'all' : undefined;
    default: return undefined;
  }
}

function visit(e: Expr, negated: boolean): Codes {
  switch (e.kind) {
    case 'and':
    case 'or': {
      const conj = (e.kind === 'and') !== negated;
      // every child is visited, even past an empty intersection or a full union: it may throw
      let acc: Codes = conj ? undefined : none();
      for (const c of e.children) acc = conj ? intersectInto(acc, visit(c, negated)) : unionInto(acc, visit(c, negated));
      return acc;
    }
    case 'not':
      return visit(e.child, !negated);
    case 'identifier':
      return undefined;
    case 'unary':
      if (containsEvtType(e.left) && e.left.kind === 'transformer') throw new TransformerOnEventType();
      // `evt.type exists` matches every code (and its negation none); other checks are neutral.
      return isEvtTypeField(e.left) && negated ? none() : undefined;
    case 'binary': {
      const inv = evtNumInvariant(e);
      if (inv) {
        const s = inv === 'empty' ? none() : undefined;
        return negated ? invert(s) : s;
      }
      if (e.left.kind === 'transformer' && containsEvtType(e.left)) throw new TransformerOnEventType();
      if (['=', '==', '!=', 'in'].includes(e.op) && isEvtTypeField(e.left)) {
        if (e.right.kind === 'field' || e.right.kind === 'transformer') {
          throw new Error('right-hand field comparisons on `evt.type`/`syscall.type` checks are not supported by event code search');
        }
        const names = e.right.kind === 'list' ? e.right.values.map((v) => v.value) : [e.right.value];
        let s: Codes = namesToCodes(names);
        if (negated) s = invert(s);
        if (e.op === '!=') s = invert(s);
        return s;
      }
      return undefined;
    }
  }
}

/** The event codes `expr` (macros already expanded) can match. */
export function eventCodesOf(expr: Expr): CodeSet {
  try {
    return visit(expr, false) ?? all();
  } catch (err) {
    if (err instanceof TransformerOnEventType) {
      throw new Error('event code search does not support `evt.type` checks with transformers');
    }
    throw err;
  }
}

export function countCodes(s: CodeSet): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) n += s[i]!;
  return n;
}

/** Distinct event names in a code set, sorted. */
export function eventNamesOf(s: CodeSet): string[] {
  const names = new Set<string>();
  for (let i = 0; i < s.length; i++) if (s[i]) names.add(EVENT_TABLE[i]!.name);
  return [...names].sort();
}
