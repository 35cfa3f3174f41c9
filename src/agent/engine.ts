// The detection pipeline for one event source: each event goes through the state parser, then
// the rules indexed under its event code; each match becomes an alert for the writer.
// Rulesets can be swapped at any time (hot reload) without touching state.
import type { EventView } from '../events/index.js';
import { formatPriority } from '../rules/index.js';
import type { CompiledRule, Ruleset } from '../rules/index.js';
import type { State, EventContext } from '../state/index.js';
import { makeAlert, type Alert, type AlertOptions, type AlertRule } from '../outputs/index.js';
import { compileFormat } from '../filter/index.js';

export interface EngineStats {
  events: number;
  matches: number;
  /** Matches per rule name. */
  byRule: Map<string, number>;
}

export class Engine {
  private ruleset: Ruleset<EventContext>;
  /** The enabled rules, each with its alert's parts once it has matched. */
  private alertRules = new Map<CompiledRule<EventContext>, AlertRule | undefined>();
  readonly stats: EngineStats = { events: 0, matches: 0, byRule: new Map() };
  private readonly onMatch = (rule: CompiledRule<EventContext>): void => this.emit(rule);
  private ctx: EventContext | undefined;

  constructor(
    ruleset: Ruleset<EventContext>,
    private readonly state: State,
    private readonly alerts: (a: Alert) => void,
    private readonly alertOptions: AlertOptions,
  ) {
    this.ruleset = ruleset;
    this.prepare(ruleset);
  }

  /** A rule's output format is compiled at its first match, not when the ruleset is installed:
   *  most rules never match in a run, and compiling all of them was 13% of a short saker replay
   *  (the loader has checked every format already, so a late compile cannot fail). */
  private prepare(ruleset: Ruleset<EventContext>): void {
    const next = new Map<CompiledRule<EventContext>, AlertRule | undefined>();
    for (const r of ruleset.enabledRules()) next.set(r, undefined);
    this.alertRules = next;
  }

  private alertRule(rule: CompiledRule<EventContext>): AlertRule | undefined {
    const known = this.alertRules.get(rule);
    if (known !== undefined || !this.alertRules.has(rule)) return known;
    const ar = { name: rule.name, priority: rule.priority, priorityName: formatPriority(rule.priority), source: rule.source, tags: rule.tags, format: compileFormat(rule.output) };
    this.alertRules.set(rule, ar);
    return ar;
  }

  /** Installs a new ruleset (SIGHUP reload); state is kept. */
  swap(ruleset: Ruleset<EventContext>): void {
    this.prepare(ruleset);
    this.ruleset = ruleset;
  }

  get rules(): Ruleset<EventContext> {
    return this.ruleset;
  }

  /** Processes one event: state first, then the rules for its code. */
  process(evt: EventView): void {
    this.stats.events++;
    const ctx = this.state.process(evt);
    this.ctx = ctx;
    this.ruleset.evaluate(evt.type, ctx, this.onMatch);
  }

  private emit(rule: CompiledRule<EventContext>): void {
    const ar = this.alertRule(rule);
    if (!ar || !this.ctx) return;
    this.stats.matches++;
    this.stats.byRule.set(rule.name, (this.stats.byRule.get(rule.name) ?? 0) + 1);
    this.alerts(makeAlert(ar, this.ctx, this.alertOptions));
  }
}
