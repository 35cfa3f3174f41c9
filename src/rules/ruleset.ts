// The enabled rules, indexed by event code (falco indexable_ruleset.h, evttype_index_ruleset.cpp).
// For an event, only the rules indexed under its code are evaluated, in the order they were
// enabled (initially rule definition order); `first` stops at the first match, `all` collects
// every match. Enabling and disabling by rule-name wildcard or tag apply in the given order.
// Rules without event codes (a source that does not index by event type) run for every event,
// in that same enable order among the indexed ones.

import type { CompiledRule } from './rule-compiler.js';
import { Priority } from './priority.js';
import type { RuleGroupFilter } from './source.js';

export type RuleMatching = 'first' | 'all';

/** One `rules:` selection of Falco's configuration. */
export interface RuleSelection {
  action: 'enable' | 'disable';
  /** Rule-name pattern where `*` matches any run of characters. */
  rule?: string;
  tag?: string;
}

export interface RulesetOptions<Ctx = unknown> {
  /** Rules less severe than this are not loaded (Falco `priority`, default debug). */
  minPriority?: Priority;
  ruleMatching?: RuleMatching;
  /**
   * Compiles the rules of one event code into one function (RuleSource.compileGroup); without
   * it each rule's own filter runs.
   */
  compileGroup?: (conditions: CompiledRule<Ctx>['condition'][], eventCode: number, first: boolean) => RuleGroupFilter<Ctx>;
}

/** Parses Falco's `rule_matching` value (case-insensitive first|all). */
export function parseRuleMatching(text: string): RuleMatching {
  const lower = text.toLowerCase();
  if (lower === 'first' || lower === 'all') return lower;
  throw new Error(`Unknown rule matching strategy "${text}"--must be one of first, all`);
}

/**
 * Falco's matches_wildcard: `*` matches any run of characters, with a greedy left-to-right
 * search (so "*a" does not match "aXa"), no other special characters.
 */
export function matchesWildcard(pattern: string, s: string): boolean {
  const star = pattern.indexOf('*');
  if (star < 0) return pattern === s;
  if (star === 0) {
    const nextStart = pattern.search(/[^*]/);
    if (nextStart < 0) return true;
    const next = pattern.slice(nextStart);
    const nextStar = next.indexOf('*');
    const toFind = nextStar < 0 ? next : next.slice(0, nextStar);
    const at = s.indexOf(toFind);
    if (at < 0) return false;
    return matchesWildcard(next.slice(toFind.length), s.slice(at + toFind.length));
  }
  if (pattern.slice(0, star) !== s.slice(0, star)) return false;
  return matchesWildcard(pattern.slice(star), s.slice(star));
}

export class Ruleset<Ctx> {
  readonly ruleMatching: RuleMatching;
  /** Rules that passed the minimum priority, in definition order. */
  readonly rules: readonly CompiledRule<Ctx>[];
  /** Enabled rule → its enable sequence number: the order rules are tried in. */
  private readonly enableOrder = new Map<CompiledRule<Ctx>, number>();
  private enableCount = 0;
  /** byCode[code] = enabled rules indexed under that code, in enabling order. */
  private readonly byCode: CompiledRule<Ctx>[][] = [];
  /** Enabled rules without event codes (plugin sources): run for every event. */
  private readonly anyCode: CompiledRule<Ctx>[] = [];
  private readonly compileGroup: RulesetOptions<Ctx>['compileGroup'];
  /**
   * groups[code] = byCode[code] compiled into one function, built on the first event of that
   * code (most codes never occur); null when compiling failed and each rule's filter runs.
   * Emptied when the enabled rules change.
   */
  private groups: (RuleGroupFilter<Ctx> | null | undefined)[] = [];

  constructor(rules: readonly CompiledRule<Ctx>[], options: RulesetOptions<Ctx> = {}) {
    const minPriority = options.minPriority ?? Priority.DEBUG;
    this.ruleMatching = options.ruleMatching ?? 'first';
    this.compileGroup = options.compileGroup;
    this.rules = rules.filter((r) => r.priority <= minPriority);
    for (const rule of this.rules) if (rule.enabled) this.add(rule);
  }

  /** Enables (or disables) the rules whose name matches the wildcard pattern. */
  enable(pattern: string, enabled = true): void {
    for (const rule of this.rules) {
      if (matchesWildcard(pattern, rule.name)) this.setEnabled(rule, enabled);
    }
  }

  disable(pattern: string): void {
    this.enable(pattern, false);
  }

  /** Enables (or disables) the rules that have at least one of `tags`. */
  enableTags(tags: Iterable<string>, enabled = true): void {
    const wanted = [...tags];
    for (const rule of this.rules) {
      if (wanted.some((t) => rule.tags.includes(t))) this.setEnabled(rule, enabled);
    }
  }

  disableTags(tags: Iterable<string>): void {
    this.enableTags(tags, false);
  }

  /** Applies Falco `rules:` selections in order (a rule pattern and/or a tag each). */
  applySelections(selections: readonly RuleSelection[]): void {
    for (const sel of selections) {
      const enabled = sel.action === 'enable';
      if (sel.rule) this.enable(sel.rule, enabled);
      if (sel.tag) this.enableTags([sel.tag], enabled);
    }
  }

  isEnabled(rule: CompiledRule<Ctx>): boolean {
    return this.enableOrder.has(rule);
  }

  /** Enabled rules in definition order. */
  enabledRules(): CompiledRule<Ctx>[] {
    return this.rules.filter((r) => this.enableOrder.has(r));
  }

