// Condition texts of macros and rules: list names substituted, then parsed; errors located
// in the condition and, when possible, at their real place in the file.

import { type Expr, type Pos, copyConnectives, FilterSyntaxError, parseCondition } from '../filter/index.js';
import { LoadContext, type Position, type ValueSourceMap } from './context.js';
import { resolveLists, type CompiledList } from './lists.js';
import { RuleLoadError } from './result.js';

/** Falco sets this parser depth for rule and macro conditions. */
const MAX_CONDITION_DEPTH = 1000;

/** A macro or rule, as far as its condition is concerned. */
export interface ConditionOwner {
  /** The item (macro 'x', rule 'y'): undefined macros are reported there. */
  context: LoadContext;
  /** The condition's own YAML node: parse errors are reported there. */
  conditionContext: LoadContext;
  /** Maps the condition text back to the file while it is still the node's text. */
  conditionSource?: ValueSourceMap;
}

/**
 * Substitutes lists into the condition text and parses it; a syntax error becomes a
 * LOAD_ERR_COMPILE_CONDITION error with libsinsp's message. With `parsed`, texts parsed before
 * (each file of a load compiles everything collected so far again) are copied from there:
 * callers update the tree they get in place.
 */
export function parseWithLists(
  condition: string,
  lists: Iterable<CompiledList> | ReadonlyMap<string, CompiledList>,
  owner: ConditionOwner,
  parsed?: Map<string, Expr>,
): { text: string; expr: Expr } {
  const text = resolveLists(condition, lists);
  const known = parsed?.get(text);
  if (known !== undefined) return { text, expr: copyConnectives(known) };
  try {
    const expr = parseCondition(text, { maxDepth: MAX_CONDITION_DEPTH });
    parsed?.set(text, copyConnectives(expr));
    return { text, expr };
  } catch (err) {
    if (!(err instanceof FilterSyntaxError)) throw err;
    const filePos = conditionFilePosition(err.pos, text, owner.conditionSource);
    throw new RuleLoadError('LOAD_ERR_COMPILE_CONDITION', err.message, LoadContext.inCondition(err.pos, text, owner.conditionContext, filePos));
  }
}

/**
 * The file position of a condition position, when the condition text up to there is still
 * the YAML scalar's own text (no list substitution or exception rewrite before it).
 */
export function conditionFilePosition(pos: Pos, text: string, source: ValueSourceMap | undefined): Position | undefined {
  if (!source || pos.idx > source.value.length) return undefined;
  if (text.slice(0, pos.idx) !== source.value.slice(0, pos.idx)) return undefined;
  return source.sourcePosition(pos.idx);
}
