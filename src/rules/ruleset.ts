// The enabled rules, indexed by event code (falco indexable_ruleset.h, evttype_index_ruleset.cpp).
// For an event, only the rules indexed under its code are evaluated, in the order they were
// enabled (initially rule definition order); `first` stops at the first match, `all` collects
// every match. Enabling and disabling by rule-name wildcard or tag apply in the given order.

import type { CompiledRule } from './compiler.js';
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
  private readonly enabledSet = new Set<CompiledRule<Ctx>>();
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
    return this.enabledSet.has(rule);
  }

  /** Enabled rules in definition order. */
  enabledRules(): CompiledRule<Ctx>[] {
    return this.rules.filter((r) => this.enabledSet.has(r));
  }

  get enabledCount(): number {
    return this.enabledSet.size;
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
    const indexed = this.byCode[eventCode];
    let matches = 0;
    if (indexed !== undefined && indexed.length > 0) {
      let group = this.groups[eventCode];
      if (group === undefined) group = this.groups[eventCode] = this.group(eventCode, indexed);
      matches = group === null ? this.run(indexed, ctx, onMatch) : group(ctx, indexed, onMatch);
      if (matches > 0) return matches;
    }
    return this.anyCode.length > 0 ? this.run(this.anyCode, ctx, onMatch) : 0;
  }

  /** The first matching rule, or undefined (ignores `ruleMatching`). */
  firstMatch(eventCode: number, ctx: Ctx): CompiledRule<Ctx> | undefined {
    for (const list of [this.byCode[eventCode], this.anyCode]) {
      if (!list) continue;
      for (let i = 0; i < list.length; i++) if (list[i]!.filter(ctx)) return list[i];
    }
    return undefined;
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
    if (this.enabledSet.has(rule)) return;
    this.enabledSet.add(rule);
    this.groups = [];
    if (!rule.eventCodes) {
      this.anyCode.push(rule);
      return;
    }
    for (const code of rule.eventCodes) (this.byCode[code] ??= []).push(rule);
  }

  private remove(rule: CompiledRule<Ctx>): void {
    if (!this.enabledSet.delete(rule)) return;
    this.groups = [];
    const drop = (list: CompiledRule<Ctx>[] | undefined): void => {
      const i = list ? list.indexOf(rule) : -1;
      if (i >= 0) list!.splice(i, 1);
    };
    if (!rule.eventCodes) drop(this.anyCode);
    else for (const code of rule.eventCodes) drop(this.byCode[code]);
  }
}
