// Compiles a (macro-free) condition AST into one JS closure over the event context.
// Values on the right-hand side are parsed once here; evaluation does no parsing and, for the
// common checks, no allocation. A check on a field that has no value is false whatever the operator.
import type { BinaryCheck, Expr, FieldLike, Pos, TransformerListExpr, UnaryCheck, ValueExpr } from './ast.js';
import { astToString } from './ast-string.js';
import { forEachNode } from './ast-walk.js';
import { supportedFieldTransformers } from './condition-parser.js';
import { hasField, resolveField, FieldArgError, type BoundField, type FieldDef, type FieldType, type Value } from './fields/index.js';
import { constantPred, fieldPred, incompatibility, type Pred } from './operators.js';
import { applyTransformer, TransformerError, type Operand } from './transformers.js';
import { ValueError } from './values.js';
import { ASYNC_EVENT_NAMES, EVENT_TABLE, eventName, syscallCode } from '../events/index.js';
import type { EventContext, StateView } from '../state/model/index.js';

export type CompiledFilter = (ctx: EventContext) => boolean;

export interface CompileOptions {
  /** libsinsp compiler warnings (Falco's LOAD_COMPILE_CONDITION). */
  onWarning?: (message: string, pos: Pos) => void;
}

export class FilterCompileError extends Error {
  override name = 'FilterCompileError';
  constructor(message: string, readonly pos?: Pos) {
    super(message);
  }
}

/** Names accepted as evt.type values: every event name of the table, and every syscall name. */
const EVENT_NAMES = new Set(EVENT_TABLE.map((e) => e.name));
const isEventName = (n: string): boolean => EVENT_NAMES.has(n) || syscallCode(n) !== undefined || ASYNC_EVENT_NAMES.has(n);
/** Syscalls without an event of their own arrive as generic events (codes 0 and 1). */
const GENERIC_CODES = new Set([0, 1]);
const ASYNCEVENT_E = EVENT_TABLE.findIndex((e) => e.id === 'PPME_ASYNCEVENT_E');
/** evt.type checks that are exactly `table[evt.type] === 1`: and/or chains do the lookup
 *  themselves rather than call the check. */
const typeTables = new WeakMap<CompiledFilter, Uint8Array>();

export interface FieldOperand extends Operand {
  def?: FieldDef;
  bound?: BoundField;
  /** Plain field (no transformer): name as written. */
  name: string;
}

export function compileFilter(expr: Expr, opts: CompileOptions = {}): CompiledFilter {
  if (opts.onWarning) warnOnValues(expr, opts.onWarning);
  return new Compiler().expr(expr);
}

/** Compiles a field or transformer for outputs and extraction (e.g. %proc.name), or as the
 *  left side of a check (with its bound field: either-side and ancestor fields). */
export function compileExtractor(node: FieldLike): FieldOperand {
  return new Compiler().operand(node, false);
}

class Compiler {
  expr(e: Expr): CompiledFilter {
    switch (e.kind) {
      case 'and':
        // An and-chain ends at the first false child, an or-chain at the first true one.
        return this.chain(flatten(e).map((c) => this.expr(c)), false);
      case 'or':
        return this.chain(flatten(e).map((c) => this.expr(c)), true);
      case 'not': {
        const c = this.expr(e.child);
        return (ctx) => !c(ctx);
      }
      case 'identifier':
        throw new FilterCompileError(`filter error: unexpected identifier '${e.name}'`, e.pos);
      case 'unary':
        return this.unary(e);
      case 'binary':
        return this.binary(e);
    }
  }

  /**
   * A chain of children evaluated left to right that stops at the first child equal to `stop`
   * (false for and, true for or) and otherwise yields !stop. Children that are evt.type tables
   * are answered in the loop, without a call.
   */
  private chain(cs: readonly CompiledFilter[], stop: boolean): CompiledFilter {
    const tables = cs.map((c) => typeTables.get(c));
    if (tables.every((t) => t === undefined)) {
      if (cs.length === 2) {
        const [a, b] = cs as [CompiledFilter, CompiledFilter];
        return stop ? (ctx) => a(ctx) || b(ctx) : (ctx) => a(ctx) && b(ctx);
      }
      return (ctx) => {
        for (let i = 0; i < cs.length; i++) if (cs[i]!(ctx) === stop) return stop;
        return !stop;
      };
    }
    return (ctx) => {
      const type = ctx.evt.type;
      for (let i = 0; i < cs.length; i++) {
        const t = tables[i];
        if ((t !== undefined ? t[type] === 1 : cs[i]!(ctx)) === stop) return stop;
      }
      return !stop;
    };
  }

