// Compiles the conditions of all the rules indexed under one event code into one JS function
// (generated source, `new Function`; a few for a group too large for V8 to optimise as one), so
// that an event costs one call instead of a closure tree per rule:
//  - evt.type checks are decided at compile time: the event code is known;
//  - each field is read at most once per event, into a local of the function;
//  - a check or an and/or subexpression that several rules repeat (the open_read macro ...) is
//    computed once per event, into a local, when it costs more than reading that local;
//  - in an and/or chain, checks reading costly fields (parameters rendered as text, command
//    lines, ancestors) come after the cheap ones: the chain's value is the same, known sooner;
//  - common comparisons (=, !=, in, startswith, numeric) are inlined; every other check calls
//    the predicate or check closure the per-rule compiler builds, so semantics stay its own;
//  - checks of a file fd's name, raw name, directory and file name are answered once per path:
//    their results are kept with the path the fd was opened by (NamedPath.checkMemo), since a
//    process opens the same files over and over and string searches cost most of a rule; an
//    and/or made of such checks alone (`fd.name startswith /srv/app/ or fd.filename in (...)`,
//    or the path checks of one and/or chain taken together) is kept as one answer;
//  - a costly check of another field with constants (a set lookup, a search) is answered from
//    the last value it was asked of when asked of that value again: a process's checks see the
//    same name and command line on every open it makes.
// Each rule keeps its own compiled filter as well (Ruleset.firstMatch, tests, benchmarks).
// The generated function calls onMatch(rules[i]) for each matching condition i (stopping after
// the first with `first`) and returns the number of matches.
import type { BinaryCheck, Expr, FieldLike, ListExpr, Node, UnaryCheck, ValueExpr } from './ast.js';
import { astToString } from './ast-string.js';
import { compileExtractor, compileFilter, type CompiledFilter, type FieldOperand } from './condition-compiler.js';
import { resolveField } from './fields/index.js';
import { constantPred } from './operators.js';
import { parseBool, parseNumber, parsePort } from './values.js';
import { EF, EVENT_TABLE } from '../events/index.js';
import type { EventContext, NamedPath } from '../state/model/index.js';

export type GroupFilter = <R>(ctx: EventContext, rules: readonly R[], onMatch: (rule: R) => void) => number;

/** Event codes of syscalls without an event of their own: their evt.type is not the code's name. */
const GENERIC_CODES = new Set([0, 1]);
/** evt.type operators the compiler turns into a table lookup by code. */
const TABLE_OPS = new Set(['=', '==', '!=', 'in', 'intersects']);
/** An `in` list up to this size is a chain of ===, beyond it a Set lookup. */
const MAX_INLINE_IN = 4;
/** Fields whose value is a function of a file fd's NamedPath alone (fd.ts: the name and the
 *  raw name are the path's text, FdInfo.namePath; directory and file name are made of it for a
 *  'file' fd). */
const PATH_FIELDS = new Set(['fd.name', 'fd.directory', 'fd.filename', 'fd.nameraw']);
/** Field types whose values are primitives (lastAnswer compares them by value; a Buffer could
 *  be one object given again with other bytes). */
const PRIMITIVE_TYPES = new Set(['string', 'int', 'uint', 'bool', 'port', 'abstime', 'reltime', 'double']);
/** Event flags without which the fd fields have no value (fd.ts hasFd). */
const FD_EVENT = EF.CREATES_FD | EF.USES_FD | EF.DESTROYS_FD;

/*
 * What the groups need of a node, made once per node: rules share the checks of the macros
 * they expand (see copyConnectives), and every code a rule is indexed under builds a group.
 */
const texts = new WeakMap<Node, string>();
const checks = new WeakMap<Expr, CompiledFilter>();
const operands = new WeakMap<FieldLike, FieldOperand>();
const preds = new WeakMap<Expr, unknown>();
const sets = new WeakMap<Expr, Set<unknown>>();

function memo<K extends object, V>(map: WeakMap<K, V>, key: K, make: () => V): V {
  let v = map.get(key);
  if (v === undefined) map.set(key, (v = make()));
  return v;
}
const textOf = (n: Node): string => memo(texts, n, () => astToString(n));
const checkOf = (e: Expr): CompiledFilter => memo(checks, e, () => compileFilter(e));
const operandOf = (f: FieldLike): FieldOperand => memo(operands, f, () => compileExtractor(f));

