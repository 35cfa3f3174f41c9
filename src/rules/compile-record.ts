// What a load of rules files compiled to, kept by the rules cache (rules-cache.ts), so that the
// next load of the very same files (names, contents and order, and the loader's options) need
// neither parse nor compile them: its per-file results are the recorded ones, every warning in
// its place; the lists, macros and rules the files defined (after every append and override) are
// recorded as the collector held them; and each rule's condition, filter and output are compiled
// when something first asks for them (the rule group of an event type a replay meets, an alert's
// output), from those definitions, exactly as the last compile of a full load compiles them. The
// event codes each rule is indexed under are recorded, so the ruleset is built without compiling
// any. Only a load without an error is recorded: a file that fails compiles, and fails, every time.

import { createHash } from 'node:crypto';
import type { Collector, ListInfo, MacroInfo, PluginRequirement, RuleInfo } from './collector.js';
import type { ExceptionInfo } from './exceptions.js';
import { LoadContext, type ContextRecord } from './context.js';
import { parseWithLists } from './conditions.js';
import { compileLists, type CompiledList } from './lists.js';
import { compileMacros, expandMacros, type CompiledMacro, type MacroLookup } from './macros.js';
import { LoadResult, type DeprecatedField, type WarningCode } from './result.js';
import { compileOutput, ruleCondition, ruleInfoFields, type CompileConfig, type CompiledRule, type CompileOutput, type ExtraOutputFormat, type RuleCondition } from './rule-compiler.js';
import type { RuleFilter, RuleSource } from './source.js';
import type { Priority } from './priority.js';
import type { Expr } from '../filter/index.js';
import type { Version } from './version.js';

/** Bumped when the record's shape or meaning changes. */
const RECORD_FORMAT = 2;

interface WarningRecord {
  code: WarningCode;
  message: string;
  context: ContextRecord;
  deprecatedField?: DeprecatedField;
}

/** A compiled rule: its name (a check against the files) and the event codes it is indexed under. */
interface RuleRecord {
  name: string;
  eventCodes: number[] | null;
  conditionEventCodes: number[] | null;
}

/**
 * The collector's definitions as data: contexts as records, tags as arrays, and no map from a
 * condition back to its file (it places errors, and a recorded load has none).
 */
interface DefinitionsRecord {
  lists: Array<Omit<ListInfo, 'context'> & { context: ContextRecord }>;
  macros: Array<Omit<MacroInfo, 'context' | 'conditionContext' | 'conditionSource'> & { context: ContextRecord; conditionContext: ContextRecord }>;
  rules: Array<Omit<RuleInfo, 'context' | 'conditionContext' | 'outputContext' | 'conditionSource' | 'tags' | 'exceptions'> & {
    context: ContextRecord;
    conditionContext: ContextRecord;
    outputContext: ContextRecord;
    tags: string[];
    exceptions: Array<Omit<ExceptionInfo, 'context'> & { context: ContextRecord }>;
  }>;
  requiredPluginVersions: PluginRequirement[][];
  requiredEngineVersion: Version;
}

export interface CompileRecord {
  format: number;
  /** Per file, in load order: its name and warnings. */
  results: Array<{ name: string; warnings: WarningRecord[] }>;
  definitions: DefinitionsRecord;
  /** Per collected rule, in collection order: null for one the compile skipped. */
  rules: Array<RuleRecord | null>;
}

/** What of the loader's options a compile depends on. */
export interface RecordedOptions {
  engineVersion?: Version;
  extraOutputFormats?: readonly ExtraOutputFormat[];
  sources: readonly string[];
}

/** The key of a load: a digest of the record format, the options and each file's name and content, in order. */
export function recordKey(files: ReadonlyArray<{ name: string; content: string }>, options: RecordedOptions): string {
  const h = createHash('sha256');
  h.update(JSON.stringify([RECORD_FORMAT, options.engineVersion ?? null, options.extraOutputFormats ?? [], options.sources, files.length]));
  for (const f of files) h.update(`\0${f.name}\0${Buffer.byteLength(f.content)}\0`).update(f.content);
  return h.digest('hex');
}