  operand(node: FieldLike, rhs: boolean): FieldOperand {
    if (node.kind === 'field') {
      const ref = resolveField(node.name, node.arg);
      const full = node.arg === undefined ? node.name : `${node.name}[${node.arg}]`;
      if (!ref) throw new FilterCompileError(`filter_check called with nonexistent field ${node.name}`, node.pos);
      if (rhs && ref.def.noRhs) throw new FilterCompileError(`filter error: field '${full}' doesn't support right-hand side fields`, node.pos);
      let bound: BoundField;
      try {
        bound = ref.def.bind(ref.arg);
      } catch (err) {
        if (err instanceof FieldArgError) throw new FilterCompileError(err.message, node.pos);
        throw err;
      }
      return { extract: bound.extract, type: bound.type ?? ref.def.type, list: ref.def.list === true, def: ref.def, bound, name: full };
    }
    const args = node.args.map((a) => {
      if (a.kind === 'field' || a.kind === 'transformer') {
        const op = this.operand(a, rhs);
        if (a.kind === 'field' && op.def?.noTransformer && node.name !== 'val') {
          throw new FilterCompileError(`filter error: field '${op.name}' does not support transformers`, a.pos);
        }
        return op;
      }
      if (a.kind === 'transformerList') return this.listOperand(a, rhs);
      return constOperand(a);
    });
    try {
      const t = applyTransformer(node.name, args);
      return { ...t, name: node.name === 'val' && args.length === 1 ? args[0]!.name : astToString(node) };
    } catch (err) {
      if (err instanceof TransformerError) throw new FilterCompileError(err.message, node.pos);
      throw err;
    }
  }

  /** A transformer's list argument: each item extracted (or constant), rendered as text. */
  private listOperand(l: TransformerListExpr, rhs: boolean): FieldOperand {
    const items = l.items.map((i) => (i.kind === 'value' ? constOperand(i) : this.operand(i, rhs)));
    return {
      type: 'string', list: true, name: 'list',
      extract: (ctx) => {
        const out: string[] = [];
        for (const it of items) {
          const v = it.extract(ctx);
          if (v === undefined) return undefined;
          out.push(String(v));
        }
        return out;
      },
    };
  }

  unary(e: UnaryCheck): CompiledFilter {
    const l = this.operand(e.left, false);
    const any = l.bound?.anyAncestor;
    if (any) return (ctx) => any(ctx, () => true);
    const sides = l.bound?.sides;
    if (sides) return (ctx) => sides.some((s) => s(ctx) !== undefined);
    const x = l.extract;
    return (ctx) => x(ctx) !== undefined;
  }

  binary(e: BinaryCheck): CompiledFilter {
    const l = this.operand(e.left, false);
    const bad = incompatibility(e.op, l.type, l.list);
    if (bad) throw new FilterCompileError(`filter error: ${bad}`, e.pos);

    if (e.right.kind === 'field' || e.right.kind === 'transformer') return this.fieldToField(e, l);

    const values = e.right.kind === 'list' ? e.right.values.map((v) => v.value) : [e.right.value];
    if (l.name === 'evt.type' && l.def) return this.eventType(e, values);

    let pred: Pred;
    try {
      pred = constantPred(l.type, l.list, e.op, e.mod, values);
    } catch (err) {
      if (err instanceof ValueError) throw new FilterCompileError(err.message, e.right.pos);
      throw err;
    }
    const check = this.applyPred(l, e.op, pred);
    if (l.def?.resolvesNames) return resolvingNamesOnFirstUse(check, values);
    return check;
  }

