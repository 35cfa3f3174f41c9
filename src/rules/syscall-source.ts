// The "syscall" event source: fields, condition compiler and event-type inference of
// src/filter, as the rules loader needs them.

import type { FieldLike } from '../filter/ast.js';
import { compileExtractor, compileFilter } from '../filter/compiler.js';
import { eventCodesOf } from '../filter/event-types.js';
import { hasField } from '../filter/fields/index.js';
import { parseCondition, parseFieldOrTransformer } from '../filter/parser.js';
import type { EventContext } from '../state/types.js';
import type { RuleSource } from './source.js';

export function syscallSource(): RuleSource<EventContext> {
  return {
    name: 'syscall',
    isValidLhsField,
    compileCondition(expr, onWarning) {
      return compileFilter(expr, { onWarning: (message, pos) => onWarning({ message, pos }) });
    },
    validateOutput: validateOutputFormat,
    eventCodes(expr) {
      const bits = eventCodesOf(expr);
      const codes = new Set<number>();
      for (let code = 0; code < bits.length; code++) if (bits[code]) codes.add(code);
      return codes;
    },
  };
}

/**
 * Whether `field` can be the left side of a check. With a parenthesis it may be wrapped in
 * transformers, and like Falco the only rigorous test is compiling `<field> exists`.
 */
function isValidLhsField(field: string): boolean {
  if (field.includes('(')) {
    try {
      compileFilter(parseCondition(`${field} exists`));
      return true;
    } catch {
      return false;
    }
  }
  return hasField(field);
}

function compiles(expr: FieldLike): boolean {
  try {
    const operand = compileExtractor(expr);
    return !operand.def?.filterOnly;
  } catch {
    return false;
  }
}

/**
 * Checks every %field token of an output format the way libsinsp's formatter finds them
 * (longest text that parses and compiles). Errors use the text the Falco testing suite
 * expects: "invalid formatting token <rest of the format after %>".
 */
export function validateOutputFormat(format: string): void {
  let i = format.startsWith('*') ? 1 : 0;
  while (i < format.length) {
    if (format[i] !== '%') {
      i++;
      continue;
    }
    if (i + 1 >= format.length) throw new Error('invalid formatting syntax: formatting cannot end with a %');
    let start = i + 1;
    while (start < format.length && format[start]! >= '0' && format[start]! <= '9') start++;
    const token = parseFieldOrTransformer(format, start, { accept: compiles });
    if (!token) throw new Error(`invalid formatting token ${format.slice(i + 1)}`);
    i = token.end;
  }
}
