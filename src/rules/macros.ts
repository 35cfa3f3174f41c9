// Macro references in conditions: an identifier in check position is replaced by a copy of the
// macro's AST, recursively (falco filter_macro_resolver.cpp). Which macros are visible is up
// to the caller: a macro sees macros defined before its latest change, a rule sees them all.

import type { Expr, FieldLike, ListExpr, Node, Pos, TransformerArg, ValueExpr } from '../filter/ast.js';

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
 * Expands macro references in `expr` using `macros` (name → AST). Nodes of `expr` are updated
 * in place; macro ASTs are copied before being spliced in, so they are never shared.
 */
export function resolveMacros(expr: Expr, macros: ReadonlyMap<string, Expr>): MacroResolution {
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
        const macro = macros.get(node.name);
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

/** A deep copy of a condition AST. */
export function cloneExpr(expr: Expr): Expr {
  switch (expr.kind) {
    case 'and':
    case 'or':
      return { kind: expr.kind, children: expr.children.map(cloneExpr), pos: expr.pos };
    case 'not':
      return { kind: 'not', child: cloneExpr(expr.child), pos: expr.pos };
    case 'identifier':
      return { kind: 'identifier', name: expr.name, pos: expr.pos };
    case 'unary':
      return { kind: 'unary', left: cloneFieldLike(expr.left), op: expr.op, pos: expr.pos };
    case 'binary': {
      const copy: Expr = { kind: 'binary', left: cloneFieldLike(expr.left), op: expr.op, right: cloneOperand(expr.right), pos: expr.pos };
      if (expr.mod !== undefined) copy.mod = expr.mod;
      return copy;
    }
  }
}

function cloneFieldLike(node: FieldLike): FieldLike {
  return cloneOperand(node) as FieldLike;
}

function cloneOperand(node: Node): ValueExpr | ListExpr | FieldLike {
  switch (node.kind) {
    case 'field':
      return node.arg !== undefined
        ? { kind: 'field', name: node.name, arg: node.arg, pos: node.pos }
        : { kind: 'field', name: node.name, pos: node.pos };
    case 'transformer': {
      const args = node.args.map((a) => cloneOperand(a) as TransformerArg);
      return node.arg !== undefined
        ? { kind: 'transformer', name: node.name, args, arg: node.arg, pos: node.pos }
        : { kind: 'transformer', name: node.name, args, pos: node.pos };
    }
    case 'value':
      return { ...node };
    case 'list':
      return { kind: 'list', values: node.values.map((v) => ({ ...v })), pos: node.pos };
    default:
      throw new Error(`not an operand: ${node.kind}`);
  }
}
