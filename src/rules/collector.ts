// Collects list, macro and rule definitions across files: define, append, selective replace
// and the standalone `enabled` item, with Falco's indices and visibility
// (rule_loader_collector.cpp). Every item keeps the index of its first definition (evaluation
// order); every define/append/replace takes the next id as the item's visibility.

import type { Expr } from '../filter/index.js';
import type { LoadContext, ValueSourceMap } from './context.js';
import { isEntrySet, validateException, type ExceptionInfo } from './exceptions.js';
import type { Priority } from './priority.js';
import { type LoadResult, RuleLoadError } from './result.js';
import type { RuleSource } from './source.js';
import { ENGINE_VERSION, compareVersions, formatVersion, isCompatible, parseVersion, type Version } from './version.js';
import type { ParsedYaml } from './yaml-source.js';

export const ERROR_OVERRIDE_APPEND =
  "Keys 'override' and 'append: true' cannot be used together. Add an 'append' entry (e.g. 'condition: append') under 'override' instead.";
export const ERROR_NO_PREVIOUS_MACRO =
  "Macro uses 'append' or 'override.condition: append' but no macro by that name already exists";
export const ERROR_NO_PREVIOUS_LIST =
  "List uses 'append' or 'override.items: append' but no list by that name already exists";
export const ERROR_NO_PREVIOUS_RULE_APPEND =
  "Rule uses 'append' or 'override.<key>: append' but no rule by that name already exists";
export const ERROR_NO_PREVIOUS_RULE_REPLACE =
  "An 'override.<key>: replace' to a rule was requested but no rule by that name already exists";

/** What collecting and compiling need to know about the load in progress. */
export interface LoadConfig {
  /** Where errors and warnings of the file being loaded go. */
  result: LoadResult;
  /**
   * Known event sources by name; rules of other sources are kept but not compiled. (`never`:
   * any source, whatever event context its filters take.)
   */
  sources: ReadonlyMap<string, RuleSource<never>>;
  /** Defaults to Falco's engine version 0.63.0. */
  engineVersion?: Version;
  /** Parses a file's YAML (default parseYaml; the parsed-rules cache when the caller keeps one). */
  parse?: (content: string) => ParsedYaml;
}

export interface ListInfo {
  context: LoadContext;
  index: number;
  visibility: number;
  name: string;
  items: string[];
}

export interface MacroInfo {
  context: LoadContext;
  conditionContext: LoadContext;
  /** Maps the condition text back to the file, while it is the text of that node. */
  conditionSource?: ValueSourceMap;
  index: number;
  visibility: number;
  name: string;
  condition: string;
}

export interface RuleInfo {
  context: LoadContext;
  conditionContext: LoadContext;
  conditionSource?: ValueSourceMap;
  outputContext: LoadContext;
  index: number;
  visibility: number;
  unknownSource: boolean;
  name: string;
  condition: string;
  source: string;
  desc: string;
  output: string;
  tags: Set<string>;
  exceptions: ExceptionInfo[];
  priority: Priority;
  capture: boolean;
  captureDuration: number;
  enabled: boolean;
  warnEvttypes: boolean;
  skipIfUnknownFilter: boolean;
}

/** The fields an append or selective replace carries; absent fields are left alone. */
export interface RuleUpdate {
  context: LoadContext;
  name: string;
  source: string;
  condition?: string;
  output?: string;
  desc?: string;
  tags?: Set<string>;
  exceptions?: ExceptionInfo[];
  priority?: Priority;
  capture?: boolean;
  captureDuration?: number;
  enabled?: boolean;
  warnEvttypes?: boolean;
  skipIfUnknownFilter?: boolean;
}

export interface PluginRequirement {
  name: string;
  version: string;
}

/** Definition-level fields of a list/macro/rule; index and visibility are assigned here. */
type Unindexed<T> = Omit<T, 'index' | 'visibility'>;

function validationError(message: string, context: LoadContext): RuleLoadError {
  return new RuleLoadError('LOAD_ERR_VALIDATE', message, context);
}

