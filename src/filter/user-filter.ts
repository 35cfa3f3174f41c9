// A filter a user typed (saker inspect FILTER, saker capture FILTER): compiled with the event
// codes it can match, and its errors described with the position and a caret under the text.
import type { Pos } from './ast.js';
import { compileFilter, FilterCompileError, type CompiledFilter } from './condition-compiler.js';
import { eventCodesOf, type CodeSet } from './condition-codes.js';
import { FilterSyntaxError, parseCondition } from './condition-parser.js';

/** A filter that could not be compiled, with where it failed. */
export class FilterError extends Error {
  override name = 'FilterError';
  constructor(message: string, readonly pos: Pos | undefined, readonly text: string) {
    super(message);
  }
}

/** Parses and compiles a filter; errors carry libsinsp's message and the position. */
export function compileUserFilter(text: string): CompiledFilter {
  return compileUserFilterWithCodes(text).filter;
}

/**
 * compileUserFilter, with the event codes the filter can match: most filters name their event
 * types, and an event of any other type is then rejected by one table read instead of a call.
 */
export function compileUserFilterWithCodes(text: string): { filter: CompiledFilter; codes: CodeSet | undefined } {
  let expr;
  let filter;
  try {
    expr = parseCondition(text);
    filter = compileFilter(expr);
  } catch (e) {
    if (e instanceof FilterSyntaxError || e instanceof FilterCompileError) throw new FilterError(e.message, e.pos, text);
    throw e;
  }
  let codes: CodeSet | undefined;
  try {
    codes = eventCodesOf(expr);
  } catch {
    codes = undefined; // a check the code search does not follow: every event goes to the filter
  }
  return { filter, codes };
}

/** The error text for a bad filter: message, position, and the filter with a caret under it. */
export function describeFilterError(e: FilterError): string {
  if (!e.pos) return `filter error: ${e.message}`;
  const line = e.text.split(/\r\n|\r|\n/)[e.pos.line - 1] ?? '';
  return `filter error at line ${e.pos.line}, column ${e.pos.col}: ${e.message}\n  ${line}\n  ${' '.repeat(e.pos.col - 1)}^`;
}