/** The record of a load that ended without an error: its results and the rules its last compile gave. */
export function recordLoad(results: readonly LoadResult[], collector: Collector, compiled: CompileOutput<unknown>): CompileRecord {
  const rules: Array<RuleRecord | null> = [];
  let next = 0;
  for (const info of collector.rules.values()) {
    const rule = compiled.rules[next];
    if (rule === undefined || rule.name !== info.name) {
      rules.push(null);
      continue;
    }
    next++;
    rules.push({
      name: rule.name,
      eventCodes: rule.eventCodes === undefined ? null : [...rule.eventCodes],
      conditionEventCodes: rule.conditionEventCodes === undefined ? null : [...rule.conditionEventCodes],
    });
  }
  return {
    format: RECORD_FORMAT,
    results: results.map((r) => ({
      name: r.name,
      warnings: r.warnings.map((w) => ({ code: w.code, message: w.message, context: w.context.toRecord(), ...(w.deprecatedField ? { deprecatedField: w.deprecatedField } : {}) })),
    })),
    definitions: definitionsOf(collector),
    rules,
  };
}

function definitionsOf(c: Collector): DefinitionsRecord {
  return {
    lists: [...c.lists.values()].map((l) => ({ ...l, context: l.context.toRecord() })),
    macros: [...c.macros.values()].map(({ conditionSource: _, ...m }) => ({ ...m, context: m.context.toRecord(), conditionContext: m.conditionContext.toRecord() })),
    rules: [...c.rules.values()].map(({ conditionSource: _, ...r }) => ({
      ...r,
      context: r.context.toRecord(),
      conditionContext: r.conditionContext.toRecord(),
      outputContext: r.outputContext.toRecord(),
      tags: [...r.tags],
      exceptions: r.exceptions.map((e) => ({ ...e, context: e.context.toRecord() })),
    })),
    requiredPluginVersions: c.requiredPluginVersions,
    requiredEngineVersion: c.requiredEngineVersion,
  };
}

/** Fills an empty collector with the recorded definitions, as reading the files left them. */
export function restoreDefinitions(c: Collector, record: CompileRecord): void {
  const d = record.definitions;
  for (const l of d.lists) c.lists.set(l.name, { ...l, context: LoadContext.fromRecord(l.context) });
  for (const m of d.macros) c.macros.set(m.name, { ...m, context: LoadContext.fromRecord(m.context), conditionContext: LoadContext.fromRecord(m.conditionContext) });
  for (const r of d.rules) {
    c.rules.set(r.name, {
      ...r,
      context: LoadContext.fromRecord(r.context),
      conditionContext: LoadContext.fromRecord(r.conditionContext),
      outputContext: LoadContext.fromRecord(r.outputContext),
      tags: new Set(r.tags),
      exceptions: r.exceptions.map((e) => ({ ...e, context: LoadContext.fromRecord(e.context) })),
    });
  }
  c.requiredPluginVersions.push(...d.requiredPluginVersions);
  c.requiredEngineVersion = d.requiredEngineVersion;
}

/** `value` when it has a record's shape and format (a record of another build is never read: the cache is per build). */
export function asCompileRecord(value: unknown): CompileRecord | undefined {
  const r = value as Partial<CompileRecord> | null | undefined;
  if (r === null || typeof r !== 'object' || r.format !== RECORD_FORMAT || !Array.isArray(r.results) || !Array.isArray(r.rules)) return undefined;
  const d = r.definitions;
  if (typeof d !== 'object' || d === null || ![d.lists, d.macros, d.rules, d.requiredPluginVersions].every(Array.isArray)) return undefined;
  return r as CompileRecord;
}

/** The results a recorded load gave, rebuilt. */
export function resultsFromRecord(record: CompileRecord): LoadResult[] {
  return record.results.map((r) => {
    const result = new LoadResult(r.name);
    for (const w of r.warnings) result.addWarning(w.code, w.message, LoadContext.fromRecord(w.context), w.deprecatedField);
    return result;
  });
}

/**
 * The compile output of the collected definitions, as recorded: the rules' recorded event codes
 * and their other fields from the collector now; a rule's output, condition and filter are made
 * when first asked for, each as compileRule makes it (the filter only when asked for itself: the
 * engine's rule groups compile conditions, not filters), and the macros with the first condition.
 * Undefined when the collector's rules are not the recorded ones.
 */
