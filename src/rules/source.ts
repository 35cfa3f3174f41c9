// An event source rules can be written for ("syscall", or a plugin's source). The loader only
// needs to validate fields, compile conditions and outputs, and (for syscall) find event codes.

import type { Expr, Pos } from '../filter/index.js';

/** A compiled condition: true when the event in `ctx` matches. */
export type RuleFilter<Ctx> = (ctx: Ctx) => boolean;

/**
 * The conditions of the rules indexed under one event code, as one function: calls
 * onMatch(rules[i]) for each condition i that holds, in order (only the first with `first`),
 * and returns how many did.
 */
export type RuleGroupFilter<Ctx> = <R>(ctx: Ctx, rules: readonly R[], onMatch: (rule: R) => void) => number;

export interface ConditionWarning {
  message: string;
  pos?: Pos;
}

export interface RuleSource<Ctx = unknown> {
  readonly name: string;
  /** True when `field` (possibly wrapped in transformers) can be the left side of a check. */
  isValidLhsField(field: string): boolean;
  /**
   * Compiles a macro-expanded condition. Throws an Error whose message is libsinsp's text
   * (e.g. "filter_check called with nonexistent field proc.nobody"), optionally with `pos`.
   */
  compileCondition(expr: Expr, onWarning: (warning: ConditionWarning) => void): RuleFilter<Ctx>;
  /**
   * Optional: compiles the (already compiled once, valid) conditions of the rules indexed
   * under `eventCode` into one function, for events of that code only.
   */
  compileGroup?(conditions: readonly Expr[], eventCode: number, first: boolean): RuleGroupFilter<Ctx>;
  /** Throws an Error with libsinsp's text (e.g. "invalid formatting token x") if invalid. */
  validateOutput(format: string): void;
  /**
   * The event codes a condition can match (libsinsp ppm_event_codes), or undefined when the
   * source does not index rules by event type (plugin sources).
   */
  eventCodes?(expr: Expr): ReadonlySet<number>;
}