  get enabledCount(): number {
    return this.enableOrder.size;
  }

  /** Every event code some enabled rule is indexed under (what the sensor must capture). */
  enabledEventCodes(): Set<number> {
    const codes = new Set<number>();
    this.byCode.forEach((list, code) => {
      if (list.length > 0) codes.add(code);
    });
    return codes;
  }

  /**
   * Evaluates the rules for an event of `eventCode` (the event's own code: compiled groups
   * decide evt.type checks by it). With `first` returns after the first match; with `all`
   * calls `onMatch` for each. Returns the number of matches.
   */
  evaluate(eventCode: number, ctx: Ctx, onMatch: (rule: CompiledRule<Ctx>) => void): number {
    if (this.anyCode.length > 0) return this.evaluateWithAnyCode(eventCode, ctx, onMatch);
    const indexed = this.byCode[eventCode];
    if (indexed === undefined || indexed.length === 0) return 0;
    const group = this.groupFor(eventCode, indexed);
    return group === null ? this.run(indexed, ctx, onMatch) : group(ctx, indexed, onMatch);
  }

  /** The first matching rule in enable order, or undefined (ignores `ruleMatching`). */
  firstMatch(eventCode: number, ctx: Ctx): CompiledRule<Ctx> | undefined {
    let found: CompiledRule<Ctx> | undefined;
    this.merged(this.byCode[eventCode] ?? [], false, ctx, true, (rule) => (found = rule));
    return found;
  }

  /**
   * evaluate when some rules have no event code: they interleave with the indexed ones by
   * enable order, so `first` reports whichever matching rule was enabled first and `all`
   * reports every match, in enable order.
   */
  private evaluateWithAnyCode(eventCode: number, ctx: Ctx, onMatch: (rule: CompiledRule<Ctx>) => void): number {
    const indexed = this.byCode[eventCode] ?? [];
    const group = indexed.length > 0 ? this.groupFor(eventCode, indexed) : null;
    if (group === null) return this.merged(indexed, false, ctx, this.ruleMatching === 'first', onMatch);
    // The group reports its matches (with `first`, its first one) without their positions.
    const matched: CompiledRule<Ctx>[] = [];
    group(ctx, indexed, (rule) => void matched.push(rule));
    return this.merged(matched, true, ctx, this.ruleMatching === 'first', onMatch);
  }

  /**
   * Runs `indexed` (already known to match when `decided`) and the rules without event code,
   * merged by enable order; with `first` stops at the first match. Returns the match count.
   */
  private merged(
    indexed: readonly CompiledRule<Ctx>[],
    decided: boolean,
    ctx: Ctx,
    first: boolean,
    onMatch: (rule: CompiledRule<Ctx>) => void,
  ): number {
    const any = this.anyCode;
    let matches = 0;
    let i = 0;
    let j = 0;
    while (i < indexed.length || j < any.length) {
      const takeIndexed = j >= any.length || (i < indexed.length && this.orderOf(indexed[i]!) < this.orderOf(any[j]!));
      const rule = takeIndexed ? indexed[i++]! : any[j++]!;
      if ((takeIndexed && decided) || rule.filter(ctx)) {
        onMatch(rule);
        matches++;
        if (first) return matches;
      }
    }
    return matches;
  }

  private orderOf(rule: CompiledRule<Ctx>): number {
    return this.enableOrder.get(rule)!;
  }

  /** The compiled group of `eventCode`, built on its first event; null to run each rule. */
  private groupFor(eventCode: number, indexed: readonly CompiledRule<Ctx>[]): RuleGroupFilter<Ctx> | null {
    let group = this.groups[eventCode];
    if (group === undefined) group = this.groups[eventCode] = this.group(eventCode, indexed);
    return group;
  }

  private run(list: CompiledRule<Ctx>[], ctx: Ctx, onMatch: (rule: CompiledRule<Ctx>) => void): number {
    let matches = 0;
    for (let i = 0; i < list.length; i++) {
      const rule = list[i]!;
      if (rule.filter(ctx)) {
        onMatch(rule);
        matches++;
        if (this.ruleMatching === 'first') return matches;
      }
    }
    return matches;
  }

  private group(eventCode: number, rules: readonly CompiledRule<Ctx>[]): RuleGroupFilter<Ctx> | null {
    if (this.compileGroup === undefined) return null;
    try {
      return this.compileGroup(rules.map((r) => r.condition), eventCode, this.ruleMatching === 'first');
    } catch {
      // the conditions compiled one by one: each rule's filter still works
      return null;
    }
  }

  private setEnabled(rule: CompiledRule<Ctx>, enabled: boolean): void {
    if (enabled) this.add(rule);
    else this.remove(rule);
  }

  private add(rule: CompiledRule<Ctx>): void {
    if (this.enableOrder.has(rule)) return;
    this.enableOrder.set(rule, this.enableCount++);
    this.groups = [];
    if (!rule.eventCodes) {
      this.anyCode.push(rule);
      return;
    }
    for (const code of rule.eventCodes) (this.byCode[code] ??= []).push(rule);
  }

  private remove(rule: CompiledRule<Ctx>): void {
    if (!this.enableOrder.delete(rule)) return;
    this.groups = [];
    const drop = (list: CompiledRule<Ctx>[] | undefined): void => {
      const i = list ? list.indexOf(rule) : -1;
      if (i >= 0) list!.splice(i, 1);
    };
    if (!rule.eventCodes) drop(this.anyCode);
    else for (const code of rule.eventCodes) drop(this.byCode[code]);
  }
}