export function compileFromRecord<Ctx>(cfg: CompileConfig, collector: Collector, record: CompileRecord): CompileOutput<Ctx> | undefined {
  if (collector.rules.size !== record.rules.length) return undefined;
  const lists = compileLists(collector.lists.values());
  const onDemand = macrosOnDemand(collector, lists);
  // Warnings were recorded with the load; those of these late compiles go nowhere.
  const quiet = (info: RuleInfo): CompileConfig => ({ ...cfg, result: new LoadResult(info.context.fileName) });
  const parts: RuleParts<Ctx> = {
    output: (info) => compileOutput(quiet(info), info),
    condition: (info) => ruleCondition(quiet(info), collector, info, lists, onDemand),
    filter: (info, expr) => (cfg.sources.get(info.source) as RuleSource<Ctx>).compileCondition(expr, () => {}),
  };
  const rules: CompiledRule<Ctx>[] = [];
  let i = 0;
  for (const info of collector.rules.values()) {
    const rec = record.rules[i++];
    if (rec === undefined) return undefined;
    if (rec === null) continue;
    if (rec.name !== info.name || info.unknownSource || !cfg.sources.has(info.source)) return undefined;
    rules.push(new RecordedRule<Ctx>(rules.length, info, rec, parts));
  }
  let macros: Map<string, CompiledMacro> | undefined;
  return {
    lists,
    // all of them, for their count: only validate asks
    get macros() {
      return (macros ??= compileMacros(collector, lists));
    },
    rules,
  };
}

/**
 * The macros as compileMacros compiles them, each when a condition first names it. compileMacros
 * expands the macros in definition order, each with the macros it may see: those before it as
 * they expanded, those after it as they parsed (their references then resolved with its own
 * visibility); so does this, for the macros a rule needs and the ones these need.
 */
function macrosOnDemand(collector: Collector, lists: Map<string, CompiledList>): MacroLookup {
  const position = new Map<string, number>();
  for (const name of collector.macros.keys()) position.set(name, position.size);
  const expanded = new Map<string, CompiledMacro>();
  const parsed = (info: MacroInfo): Expr => parseWithLists(info.condition, lists, info, collector.parsedConditions).expr;
  const get = (name: string): CompiledMacro | undefined => {
    let m = expanded.get(name);
    if (m !== undefined) return m;
    const info = collector.macros.get(name);
    if (info === undefined) return undefined;
    const at = position.get(name)!;
    const seen: MacroLookup = {
      get: (other) => {
        const o = collector.macros.get(other);
        if (o === undefined) return undefined;
        return position.get(other)! < at ? get(other) : { name: other, condition: parsed(o), used: false };
      },
    };
    const visible = (other: string): boolean => {
      const o = collector.macros.get(other);
      return o !== undefined && o.index < info.visibility;
    };
    m = { name, condition: expandMacros(parsed(info), info.condition, info, seen, visible), used: false };
    expanded.set(name, m);
    return m;
  };
  return { get };
}

/** How a recorded rule's parts are made, as compileRule makes them. */
interface RuleParts<Ctx> {
  output(info: RuleInfo): string;
  condition(info: RuleInfo): RuleCondition;
  filter(info: RuleInfo, expr: Expr): RuleFilter<Ctx>;
}

/** A rule of a recorded load: what the collector and the record say, the rest made on first use. */
class RecordedRule<Ctx> implements CompiledRule<Ctx> {
  readonly name: string;
  readonly source: string;
  readonly description: string;
  readonly priority: Priority;
  readonly tags: readonly string[];
  readonly capture: boolean;
  readonly captureDuration: number;
  readonly enabled: boolean;
  readonly eventCodes: readonly number[] | undefined;
  readonly conditionEventCodes: ReadonlySet<number> | undefined;
  private madeOutput: string | undefined;
  private madeCondition: RuleCondition | undefined;
  private madeFilter: RuleFilter<Ctx> | undefined;

  constructor(
    readonly id: number,
    private readonly info: RuleInfo,
    rec: RuleRecord,
    private readonly parts: RuleParts<Ctx>,
  ) {
    ({ name: this.name, source: this.source, description: this.description, priority: this.priority, tags: this.tags, capture: this.capture,
      captureDuration: this.captureDuration, enabled: this.enabled } = ruleInfoFields(info));
    this.eventCodes = rec.eventCodes ?? undefined;
    this.conditionEventCodes = rec.conditionEventCodes === null ? undefined : new Set(rec.conditionEventCodes);
  }

  private made(): RuleCondition {
    return (this.madeCondition ??= this.parts.condition(this.info));
  }

  get output(): string {
    return (this.madeOutput ??= this.parts.output(this.info));
  }

  get conditionText(): string {
    return this.made().text;
  }

  get condition(): Expr {
    return this.made().expr;
  }

  get exceptionFields(): readonly string[] {
    return this.made().exceptionFields;
  }

  get filter(): RuleFilter<Ctx> {
    return (this.madeFilter ??= this.parts.filter(this.info, this.made().expr));
  }
}
