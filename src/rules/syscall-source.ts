// The "syscall" event source: fields, condition compiler and event-type inference of
// src/filter and the output formatter of src/outputs, as the rules loader needs them.

import { compileFilter, eventCodesOf, compileGroup, parseCondition, compileFormat, type Expr } from '../filter/index.js';
import { hasField } from '../filter/fields/index.js';
import type { EventContext } from '../state/index.js';
import type { ConditionWarning, RuleFilter, RuleSource } from './source.js';

export function syscallSource(): RuleSource<EventContext> {
  const validOutputs = new Set<string>();
  // Each file of a load compiles every condition collected so far again. A condition made of
  // the very check nodes of an earlier compile (parsed texts and macros are reused while they
  // do not change, see parseWithLists) compiles to the same filter with the same warnings.
  const compiled = new Map<string, { filter: RuleFilter<EventContext>; warnings: ConditionWarning[] }>();
  const checkIds = new WeakMap<Expr, number>();
  let nextCheckId = 0;
  const shapeOf = (e: Expr): string => {
    switch (e.kind) {
      case 'and': case 'or': return `${e.kind}(${e.children.map(shapeOf).join(',')})`;
      case 'not': return `not(${shapeOf(e.child)})`;
      default: {
        let id = checkIds.get(e);
        if (id === undefined) checkIds.set(e, (id = nextCheckId++));
        return `#${id}`;
      }
    }
  };
  return {
    name: 'syscall',
    isValidLhsField,
    compileCondition(expr, onWarning) {
      const key = shapeOf(expr);
      let known = compiled.get(key);
      if (known === undefined) {
        const warnings: ConditionWarning[] = [];
        let filter: RuleFilter<EventContext>;
        try {
          filter = compileFilter(expr, { onWarning: (message, pos) => warnings.push({ message, pos }) });
        } catch (err) {
          for (const w of warnings) onWarning(w);
          throw err;
        }
        compiled.set(key, (known = { filter, warnings }));
      }
      for (const w of known.warnings) onWarning(w);
      return known.filter;
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