  /** Wraps a predicate with the field's extraction: missing value = false; either-side and ancestor fields. */
  private applyPred(l: FieldOperand, op: string, pred: Pred): CompiledFilter {
    const any = l.bound?.anyAncestor;
    if (any) return (ctx) => any(ctx, pred);
    const sides = l.bound?.sides;
    if (sides) {
      if (op === '!=') {
        return (ctx) => {
          let seen = false;
          for (const s of sides) {
            const v = s(ctx);
            if (v === undefined) continue;
            seen = true;
            if (!pred(v)) return false;
          }
          return seen;
        };
      }
      return (ctx) => {
        for (const s of sides) {
          const v = s(ctx);
          if (v !== undefined && pred(v)) return true;
        }
        return false;
      };
    }
    const x = l.extract;
    return (ctx) => {
      const v = x(ctx);
      return v !== undefined && pred(v);
    };
  }

  /** evt.type checks compile to a lookup table by event code, after validating every name. */
  private eventType(e: BinaryCheck, names: readonly string[]): CompiledFilter {
    if (e.mod || !['=', '==', '!=', 'in', 'intersects'].includes(e.op)) {
      let pred: Pred;
      try {
        pred = constantPred('string', false, e.op, e.mod, names);
      } catch (err) {
        // (found by bench/fuzz: `evt.type regex [` threw a bare ValueError)
        if (err instanceof ValueError) throw new FilterCompileError(err.message, e.right.pos);
        throw err;
      }
      return (ctx) => pred(ctx.evt.info.name);
    }
    for (const n of names) {
      if (!isEventName(n)) throw new FilterCompileError(`unknown event type ${n}`, e.right.pos);
    }
    const wanted = new Set(names);
    const table = new Uint8Array(EVENT_TABLE.length + 1);
    EVENT_TABLE.forEach((ev, code) => {
      if (wanted.has(ev.name) && !GENERIC_CODES.has(code)) table[code] = 1;
    });
    const generic = names.filter((n) => !EVENT_NAMES.has(n));
    // The container plugin's async events are named like the old container events (libs maps an
    // async event's name to PPME_ASYNCEVENT_E): their evt.type is the name they carry.
    const asyncNamed = names.some((n) => ASYNC_EVENT_NAMES.has(n));
    if (generic.length === 0 && !asyncNamed && e.op !== '!=') {
      const matches: CompiledFilter = (ctx) => table[ctx.evt.type] === 1;
      typeTables.set(matches, table);
      return matches;
    }
    const matches: CompiledFilter = generic.length === 0 && !asyncNamed
      ? (ctx) => table[ctx.evt.type] === 1
      : (ctx) => table[ctx.evt.type] === 1 || ((GENERIC_CODES.has(ctx.evt.type) || ctx.evt.type === ASYNCEVENT_E) && wanted.has(eventName(ctx.evt)));
    return e.op === '!=' ? (ctx) => !matches(ctx) : matches;
  }

  private fieldToField(e: BinaryCheck, l: FieldOperand): CompiledFilter {
    if (e.op === 'pmatch' || e.op === 'regex') {
      throw new FilterCompileError(`filter error: operator '${e.op}' doesn't support right-hand side fields`, e.right.pos);
    }
    if (l.bound?.sides || l.type === 'ipnet') {
      throw new FilterCompileError(`filter error: field '${l.name}' doesn't support right-hand side fields`, e.right.pos);
    }
    const r = this.operand(e.right as FieldLike, true);
    if (r.type !== l.type || r.list !== l.list) {
      throw new FilterCompileError(
        `filter error: field '${l.name}' has type '${typeLabel(l.type)}' while the right-hand side field '${r.name}' has incompatible type '${typeLabel(r.type)}'`,
        e.right.pos,
      );
    }
    const cmp = fieldPred(l.type, e.op);
    const rx = r.extract;
    const any = l.bound?.anyAncestor;
    if (any) {
      return (ctx) => {
        const b = rx(ctx);
        return b !== undefined && any(ctx, (a) => cmp(a, b));
      };
    }
    const lx = l.extract;
    return (ctx) => {
      const a = lx(ctx);
      if (a === undefined) return false;
      const b = rx(ctx);
      return b !== undefined && cmp(a, b);
    };
  }
}

