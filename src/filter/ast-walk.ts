// Generic traversal of condition ASTs, for the macro resolver, the compiler and analyses.

import type { BinaryCheck, Expr, Node, Pos, ValueExpr } from './ast.js';

/** The direct sub-nodes of a node, in source order. */
export function childNodes(node: Node): readonly Node[] {
  switch (node.kind) {
    case 'and':
    case 'or':
      return node.children;
    case 'not':
      return [node.child];
    case 'unary':
      return [node.left];
    case 'binary':
      return [node.left, node.right];
    case 'transformer':
      return node.args;
    case 'list':
      return node.values;
    case 'transformerList':
      return node.items;
    case 'identifier':
    case 'field':
    case 'value':
      return [];
  }
}

/**
 * Visits `node` and everything below it, parents before children, in source order.
 * Returning `false` from `visit` skips the children of that node.
 */
export function forEachNode(
  node: Node,
  visit: (node: Node, parent: Node | undefined) => boolean | void,
  parent?: Node,
): void {
  if (visit(node, parent) === false) return;
  for (const child of childNodes(node)) forEachNode(child, visit, node);
}

/** Calls `visit` with every binary check of a condition, under and/or/not, negated or not. */
export function forEachBinaryCheck(expr: Expr, visit: (check: BinaryCheck) => void): void {
  switch (expr.kind) {
    case 'and':
    case 'or':
      for (const c of expr.children) forEachBinaryCheck(c, visit);
      break;
    case 'not':
      forEachBinaryCheck(expr.child, visit);
      break;
    case 'binary':
      visit(expr);
      break;
    default:
      break;
  }
}

/** The literal values a check compares with: its list's, its one value, none for a field. */
export function checkValues(check: BinaryCheck): readonly ValueExpr[] {
  return check.right.kind === 'list' ? check.right.values : check.right.kind === 'value' ? [check.right] : [];
}

/**
 * Rewrites the boolean structure of a condition top-down. `replace` sees every and/or/not node
 * and every check or identifier; when it returns an expression, that takes the node's place
 * (and is not walked further); when it returns undefined, the node is kept and its boolean
 * children are rewritten. Unchanged subtrees are shared with the input, so `result === expr`
 * means nothing changed. Typical use: substituting macro references (identifier nodes).
 */
export function mapExpr(expr: Expr, replace: (e: Expr) => Expr | undefined): Expr {
  const replaced = replace(expr);
  if (replaced !== undefined) return replaced;
  switch (expr.kind) {
    case 'and':
    case 'or': {
      let changed = false;
      const children = expr.children.map((c) => {
        const m = mapExpr(c, replace);
        if (m !== c) changed = true;
        return m;
      });
      return changed ? { ...expr, children } : expr;
    }
    case 'not': {
      const child = mapExpr(expr.child, replace);
      return child === expr.child ? expr : { ...expr, child };
    }
    default:
      return expr;
  }
}

/**
 * A copy of the and/or/not structure of `expr`, sharing its checks (which nothing updates):
 * what macro expansion needs, since it updates and/or/not nodes in place.
 */
export function copyConnectives(expr: Expr): Expr {
  switch (expr.kind) {
    case 'and':
    case 'or':
      return { kind: expr.kind, children: expr.children.map(copyConnectives), pos: expr.pos };
    case 'not':
      return { kind: 'not', child: copyConnectives(expr.child), pos: expr.pos };
    default:
      return expr;
  }
}

const clonePos = (p: Pos): Pos => ({ idx: p.idx, line: p.line, col: p.col });

/** A deep copy sharing nothing with the input (positions included). */
export function cloneExpr<T extends Node>(node: T): T {
  return cloneNode(node) as T;
}

function cloneNode(node: Node): Node {
  const pos = clonePos(node.pos);
  switch (node.kind) {
    case 'and':
    case 'or':
      return { kind: node.kind, children: node.children.map(cloneExpr), pos };
    case 'not':
      return { kind: 'not', child: cloneExpr(node.child), pos };
    case 'identifier':
      return { kind: 'identifier', name: node.name, pos };
    case 'unary':
      return { kind: 'unary', left: cloneExpr(node.left), op: node.op, pos };
    case 'binary':
      return {
        kind: 'binary', left: cloneExpr(node.left), op: node.op,
        ...(node.mod !== undefined && { mod: node.mod }),
        right: cloneExpr(node.right), pos,
      };
    case 'field':
      return { kind: 'field', name: node.name, ...(node.arg !== undefined && { arg: node.arg }), pos };
    case 'transformer':
      return {
        kind: 'transformer', name: node.name, args: node.args.map(cloneExpr),
        ...(node.arg !== undefined && { arg: node.arg }), pos,
      };
    case 'value':
      return { kind: 'value', value: node.value, ...(node.quoted !== undefined && { quoted: node.quoted }), pos };
    case 'list':
      return { kind: 'list', values: node.values.map(cloneExpr), pos };
    case 'transformerList':
      return { kind: 'transformerList', items: node.items.map(cloneExpr), pos };
  }
}
