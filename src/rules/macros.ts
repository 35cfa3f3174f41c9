// Macro references in conditions: an identifier in check position is replaced by a copy of the
// macro's AST, recursively (falco filter_macro_resolver.cpp). A macro sees the macros defined
// before its latest change; a rule sees them all. Macros reached this way are "used".

import { type Expr, type Pos, copyConnectives } from '../filter/index.js';
import type { Collector } from './collector.js';
import { conditionFilePosition, parseWithLists, type ConditionOwner } from './conditions.js';
import { LoadContext } from './context.js';
import type { CompiledList } from './lists.js';
import { RuleLoadError } from './result.js';

export interface CompiledMacro {
  name: string;
  /** Macro-expanded AST. */
  condition: Expr;
  used: boolean;
}

/** Compiled macros by name (a Map, or macros compiled as they are asked for). */
export interface MacroLookup {
  get(name: string): CompiledMacro | undefined;
}

interface MacroReference {
  name: string;
  pos: Pos;
}

export interface MacroResolution {
  /** The condition with every resolvable reference expanded (the input may be reused). */
  expr: Expr;
  /** Macros expanded, including those reached through other macros. */
  resolved: MacroReference[];
  /** Identifiers that name no visible macro (and loop references). */
  unknown: MacroReference[];
  /** "reference loop in macro 'x'" errors. */
  errors: Array<{ message: string; pos: Pos }>;
}

/**
 * Expands macro references in `expr`; `lookup` gives the AST of each macro visible here.
 * And/or/not nodes of `expr` are updated in place; a macro's and/or/not nodes are copied
 * before being spliced in, so they are never shared (its checks, never updated, are).
 */
export function resolveMacros(expr: Expr, lookup: (name: string) => Expr | undefined): MacroResolution {
  const out: MacroResolution = { expr, resolved: [], unknown: [], errors: [] };
  const path: string[] = [];

  const visit = (node: Expr): Expr => {
    switch (node.kind) {
      case 'and':
      case 'or':
        for (let i = 0; i < node.children.length; i++) node.children[i] = visit(node.children[i]!);
        return node;
      case 'not':
        node.child = visit(node.child);
        return node;
      case 'identifier': {
        const macro = lookup(node.name);
        if (!macro) {
          out.unknown.push({ name: node.name, pos: node.pos });
          return node;
        }
        if (path.includes(node.name)) {
          out.errors.push({ message: `reference loop in macro '${node.name}'`, pos: node.pos });
          out.unknown.push({ name: node.name, pos: node.pos });
          return node;
        }
        path.push(node.name);
        const expanded = visit(copyConnectives(macro));
        out.resolved.push({ name: node.name, pos: node.pos });
        path.pop();
        return expanded;
      }
      default:
        // Checks hold no macro references: identifiers there are values.
        return node;
    }
  };

  out.expr = visit(expr);
  return out;
}

/**
 * Parses every macro (lists substituted), then expands each, in definition order, with the
 * macros defined before its latest change. The first error stops compiling.
 */
export function compileMacros(collector: Collector, lists: Map<string, CompiledList>): Map<string, CompiledMacro> {
  const out = new Map<string, CompiledMacro>();
  for (const info of collector.macros.values()) {
    out.set(info.name, { name: info.name, condition: parseWithLists(info.condition, lists, info, collector.parsedConditions).expr, used: false });
  }
  for (const info of collector.macros.values()) {
    const macro = out.get(info.name)!;
    macro.condition = expandMacros(macro.condition, info.condition, info, out, (name) => {
      const m = collector.macros.get(name);
      return m !== undefined && m.index < info.visibility;
    });
  }
  return out;
}

/**
 * Expands the macro references of a parsed condition (`text` is what was parsed). A loop, else
 * the first unknown macro, is a LOAD_ERR_VALIDATE error ("Undefined macro 'x' used in
 * filter."); expanded macros are marked used.
 */
export function expandMacros(
  expr: Expr,
  text: string,
  owner: ConditionOwner,
  macros: MacroLookup,
  visible: (name: string) => boolean,
): Expr {
  const res = resolveMacros(expr, (name) => (visible(name) ? macros.get(name)?.condition : undefined));
  const loop = res.errors[0];
  const unknown = res.unknown[0];
  if (loop || unknown) {
    const pos = loop ? loop.pos : unknown!.pos;
    const message = loop ? loop.message : `Undefined macro '${unknown!.name}' used in filter.`;
    // The reference may sit in a macro's text rather than this condition's: map it to the
    // file only when the identifier really is at that place of this condition.
    const filePos = unknown && text.startsWith(unknown.name, pos.idx) ? conditionFilePosition(pos, text, owner.conditionSource) : undefined;
    throw new RuleLoadError('LOAD_ERR_VALIDATE', message, LoadContext.inCondition(pos, text, owner.context, filePos));
  }
  for (const r of res.resolved) macros.get(r.name)!.used = true;
  return res.expr;
}