function hasAnyValue(u: RuleUpdate): boolean {
  return (
    u.condition !== undefined || u.output !== undefined || u.desc !== undefined || u.tags !== undefined ||
    u.exceptions !== undefined || u.priority !== undefined || u.enabled !== undefined || u.capture !== undefined ||
    u.captureDuration !== undefined || u.warnEvttypes !== undefined || u.skipIfUnknownFilter !== undefined
  );
}

export class Collector {
  private nextId = 0;
  // Maps keep insertion order, and set() on an existing key keeps its place: exactly the
  // "replace the info but keep its position" of Falco's indexed_vector.
  readonly lists = new Map<string, ListInfo>();
  readonly macros = new Map<string, MacroInfo>();
  readonly rules = new Map<string, RuleInfo>();
  readonly requiredPluginVersions: PluginRequirement[][] = [];
  /** Condition texts (lists substituted) already parsed: every file loaded compiles all again. */
  readonly parsedConditions = new Map<string, Expr>();
  requiredEngineVersion: Version = { major: 0, minor: 0, patch: 0 };

  defineEngineVersion(cfg: LoadConfig, version: Version, context: LoadContext): void {
    const engine = cfg.engineVersion ?? ENGINE_VERSION;
    if (!isCompatible(engine, version)) {
      throw validationError(
        `Rules require engine version ${formatVersion(version)}, but engine version is ${formatVersion(engine)}`,
        context,
      );
    }
    if (compareVersions(this.requiredEngineVersion, version) < 0) this.requiredEngineVersion = version;
  }

  definePluginVersions(alternatives: PluginRequirement[], context: LoadContext): void {
    const names = new Set<string>();
    for (const req of alternatives) {
      if (!parseVersion(req.version)) {
        throw validationError(`Invalid required version '${req.version}' for plugin '${req.name}'`, context);
      }
      if (names.has(req.name)) {
        throw validationError(`Defined multiple alternative version requirements for plugin '${req.name}'`, context);
      }
      names.add(req.name);
    }
    this.requiredPluginVersions.push(alternatives);
  }

  defineList(info: Unindexed<ListInfo>): void {
    this.define(this.lists, info);
  }

  appendList(info: Unindexed<ListInfo>): void {
    const prev = this.lists.get(info.name);
    if (!prev) throw validationError(ERROR_NO_PREVIOUS_LIST, info.context);
    prev.items.push(...info.items);
    prev.visibility = this.nextId++;
  }

  defineMacro(info: Unindexed<MacroInfo>): void {
    this.define(this.macros, info);
  }

  /** Macro append is plain text concatenation; the result is parsed as a whole later. */
  appendMacro(info: Unindexed<MacroInfo>): void {
    const prev = this.macros.get(info.name);
    if (!prev) throw validationError(ERROR_NO_PREVIOUS_MACRO, info.context);
    prev.condition += ' ' + info.condition;
    prev.conditionSource = undefined;
    prev.visibility = this.nextId++;
  }

  defineRule(cfg: LoadConfig, info: Unindexed<RuleInfo>): void {
    this.findPreviousRule(info.name, info.source, info.context);
    const source = cfg.sources.get(info.source);
    if (!source) {
      info.unknownSource = true;
      cfg.result.addWarning('LOAD_UNKNOWN_SOURCE', `Unknown source ${info.source}, skipping`, info.context);
    }
    for (const ex of info.exceptions) {
      if (!isEntrySet(ex.fields)) {
        throw validationError('Rule exception item must have fields property with a list of fields', ex.context);
      }
      validateException(ex, source);
    }
    this.define(this.rules, info);
  }