/** Generated code for a condition, or its value when known at compile time. */
type Code = string | boolean;

/** One check's code and whether it costs about as much as reading a cached result. */
interface CheckCode {
  code: string;
  cheap: boolean;
}

/**
 * One function evaluating `conditions` (macro-expanded, compiled successfully before) in order
 * for events of `eventCode`. Throws what the per-rule compiler throws for a bad condition.
 */
export function compileGroup(conditions: readonly Expr[], eventCode: number, first: boolean): GroupFilter {
  return compileParts(conditions, 0, eventCode, first);
}

/**
 * Generated source past this many characters is compiled as two functions (each split again if
 * need be), called one after the other: V8 does not optimise a function of more than 60 KB of
 * bytecode (--max-optimized-bytecode-size), and a group past that stays in the interpreter.
 * Measured with bench/engine-replay --site-rules N (the upstream rules and N rules of a site's
 * own on opens): the openat group as one function was optimised at 88 KB of source (40 site
 * rules, 404-429 ns/event) and not at 93 KB (45 rules, 1,952 ns); 120 site rules cost 3,450 ns
 * per event as one function, 810 in three. The margin costs a group just under the limit ~15%
 * (88 KB split in two: 473-489 ns). The upstream rules' largest group (openat) is 64 KB.
 */
const MAX_GROUP_SOURCE = 80_000;

/** The group of `conditions`, which are the rules from index `offset` of the whole group. */
function compileParts(conditions: readonly Expr[], offset: number, eventCode: number, first: boolean): GroupFilter {
  const { source, make } = new GroupCompiler(eventCode).generate(conditions, first, offset);
  if (source.length <= MAX_GROUP_SOURCE || conditions.length < 2) return make();
  const half = conditions.length >> 1;
  const a = compileParts(conditions.slice(0, half), offset, eventCode, first);
  const b = compileParts(conditions.slice(half), offset + half, eventCode, first);
  // with `first` a part returns 1 once a rule matched, and the rest is not evaluated
  return first ? (ctx, rules, onMatch) => a(ctx, rules, onMatch) || b(ctx, rules, onMatch) : (ctx, rules, onMatch) => a(ctx, rules, onMatch) + b(ctx, rules, onMatch);
}

class GroupCompiler {
  /** Values the generated code refers to, as k0, k1 ... of the enclosing factory. */
  private readonly consts: unknown[] = [];
  /** Field (or transformer) text → index of its local f<i> and its extractor k<j>. */
  private readonly fields = new Map<string, { local: number; extractor: string }>();
  /** Check or subexpression (see idOf) → how many times the conditions use it. */
  private readonly uses = new Map<number, number>();
  /** Check or subexpression → its result local c<i> (0 not computed yet, 1 false, 2 true). */
  private readonly shared = new Map<number, { local: number; code: string }>();
  /** Ids of distinct checks and subexpressions, by their canonical form. */
  private readonly ids = new Map<string, number>();
  private readonly nodeIds = new Map<Expr, number>();
  private readonly knownValues = new Map<Expr, boolean | undefined>();
  /** The path memo's owner (this group) and size: the checks answered through it (pathMemo).
   *  Apart from the compiler, which the generated code must not keep alive. */
  private readonly memo = { owner: {}, size: 0 };
  /** The constant reading the event's path memo, once a check uses it. */
  private memoReader: string | undefined = undefined;
  /** Memo index of each check kept there, by check id. */
  private readonly memoIndex = new Map<number, number>();
  /** Whether each node is made of path checks alone (see pathOnly). */
  private readonly pathOnlyValues = new Map<Expr, boolean>();
  /** Inside the code of an and/or kept whole in the path memo: its checks are computed plainly. */
  private plainPaths = 0;
  /** The index of each check answered from its last value (lastAnswer), by check id. */
  private readonly lastIndex = new Map<number, number>();

  constructor(private readonly eventCode: number) {}

