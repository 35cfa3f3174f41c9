// Macro references in conditions: an identifier in check position is replaced by a copy of the
// macro's AST, recursively (falco filter_macro_resolver.cpp). Which macros are visible is up
// to the caller: a macro sees macros defined before its latest change, a rule sees them all.

import type { Expr, Pos } from '../filter/ast.js';
import { cloneExpr } from '../filter/ast-walk.js';

export interface MacroReference {
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
 * Nodes of `expr` are updated in place; macro ASTs are copied before being spliced in, so
 * they are never shared.
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
        const expanded = visit(cloneExpr(macro));
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