  appendRule(cfg: LoadConfig, update: RuleUpdate): void {
    const prev = this.findPreviousRule(update.name, update.source, update.context);
    if (!prev) throw validationError(ERROR_NO_PREVIOUS_RULE_APPEND, update.context);
    if (!hasAnyValue(update)) {
      throw validationError('Appended rule must have exceptions or condition property', update.context);
    }
    const source = this.sourceOf(cfg, prev, update.context);

    if (update.condition) {
      prev.condition += ' ' + update.condition;
      prev.conditionSource = undefined;
    }
    if (update.output) prev.output += ' ' + update.output;
    if (update.desc) prev.desc += ' ' + update.desc;
    if (update.tags) for (const tag of update.tags) prev.tags.add(tag);
    for (const ex of update.exceptions ?? []) {
      const existing = prev.exceptions.find((e) => e.name === ex.name);
      if (!existing) {
        if (!isEntrySet(ex.fields)) {
          throw validationError('Rule exception must have fields property with a list of fields', ex.context);
        }
        if (ex.values.length === 0) {
          throw validationError('Rule exception must have values property with a list of values', ex.context);
        }
        validateException(ex, source);
        prev.exceptions.push(ex);
      } else {
        if (isEntrySet(ex.fields)) {
          throw validationError('Can not append exception fields to existing exception, only values', ex.context);
        }
        if (isEntrySet(ex.comps)) {
          throw validationError('Can not append exception comps to existing exception, only values', ex.context);
        }
        existing.values.push(...ex.values);
      }
    }
    prev.visibility = this.nextId++;
  }

  replaceRule(cfg: LoadConfig, update: RuleUpdate): void {
    const prev = this.findPreviousRule(update.name, update.source, update.context);
    if (!prev) throw validationError(ERROR_NO_PREVIOUS_RULE_REPLACE, update.context);
    if (!hasAnyValue(update)) {
      throw validationError('The rule must have at least one field that can be replaced', update.context);
    }
    this.sourceOf(cfg, prev, update.context);

    if (update.condition !== undefined) {
      prev.condition = update.condition;
      prev.conditionSource = undefined;
    }
    if (update.output !== undefined) prev.output = update.output;
    if (update.desc !== undefined) prev.desc = update.desc;
    if (update.tags !== undefined) prev.tags = update.tags;
    if (update.exceptions !== undefined) prev.exceptions = update.exceptions;
    if (update.priority !== undefined) prev.priority = update.priority;
    if (update.capture !== undefined) prev.capture = update.capture;
    if (update.captureDuration !== undefined) prev.captureDuration = update.captureDuration;
    if (update.enabled !== undefined) prev.enabled = update.enabled;
    if (update.warnEvttypes !== undefined) prev.warnEvttypes = update.warnEvttypes;
    if (update.skipIfUnknownFilter !== undefined) prev.skipIfUnknownFilter = update.skipIfUnknownFilter;
    prev.visibility = this.nextId++;
  }

  /** The deprecated standalone `- rule: x / enabled: b` item. */
  enableRule(name: string, enabled: boolean, context: LoadContext): void {
    const prev = this.rules.get(name);
    if (!prev) throw validationError("Rule has 'enabled' key but no rule by that name already exists", context);
    prev.enabled = enabled;
  }

  private define<T extends { name: string; index: number; visibility: number }>(
    items: Map<string, T>,
    info: Unindexed<T>,
  ): void {
    const id = this.nextId++;
    const prev = items.get(info.name);
    items.set(info.name, { ...info, index: prev ? prev.index : id, visibility: id } as T);
  }

  /** Redefining or updating a rule with a different explicit source is an error. */
  private findPreviousRule(name: string, source: string, context: LoadContext): RuleInfo | undefined {
    const prev = this.rules.get(name);
    if (prev && prev.source !== '' && source !== '' && prev.source !== source) {
      throw validationError('Rule has been re-defined with a different source', context);
    }
    return prev;
  }

  private sourceOf(cfg: LoadConfig, rule: RuleInfo, context: LoadContext): RuleSource<never> | undefined {
    if (rule.unknownSource) return undefined;
    const source = cfg.sources.get(rule.source);
    if (!source) throw validationError(`Unknown source ${rule.source}`, context);
    return source;
  }
}