  /** The source of the group of `conditions` (the rules from index `offset`) and its maker. */
  generate(conditions: readonly Expr[], first: boolean, offset: number): { source: string; make: () => GroupFilter } {
    // Rules indexed under many codes are false for most of them by their evt.type checks alone.
    const live = conditions.map((c) => this.known(c) !== false);
    conditions.forEach((c, i) => live[i] && this.count(c));
    const body: string[] = [];
    conditions.forEach((c, i) => {
      if (!live[i]) return;
      const code = this.expr(c);
      if (code === false) return;
      body.push(`  if (${code}) { onMatch(rules[${offset + i}]); ${first ? 'return 1;' : 'n++;'} }`);
    });
    const locals: string[] = [];
    // the path memo (pathMemo) is read first: most events of a group with path checks reach one
    if (this.memoReader !== undefined) locals.push(`pm = ${this.memoReader}(ctx)`);
    for (const f of this.fields.values()) locals.push(`f${f.local} = null`);
    for (const c of this.shared.values()) locals.push(`c${c.local} = 0`);
    const source = [
      '"use strict";',
      ...this.consts.map((_, i) => `const k${i} = K[${i}];`),
      // each last-answered check's last value (none yet) and its answer: kept across events
      ...[...this.lastIndex.values()].map((j) => `let lv${j} = undefined, la${j} = false;`),
      `return function rules_for_code_${this.eventCode}(ctx, rules, onMatch) {`,
      ...[...this.fields].map(([key, f]) => `  // f${f.local}: ${key.replace(/[\r\n\u2028\u2029]/g, ' ')}`),
      locals.length > 0 ? `  let ${locals.join(', ')};` : '',
      '  let n = 0;',
      ...body,
      '  return n;',
      '};',
    ].join('\n');
    const consts = this.consts;
    return {
      source,
      // The point of this module: one generated function per event code (see the top comment).
      // eslint-disable-next-line @typescript-eslint/no-implied-eval
      make: () => (new Function('K', source) as (consts: unknown[]) => GroupFilter)(consts),
    };
  }

  /**
   * The same id for equal checks (same text) and equal subexpressions (same connective over
   * the same operands, nested chains of one connective counting as one): rules repeat whole
   * macros, such as open_read, as well as single checks.
   */
  private idOf(e: Expr): number {
    let id = this.nodeIds.get(e);
    if (id !== undefined) return id;
    let form: string;
    switch (e.kind) {
      case 'and': case 'or': form = `${e.kind}(${flatten(e, () => false).map((c) => this.idOf(c)).join(',')})`; break;
      case 'not': form = `not(${this.idOf(e.child)})`; break;
      default: form = `check ${textOf(e)}`;
    }
    id = this.ids.get(form);
    if (id === undefined) this.ids.set(form, (id = this.ids.size));
    this.nodeIds.set(e, id);
    return id;
  }

  /**
   * The value of `e` when its evt.type checks alone decide it for this group's code (see
   * knownEventType), without generating any code.
   */
  private known(e: Expr): boolean | undefined {
    if (this.knownValues.has(e)) return this.knownValues.get(e);
    let v: boolean | undefined;
    switch (e.kind) {
      case 'and': case 'or': {
        const stop = e.kind === 'or';
        let all = true;
        for (const c of e.children) {
          const k = this.known(c);
          if (k === stop) {
            v = stop;
            break;
          }
          if (k === undefined) all = false;
        }
        if (v === undefined && all) v = !stop;
        break;
      }
      case 'not': {
        const k = this.known(e.child);
        v = k === undefined ? undefined : !k;
        break;
      }
      case 'unary': case 'binary': v = this.knownEventType(e); break;
      case 'identifier': v = undefined;
    }
    this.knownValues.set(e, v);
    return v;
  }

  /** Counts the uses of each check and subexpression, to know which are worth a result local. */
  private count(e: Expr): void {
    if (this.known(e) !== undefined) return; // no code: folded to a constant
    const id = this.idOf(e);
    this.uses.set(id, (this.uses.get(id) ?? 0) + 1);
    switch (e.kind) {
      case 'and': case 'or': for (const c of e.children) this.count(c); return;
      case 'not': this.count(e.child); return;
      default: return;
    }
  }

  /** An and/or the conditions use more than once: computed once per event, kept in a local. */
  private isShared(e: Expr): boolean {
    return (e.kind === 'and' || e.kind === 'or') && (this.uses.get(this.idOf(e)) ?? 0) > 1;
  }

