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
  private alertRules = new Map<CompiledRule<EventContext>, AlertRule>();
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

  /** Output formats are compiled once per rule, when a ruleset is installed. */
  private prepare(ruleset: Ruleset<EventContext>): void {
    const next = new Map<CompiledRule<EventContext>, AlertRule>();
    for (const r of ruleset.enabledRules()) {
      next.set(r, { name: r.name, priority: r.priority, priorityName: formatPriority(r.priority), source: r.source, tags: r.tags, format: compileFormat(r.output) });
    }
    this.alertRules = next;
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
    const ar = this.alertRules.get(rule);
    if (!ar || !this.ctx) return;
    this.stats.matches++;
    this.stats.byRule.set(rule.name, (this.stats.byRule.get(rule.name) ?? 0) + 1);
    this.alerts(makeAlert(ar, this.ctx, this.alertOptions));
  }
}
