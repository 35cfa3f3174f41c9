// The "syscall" event source: fields, condition compiler and event-type inference of
// src/filter and the output formatter of src/outputs, as the rules loader needs them.

import { compileFilter } from '../filter/compiler.js';
import { eventCodesOf } from '../filter/event-types.js';
import { compileGroup } from '../filter/group-compiler.js';
import { hasField } from '../filter/fields/index.js';
import { parseCondition } from '../filter/parser.js';
import { compileFormat } from '../filter/format.js';
import type { EventContext } from '../state/types.js';
import type { RuleSource } from './source.js';

export function syscallSource(): RuleSource<EventContext> {
  const validOutputs = new Set<string>();
  return {
    name: 'syscall',
    isValidLhsField,
    compileCondition(expr, onWarning) {
      return compileFilter(expr, { onWarning: (message, pos) => onWarning({ message, pos }) });
    },
    compileGroup,
    validateOutput(format) {
      // each file of a load validates all the outputs collected so far again
      if (validOutputs.has(format)) return;
      compileFormat(format);
      validOutputs.add(format);
    },
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