  private expr(e: Expr): Code {
    switch (e.kind) {
      case 'and': case 'or': {
        if (this.plainPaths === 0 && this.pathOnly(e)) return this.wholePathMemo(e);
        // a shared subexpression stays whole (not merged into the chain around it)
        const code = this.chain(flatten(e, (c) => this.isShared(c)), e.kind === 'or');
        return typeof code === 'boolean' || !this.isShared(e) ? code : this.slot(this.idOf(e), code);
      }
      case 'not': {
        const c = this.expr(e.child);
        return typeof c === 'boolean' ? !c : `!${c}`;
      }
      case 'identifier': return this.call(checkOf(e)); // throws: macros are expanded before
      case 'unary': case 'binary': return this.check(e);
    }
  }

  /**
   * An and (stop = false) or or (stop = true) chain, without the children known to be !stop,
   * the cheap children first (see inCostOrder).
   */
  private chain(children: readonly Expr[], stop: boolean): Code {
    if (children.some((c) => this.known(c) === stop)) return stop;
    const parts: string[] = [];
    for (const child of inCostOrder(this.pathChecksTogether(children, stop))) {
      const c = this.expr(child);
      if (c === stop) return stop;
      if (c !== !stop) parts.push(c as string);
    }
    if (parts.length === 0) return !stop;
    return parts.length === 1 ? parts[0]! : `(${parts.join(stop ? ' || ' : ' && ')})`;
  }

  private check(e: UnaryCheck | BinaryCheck): Code {
    const known = this.knownEventType(e);
    if (known !== undefined) return known;
    // in an and/or kept whole, a path check is computed once per path already: no local
    if (this.plainPaths > 0 && e.kind === 'binary' && this.isPathCheck(e)) return this.binary(e).code;
    const id = this.idOf(e);
    if (this.shared.has(id)) return this.slot(id, '');
    const { code, cheap } = e.kind === 'unary' ? this.unary(e) : this.binary(e);
    if (cheap || (this.uses.get(id) ?? 0) < 2) return code;
    return this.slot(id, code);
  }

  /** Whether this code's events have fd fields (else they have no value, and nothing to keep). */
  private memoizesPaths(): boolean {
    return !GENERIC_CODES.has(this.eventCode) && ((EVENT_TABLE[this.eventCode]?.flags ?? 0) & FD_EVENT) !== 0;
  }

  /**
   * A check of a path field (PATH_FIELDS), answered from the memo of the event's file fd's
   * path (2 true, 1 false, 0 not yet: then computed by `code` and kept). Only checks whose
   * code reads nothing but that field come here (binary's constant predicates), so the result
   * is the path's alone. An event without such a path gets a memo of its own, cleared for it.
   * The code is small (a predicate call rather than inline comparisons, one memo read): V8
   * optimises a function only up to a bytecode size, and the openat group of the upstream rules
   * is a large one (33 KB of the 60 KB before this memo; 40 KB with it).
   */
  private pathMemo(id: number, code: string): string {
    let j = this.memoIndex.get(id);
    if (j === undefined) this.memoIndex.set(id, (j = this.memo.size++));
    if (this.memoReader === undefined) {
      // (the size is final once every condition is compiled, before any event)
      const memo = this.memo;
      let scratch = new Uint8Array(0);
      this.memoReader = this.constant((ctx: EventContext): Uint8Array => {
        const fd = ctx.fd;
        const path: NamedPath | undefined = fd === undefined || fd.type !== 'file' ? undefined : fd.namePath;
        if (path !== undefined) return path.checkMemo(memo.owner, memo.size);
        if (scratch.length !== memo.size) scratch = new Uint8Array(memo.size);
        return scratch.fill(0);
      });
    }
    return `(pm[${j}] !== 0 ? pm[${j}] === 2 : (pm[${j}] = ${code} ? 2 : 1) === 2)`;
  }

  /**
   * Whether `e` is made of path checks alone (isPathCheck: its value is a function of the
   * event's file path), under and/or/not, with at least one check left once evt.type checks
   * are folded: then its whole value can be kept in the path memo.
   */
  private pathOnly(e: Expr): boolean {
    let v = this.pathOnlyValues.get(e);
    if (v !== undefined) return v;
    if (!this.memoizesPaths() || this.known(e) !== undefined) v = false;
    else {
      switch (e.kind) {
        case 'and': case 'or': v = e.children.every((c) => this.known(c) !== undefined || this.pathOnly(c)); break;
        case 'not': v = this.pathOnly(e.child); break;
        case 'binary': v = this.isPathCheck(e); break;
        default: v = false;
      }
    }
    this.pathOnlyValues.set(e, v);
    return v;
  }