const REGEX_SPECIAL = '.+*?^$()[]{}|\\';
const TRANSFORMER_NAMES = supportedFieldTransformers(true);

/** A regex value that needs no regex: only anchors or leading/trailing `.*` around plain text. */
function regexIsPlain(v: string): boolean {
  const len = v.length;
  for (let i = 0; i < len; i++) {
    if ((i === 0 && v[i] === '^') || (i === len - 1 && v[i] === '$')) continue;
    if (((i === 0 && len > 1) || i === len - 2) && v[i] === '.' && '+*?'.includes(v[i + 1]!)) {
      i++;
      continue;
    }
    if (REGEX_SPECIAL.includes(v[i]!)) return false;
  }
  return true;
}

/**
 * libsinsp's compiler warnings on constant values (check_value_and_add_warnings): a regex that
 * simpler operators could do, a value that is a field name (a forgotten val()), a value that
 * looks like a transformer call. Values are checked with blanks removed.
 */
function warnOnValues(expr: Expr, warn: (message: string, pos: Pos) => void): void {
  forEachNode(expr, (n) => {
    if (n.kind !== 'binary' || (n.right.kind !== 'list' && n.right.kind !== 'value')) return;
    const pos = n.right.pos;
    const vals = n.right.kind === 'list' ? n.right.values.map((v) => v.value) : [n.right.value];
    for (const v of vals) {
      if (n.op === 'regex' && regexIsPlain(v)) {
        warn(`regex check with '${v}' may be optimized with simpler operators such as 'EQ', 'CONTAINS', 'STARTSWITH', 'ENDSWITH'`, pos);
      }
      // every field name has a dot, every transformer call a parenthesis
      if (!v.includes('.') && !v.includes('(')) continue;
      const stripped = v.replace(/\s+/g, '');
      if (hasField(stripped)) warn(`'${v}' may be a valid field misused as a const string value`, pos);
      for (const t of TRANSFORMER_NAMES) {
        if (stripped.length >= t.length + 2 && stripped.startsWith(t) && stripped[t.length] === '(' && stripped.endsWith(')')) {
          warn(`'${v}' may be a valid field transformer misused as a const string value`, pos);
        }
      }
    }
  });
}

/** The operands of a chain of the same connective: expanded macros nest `a and (b and c)`,
 *  which evaluates like `a and b and c` but costs a closure call per level. */
function flatten(e: Expr & { kind: 'and' | 'or' }): Expr[] {
  const out: Expr[] = [];
  for (const c of e.children) {
    if (c.kind === e.kind) out.push(...flatten(c));
    else out.push(c);
  }
  return out;
}

function constOperand(a: ValueExpr): FieldOperand {
  const v: Value = a.value;
  return { extract: () => v, type: 'string', list: false, name: a.value };
}

const LABELS: Record<FieldType, string> = {
  string: 'CHARBUF', int: 'INT64', uint: 'UINT64', bool: 'BOOL', ipaddr: 'IPADDR', ipnet: 'IPNET', port: 'PORT',
  abstime: 'ABSTIME', reltime: 'RELTIME', bytes: 'BYTEBUF', double: 'DOUBLE',
};
const typeLabel = (t: FieldType): string => LABELS[t];

/**
 * A comparison with fd.*ip.name asks for its names to be resolved the first time an event reaches
 * it, as libsinsp's DNS manager resolves a name on its first match: names of disabled rules, or
 * behind conditions no event gets past, never cause a DNS query.
 */
function resolvingNamesOnFirstUse(check: CompiledFilter, names: readonly string[]): CompiledFilter {
  // The names go to the state's HostNames: a compiled rule can serve more than one agent, so it
  // remembers the last one it told rather than whether it told one.
  let told: StateView['hostNames'] | undefined;
  return (ctx) => {
    const hostNames = ctx.state.hostNames;
    if (hostNames !== told) {
      told = hostNames;
      for (const n of names) hostNames.watch(n);
    }
    return check(ctx);
  };
}
