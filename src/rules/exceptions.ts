// Rule exceptions: validation of fields/comps (rule_loader_collector.cpp) and their rewriting
// into `and not (...)` clauses of the condition text (rule_loader_compiler.cpp), done before
// list substitution and parsing.

import type { LoadContext } from './context.js';
import { RuleLoadError } from './result.js';
import { quoteItem } from './lists.js';
import type { RuleSource } from './source.js';

/** One of fields/comps/values: a scalar or a (possibly nested) sequence of scalars. */
export interface ExceptionEntry {
  isList: boolean;
  item: string;
  items: ExceptionEntry[];
}

export interface ExceptionInfo {
  context: LoadContext;
  name: string;
  fields: ExceptionEntry;
  comps: ExceptionEntry;
  values: ExceptionEntry[];
}

export function emptyEntry(): ExceptionEntry {
  return { isList: false, item: '', items: [] };
}

export function scalarEntry(item: string): ExceptionEntry {
  return { isList: false, item, items: [] };
}

/** A present fields/comps entry: a non-empty sequence or a non-empty scalar. */
export function isEntrySet(e: ExceptionEntry): boolean {
  return e.isList ? e.items.length > 0 : e.item !== '';
}

/** libsinsp's parser::supported_operators(), blanks trimmed. */
const SUPPORTED_OPERATORS: ReadonlySet<string> = new Set([
  'exists',
  '<=', '<', '>=', '>',
  '==', '=', '!=', 'glob', 'iglob', 'contains', 'icontains', 'bcontains', 'startswith', 'bstartswith', 'endswith', 'regex',
  'intersects', 'in', 'pmatch',
]);
const LIST_OPERATORS: ReadonlySet<string> = new Set(['intersects', 'in', 'pmatch']);
/** Operators that take a oneof/anyof/allof modifier (falco rule_loader_cmpop.h). */
const MODIFIABLE_OPERATORS: ReadonlySet<string> = new Set([
  '=', '==', '!=', 'contains', 'icontains', 'bcontains', 'startswith', 'bstartswith', 'endswith', 'glob', 'iglob', 'regex',
]);
const MODIFIERS: ReadonlySet<string> = new Set(['oneof', 'anyof', 'allof']);

function isOperatorDefined(op: string): boolean {
  return SUPPORTED_OPERATORS.has(op);
}

/** "startswith oneof": a string operator, one space, a modifier (str_to_cmpop_with_modifier). */
export function isStrOperatorWithModifier(op: string): boolean {
  const space = op.indexOf(' ');
  if (space < 0) return false;
  const base = op.slice(0, space);
  const mod = op.slice(space + 1);
  return MODIFIABLE_OPERATORS.has(base) && MODIFIERS.has(mod);
}

/** Operators whose right-hand side is a parenthesised list. */
export function isOperatorForList(op: string): boolean {
  return LIST_OPERATORS.has(op) || isStrOperatorWithModifier(op);
}

function validationError(message: string, context: LoadContext): RuleLoadError {
  return new RuleLoadError('LOAD_ERR_VALIDATE', message, context);
}

/** Comps are compared after trimming blanks; the trimmed form is what the condition uses. */
function normalizeComp(entry: ExceptionEntry): void {
  entry.item = entry.item.replace(/^[ \t\r\n]+|[ \t\r\n]+$/g, '');
}

/**
 * Fills default comps ("=" per field, or "in" for a single field) and checks lengths,
 * operators and fields. `source` is undefined for rules of an unknown source (fields unchecked).
 */
export function validateException(ex: ExceptionInfo, source: RuleSource<never> | undefined): void {
  if (ex.fields.isList) {
    if (!isEntrySet(ex.comps)) {
      ex.comps = { isList: true, item: '', items: ex.fields.items.map(() => scalarEntry('=')) };
    }
    if (ex.fields.items.length !== ex.comps.items.length) {
      throw validationError('Fields and comps lists must have equal length', ex.context);
    }
    for (const comp of ex.comps.items) {
      normalizeComp(comp);
      if (!isOperatorDefined(comp.item) && !isStrOperatorWithModifier(comp.item)) {
        throw validationError(`'${comp.item}' is not a supported comparison operator`, ex.context);
      }
    }
    if (source) {
      for (const field of ex.fields.items) {
        if (!source.isValidLhsField(field.item)) {
          throw validationError(`'${field.item}' is not a supported filter field`, ex.context);
        }
      }
    }
    return;
  }
  if (!isEntrySet(ex.comps)) ex.comps = scalarEntry('in');
  if (ex.comps.isList) throw validationError('Fields and comps must both be strings', ex.context);
  normalizeComp(ex.comps);
  const comp = ex.comps.item;
  if (comp !== 'in' && comp !== 'pmatch' && comp !== 'intersects' && !isStrOperatorWithModifier(comp)) {
    throw validationError(
      'When fields is a single value, comps must be one of (in, pmatch, intersects) or a modifier operator (e.g. startswith oneof)',
      ex.context,
    );
  }
  if (source && !source.isValidLhsField(ex.fields.item)) {
    throw validationError(`'${ex.fields.item}' is not a supported filter field`, ex.context);
  }
}

function parenItem(v: string): string {
  return v[0] !== '(' ? `(${v})` : v;
}

/**
 * `(cond)` followed by ` and not <clause>` for each exception with values. The text is
 * Falco's to the character (double blanks included), since it is re-parsed as a whole.
 */
export function buildExceptionCondition(condition: string, exceptions: readonly ExceptionInfo[]): string {
  let out = `(${condition})`;
  for (const ex of exceptions) {
    let clause = '';
    if (!ex.fields.isList) {
      for (const val of ex.values) {
        if (val.isList) throw validationError('Expected values array to contain a list of strings', ex.context);
        clause += clause === '' ? `(${ex.fields.item} ${ex.comps.item} (` : ', ';
        clause += quoteItem(val.item);
      }
      if (clause !== '') clause += '))';
    } else {
      clause = '(';
      for (const tuple of ex.values) {
        if (ex.fields.items.length !== tuple.items.length) {
          throw validationError('Fields and values lists must have equal length', ex.context);
        }
        clause += clause === '(' ? '' : ' or ';
        clause += '(';
        ex.fields.items.forEach((field, k) => {
          clause += k === 0 ? '' : ' and ';
          const value = tuple.items[k]!;
          const comp = ex.comps.items[k]!.item;
          let rhs: string;
          if (value.isList) {
            rhs = '(' + value.items.map((v) => quoteItem(v.item)).join(', ') + ')';
          } else {
            rhs = isOperatorForList(comp) ? parenItem(value.item) : quoteItem(value.item);
          }
          clause += ` ${field.item} ${comp} ${rhs}`;
        });
        clause += ')';
      }
      clause += ')';
      if (clause === '()') clause = '';
    }
    if (clause !== '') out += ` and not ${clause}`;
  }
  return out;
}