  /** An and/or of path checks alone, answered once per path (see pathOnly): one memo entry. */
  private wholePathMemo(e: Expr & { kind: 'and' | 'or' }): Code {
    this.plainPaths++;
    let code: Code;
    try {
      code = this.chain(flatten(e, () => false), e.kind === 'or');
    } finally {
      this.plainPaths--;
    }
    return typeof code === 'boolean' ? code : this.pathMemo(this.idOf(e), code);
  }

  /**
   * A chain's children with its path-only ones (two or more; see pathOnly) taken together as
   * one and/or where the first of them stood, to be answered as one per path. Moving checks
   * without effects changes only how soon the chain's value is known; a chain with a check
   * that has an effect keeps its order (see inCostOrder).
   */
  private pathChecksTogether(children: readonly Expr[], stop: boolean): readonly Expr[] {
    if (this.plainPaths > 0 || !this.memoizesPaths() || children.some(hasEffect)) return children;
    const paths = children.filter((c) => this.known(c) === undefined && this.pathOnly(c));
    if (paths.length < 2) return children;
    const together: Expr = { kind: stop ? 'or' : 'and', children: paths, pos: paths[0]!.pos };
    return children.flatMap((c) => (c === paths[0] ? [together] : paths.includes(c) ? [] : [c]));
  }

  /** The result local of check or subexpression `id`, computed by `code` on first use. */
  private slot(id: number, code: string): string {
    let slot = this.shared.get(id);
    if (slot === undefined) this.shared.set(id, (slot = { local: this.shared.size, code }));
    const c = `c${slot.local}`;
    return `(${c} !== 0 ? ${c} === 2 : (${c} = ${slot.code} ? 2 : 1) === 2)`;
  }

  /**
   * An evt.type check by equality or membership, decided for this group's code with the
   * compiled check itself (a table lookup by code). Undefined for other checks and for the
   * generic codes, where the syscall's name comes from the event.
   */
  private knownEventType(e: UnaryCheck | BinaryCheck): boolean | undefined {
    if (e.kind !== 'binary' || e.mod || !TABLE_OPS.has(e.op) || GENERIC_CODES.has(this.eventCode)) return undefined;
    if (e.left.kind !== 'field' || e.left.name !== 'evt.type' || e.left.arg !== undefined) return undefined;
    if (e.right.kind !== 'value' && e.right.kind !== 'list') return undefined;
    const byCode = checkOf(e);
    return byCode({ evt: { type: this.eventCode } } as EventContext);
  }

  private unary(e: UnaryCheck): CheckCode {
    const l = operandOf(e.left);
    if (l.bound?.sides || l.bound?.anyAncestor) return { code: this.call(checkOf(e)), cheap: false };
    return { code: `(${this.read(e, l)} !== undefined)`, cheap: true };
  }

  /** Whether the compiler inlines `e` as a comparison of one field with constants (binary). */
  private inlined(e: BinaryCheck): e is BinaryCheck & { right: ValueExpr | ListExpr } {
    if (e.right.kind !== 'value' && e.right.kind !== 'list') return false;
    const l = operandOf(e.left);
    // Either-side and ancestor fields, fd.*ip.name (resolved on first use): the compiler's check.
    if (l.bound?.sides || l.bound?.anyAncestor || l.list || e.mod || l.def?.resolvesNames) return false;
    return !(e.left.kind === 'field' && e.left.name === 'evt.type');
  }

  /** A check of a path field (PATH_FIELDS) with constants: its value is the path's alone. */
  private isPathCheck(e: BinaryCheck): boolean {
    return isPathField(e.left) && this.inlined(e);
  }

