// The canonical string form of a condition AST, identical to libsinsp's string_visitor
// (filter/ast.cpp, `ast::as_string`). Falco's tests compare compiled conditions in this form:
//   (evt.type = open and proc.name in (ash, bash))   not proc.name = x   tolower(proc.name) = x
// Note the spacing: list items are joined by ", " but transformer arguments and transformer
// lists by "," only.

import type { Node } from './ast.js';
import { escapeValue } from './escaping.js';

function fieldArg(arg: string | undefined): string {
  if (arg === undefined) return '';
  return arg === '' ? '[""]' : `[${escapeValue(arg)}]`;
}

export function astToString(node: Node): string {
  switch (node.kind) {
    case 'and':
    case 'or':
      return `(${node.children.map(astToString).join(` ${node.kind} `)})`;
    case 'not':
      return `not ${astToString(node.child)}`;
    case 'identifier':
      return node.name;
    case 'unary':
      return `${astToString(node.left)} ${node.op}`;
    case 'binary': {
      const op = node.mod === undefined ? node.op : `${node.op} ${node.mod}`;
      return `${astToString(node.left)} ${op} ${astToString(node.right)}`;
    }
    case 'field':
      return node.name + fieldArg(node.arg);
    case 'transformer':
      return `${node.name}(${node.args.map(astToString).join(',')})${fieldArg(node.arg)}`;
    case 'value':
      return escapeValue(node.value);
    case 'list':
      return `(${node.values.map((v) => escapeValue(v.value)).join(', ')})`;
    case 'transformerList':
      return `(${node.items.map(astToString).join(',')})`;
  }
}