  private binary(e: BinaryCheck): CheckCode {
    if (!this.inlined(e)) return { code: this.call(checkOf(e)), cheap: false };
    const l = operandOf(e.left);
    const values = e.right.kind === 'list' ? e.right.values.map((v) => v.value) : [e.right.value];
    const v = `f${this.field(e, l)}`;
    const inline = this.inlinePred(l, e, values, v);
    const pred = (): string => this.constant(memo(preds, e, () => constantPred(l.type, l.list, e.op, e.mod, values)));
    const path = isPathField(e.left);
    if (path && this.plainPaths === 0 && (inline === undefined || !inline.cheap || isSearch(e)) && this.memoizesPaths()) {
      return { code: this.pathMemo(this.idOf(e), `(${this.read(e, l)} !== undefined && ${pred()}(${v}))`), cheap: true };
    }
    const test = inline ?? { code: `${pred()}(${v})`, cheap: false };
    // (a path check inside an and/or kept whole is computed once per path already)
    const last = !test.cheap && PRIMITIVE_TYPES.has(l.type) && !(path && this.plainPaths > 0);
    const answer = last ? this.lastAnswer(this.idOf(e), v, test.code) : test.code;
    return { code: `(${this.read(e, l)} !== undefined && ${answer})`, cheap: test.cheap };
  }

  /**
   * `code`, a costly test of local `v` against constants (a set lookup, a search, a glob ...),
   * answered from the last value it was asked of when `v` is that value again: such a test is a
   * function of the value alone, and the checks of a process (proc.name in (...), on every open
   * it makes) see the same value, most often the same string, event after event.
   */
  private lastAnswer(id: number, v: string, code: string): string {
    let j = this.lastIndex.get(id);
    if (j === undefined) this.lastIndex.set(id, (j = this.lastIndex.size));
    return `(${v} === lv${j} ? la${j} : (la${j} = ${code}, lv${j} = ${v}, la${j}))`;
  }

  /** The comparison of local `v` (a defined value) with the constants, inline, for the common cases. */
  private inlinePred(l: FieldOperand, e: BinaryCheck, values: readonly string[], v: string): CheckCode | undefined {
    const op = e.op;
    const member = op === 'in' || op === 'intersects';
    switch (l.type) {
      case 'string': {
        const lit = (s: string): string => JSON.stringify(s);
        if (member) {
          if (values.length === 0) return { code: 'false', cheap: true };
          if (values.length <= MAX_INLINE_IN) return { code: `(${values.map((s) => `${v} === ${lit(s)}`).join(' || ')})`, cheap: values.length <= 2 };
          return { code: `${this.constant(memo(sets, e, () => new Set(values)))}.has(${v})`, cheap: false };
        }
        if (values.length !== 1) return undefined;
        const s = values[0]!;
        switch (op) {
          case '=': case '==': return { code: `${v} === ${lit(s)}`, cheap: true };
          case '!=': return { code: `${v} !== ${lit(s)}`, cheap: true };
          case 'startswith': return { code: `${v}.startsWith(${lit(s)})`, cheap: true };
          case 'endswith': return { code: `${v}.endsWith(${lit(s)})`, cheap: true };
          case 'contains': return { code: `${v}.includes(${lit(s)})`, cheap: false };
          default: return undefined;
        }
      }
      case 'int': case 'uint': case 'reltime': case 'double': case 'port': {
        const parse = l.type === 'port' ? parsePort : parseNumber;
        const nums = values.map(parse);
        if (member) return { code: `${this.constant(memo(sets, e, () => new Set(nums)))}.has(${v})`, cheap: false };
        if (nums.length !== 1) return undefined;
        const n = this.number(nums[0]!);
        switch (op) {
          case '=': case '==': return { code: `${v} === ${n}`, cheap: true };
          case '!=': return { code: `${v} !== ${n}`, cheap: true };
          case '<': case '<=': case '>': case '>=': return { code: `${v} ${op} ${n}`, cheap: true };
          default: return undefined;
        }
      }
      case 'bool': {
        if (member || values.length !== 1) return undefined;
        const b = parseBool(values[0]!);
        return { code: `${v} ${op === '!=' ? '!==' : '==='} ${b}`, cheap: true };
      }
      default:
        return undefined;
    }
  }

  /** A number as code: a literal when it prints as itself, else a constant. */
  private number(n: number): string {
    return Number.isSafeInteger(n) && !Object.is(n, -0) ? `(${n})` : this.constant(n);
  }

  /** Index of the local holding the value of the check's left side for this event. */
  private field(e: UnaryCheck | BinaryCheck, l: FieldOperand): number {
    const key = textOf(e.left);
    let f = this.fields.get(key);
    if (f === undefined) this.fields.set(key, (f = { local: this.fields.size, extractor: this.constant(l.extract) }));
    return f.local;
  }

  /** Code yielding the left side's value, read on its first use in the event. */
  private read(e: UnaryCheck | BinaryCheck, l: FieldOperand): string {
    const i = this.field(e, l);
    const f = this.fields.get(textOf(e.left))!;
    return `(f${i} === null ? (f${i} = ${f.extractor}(ctx)) : f${i})`;
  }

  private call(check: CompiledFilter): string {
    return `${this.constant(check)}(ctx)`;
  }

  private constant(value: unknown): string {
    this.consts.push(value);
    return `k${this.consts.length - 1}`;
  }
}

/** Whether `f` is a path field (PATH_FIELDS) without an argument. */
function isPathField(f: FieldLike): boolean {
  return f.kind === 'field' && f.arg === undefined && PATH_FIELDS.has(f.name);
}

/** startswith and endswith are inlined as one call, but a call into the runtime that costs
 *  about what a search does: worth keeping in a path's memo. */
function isSearch(e: BinaryCheck): boolean {
  return e.op === 'startswith' || e.op === 'endswith';
}

/**
 * Fields whose value is built per event (parameters rendered as text, command lines joined,
 * ancestors walked, capabilities named): worth reading only when the cheap checks of a chain
 * did not decide it already.
 */
const COSTLY_FIELD = /^(?:evt\.(?:arg|args|rawarg|info)|proc\.(?:args|cmdline|pcmdline|acmdline|env|aenv|aname|apid|aexe|aexepath|exeline))(?:\.|$)|^thread\.cap_/;
const COSTLY_OPS = new Set(['glob', 'iglob', 'regex', 'icontains', 'pmatch']);

/** A check that does something besides answering: fd.*ip.name asks for the names' resolution. */
function hasEffect(e: Expr): boolean {
  switch (e.kind) {
    case 'and': case 'or': return e.children.some(hasEffect);
    case 'not': return hasEffect(e.child);
    case 'identifier': return true;
    case 'unary': case 'binary': return readsResolvingField(e.left) || (e.kind === 'binary' && e.right.kind !== 'value' && e.right.kind !== 'list');
  }
}

/** Whether `f` is, or a transformer reads, a field that resolves names (FieldDef.resolvesNames). */
function readsResolvingField(f: FieldLike): boolean {
  if (f.kind === 'field') return resolveField(f.name, f.arg)?.def.resolvesNames === true;
  return f.args.some((a) => {
    if (a.kind === 'field' || a.kind === 'transformer') return readsResolvingField(a);
    return a.kind === 'transformerList' && a.items.some((i) => i.kind !== 'value' && readsResolvingField(i));
  });
}

function isCostly(e: Expr): boolean {
  switch (e.kind) {
    case 'and': case 'or': return e.children.some(isCostly);
    case 'not': return isCostly(e.child);
    case 'identifier': return true;
    case 'unary': case 'binary':
      if (e.left.kind !== 'field' || COSTLY_FIELD.test(e.left.name)) return true;
      return e.kind === 'binary' && (COSTLY_OPS.has(e.op) || e.mod !== undefined);
  }
}

/**
 * The children of an and/or chain with the costly ones (see COSTLY_FIELD) after the others,
 * each group in written order. An and/or of checks without effects has the same value in any
 * order: only how soon it is known changes. Chains where a check has an effect keep their order.
 */
function inCostOrder(children: readonly Expr[]): readonly Expr[] {
  if (children.some(hasEffect)) return children;
  const costly = children.filter(isCostly);
  if (costly.length === 0 || costly.length === children.length) return children;
  return [...children.filter((c) => !isCostly(c)), ...costly];
}

/**
 * The operands of nested chains of the same connective (expanded macros nest `a and (b and c)`),
 * except nested chains `keep` says to keep whole.
 */
function flatten(e: Expr & { kind: 'and' | 'or' }, keep: (c: Expr) => boolean): Expr[] {
  const out: Expr[] = [];
  for (const c of e.children) {
    if (c.kind === e.kind && !keep(c)) out.push(...flatten(c, keep));
    else out.push(c);
  }
  return out;
}
