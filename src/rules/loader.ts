// The public entry: loads rules files in order into one collector, recompiling everything
// after each file as Falco does (falco_engine::load_rules), so later files see and may
// override earlier definitions and each file gets its own result. The first error in a file
// stops that file; by default it also stops the whole load (Falco's startup), while
// validation goes on with the next files (falco -V).

import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Collector } from './collector.js';
import { asCompileRecord, compileFromRecord, recordKey, recordLoad, restoreDefinitions, resultsFromRecord } from './compile-record.js';
import { compileCollected, SYSCALL_SOURCE, type CompileOutput, type ExtraOutputFormat } from './rule-compiler.js';
import { LoadContext } from './context.js';
import type { RulesCache } from './rules-cache.js';
import { parsePriority, type Priority } from './priority.js';
import { readRules } from './reader.js';
import { LoadResult, type FalcoJsonResult, type FlatDiagnostic } from './result.js';
import { matchesWildcard, parseRuleMatching, Ruleset, type RuleSelection } from './ruleset.js';
import type { RuleSource } from './source.js';
import { syscallSource } from './syscall-source.js';
import type { Version } from './version.js';
import type { EventContext } from '../state/index.js';

export interface LoaderOptions<Ctx> {
  /**
   * Event sources rules may use (default: syscall only); rules of other sources are kept for
   * appends but skipped with a warning.
   */
  sources?: ReadonlyMap<string, RuleSource<Ctx>>;
  /** Engine version `required_engine_version` is checked against (default 0.63.0). */
  engineVersion?: Version;
  /** `append_output` entries. */
  extraOutputFormats?: readonly ExtraOutputFormat[];
  /**
   * Keeps files' parsed YAML and what a load of files compiled to across runs (rules-cache.ts):
   * without it every file is parsed and every rule compiled at load.
   */
  cache?: RulesCache;
}

export interface RulesetConfig {
  /** Falco `priority`: rules less severe are not loaded (default debug). */
  minPriority?: Priority | string;
  /** Falco `rule_matching`: `first` (the default) or `all`, checked by parseRuleMatching. */
  ruleMatching?: string;
  /** Falco `rules:` enable/disable selections, applied in order after loading. */
  selections?: readonly RuleSelection[];
}

/**
 * Holds the definitions collected so far. Each `load` reads one file and recompiles
 * everything; `compiled` is the output of the last compile that succeeded.
 */
export class RulesLoader<Ctx = EventContext> {
  readonly collector = new Collector();
  /** File contents by name, for error snippets. */
  readonly contents = new Map<string, string>();
  readonly results: LoadResult[] = [];
  compiled: CompileOutput<Ctx> | undefined;

  private readonly sources: ReadonlyMap<string, RuleSource<Ctx>>;

  constructor(private readonly options: LoaderOptions<Ctx> = {}) {
    this.sources = options.sources ?? (defaultSources() as unknown as ReadonlyMap<string, RuleSource<Ctx>>);
  }

  /** Reads and compiles one file's content; returns (and records) its result. */
  load(content: string, name: string): LoadResult {
    const result = new LoadResult(name);
    this.contents.set(name, content);
    this.results.push(result);
    const cfg = this.config(result);
    if (readRules(content, name, this.collector, cfg)) {
      const compiled = compileCollected<Ctx>(cfg, this.collector);
      if (compiled) this.compiled = compiled;
    }
    return result;
  }

  /**
   * Loads `files` as the recorded load of the same files (compile-record.ts): the definitions,
   * results and event codes are the recorded ones, nothing is read or compiled, the rules compile
   * on first use. False when the record does not fit; the loader is then to be dropped.
   */
  loadRecorded(files: readonly RulesInput[], recorded: unknown): boolean {
    const record = asCompileRecord(recorded);
    if (record === undefined || record.results.length !== files.length || this.collector.rules.size > 0) return false;
    for (const f of files) this.contents.set(f.name, f.content);
    restoreDefinitions(this.collector, record);
    const compiled = compileFromRecord<Ctx>(this.config(new LoadResult('')), this.collector, record);
    if (compiled === undefined) return false;
    this.compiled = compiled;
    this.results.push(...resultsFromRecord(record));
    return true;
  }

  /** The key under which a load of `files` with this loader's options is recorded. */
  recordKey(files: readonly RulesInput[]): string {
    return recordKey(files, { engineVersion: this.options.engineVersion, extraOutputFormats: this.options.extraOutputFormats, sources: [...this.sources.keys()] });
  }

  private config(result: LoadResult) {
    return {
      result,
      sources: this.sources,
      engineVersion: this.options.engineVersion,
      extraOutputFormats: this.options.extraOutputFormats,
      parse: this.options.cache ? (text: string) => this.options.cache!.parse(text) : undefined,
    };
  }

  /** Records that a file could not be read (LOAD_ERR_FILE_READ). */
  fileReadError(name: string, reason?: string): LoadResult {
    const result = new LoadResult(name);
    const why = reason ? `: ${reason}` : '';
    result.addError('LOAD_ERR_FILE_READ', `Could not open file ${name} for reading${why}`, LoadContext.root(name));
    this.results.push(result);
    return result;
  }

  get successful(): boolean {
    return this.results.every((r) => r.successful);
  }

  /** The ruleset of one source, built from the last successful compile. */
  ruleset(config: RulesetConfig = {}, source = SYSCALL_SOURCE): Ruleset<Ctx> {
    const rules = (this.compiled?.rules ?? []).filter((r) => r.source === source);
    const src = this.sources.get(source);
    const ruleset = new Ruleset(rules, {
      minPriority: resolvePriority(config.minPriority),
      ruleMatching: config.ruleMatching === undefined ? undefined : parseRuleMatching(config.ruleMatching),
      compileGroup: src?.compileGroup?.bind(src),
    });
    ruleset.applySelections(config.selections ?? []);
    return ruleset;
  }
}

/** Only the syscall source. */
function defaultSources(): ReadonlyMap<string, RuleSource<EventContext>> {
  return new Map([[SYSCALL_SOURCE, syscallSource()]]);
}

function resolvePriority(p: Priority | string | undefined): Priority | undefined {
  if (p === undefined || typeof p === 'number') return p;
  const parsed = parsePriority(p);
  if (parsed === undefined) throw new Error(`Unknown priority value: ${p}`);
  return parsed;
}

export interface RulesInput {
  name: string;
  content: string;
}

export interface LoadedRules<Ctx> {
  /** One result per file, in load order (files after a failing one are absent unless validating). */
  results: LoadResult[];
  contents: ReadonlyMap<string, string>;
  successful: boolean;
  compiled: CompileOutput<Ctx> | undefined;
  /** The syscall ruleset, with priority, matching and selections applied. */
  ruleset: Ruleset<Ctx>;
  loader: RulesLoader<Ctx>;
}

export interface LoadRulesOptions<Ctx> extends LoaderOptions<Ctx>, RulesetConfig {
  /** Keep loading the next files after a file with errors (validation mode). Default false. */
  continueOnError?: boolean;
}

/** Loads in-memory rules contents in order. */
export function loadRulesContents<Ctx = EventContext>(inputs: readonly RulesInput[], options: LoadRulesOptions<Ctx> = {}): LoadedRules<Ctx> {
  return loadInputs(inputs, options);
}

/**
 * Loads rules files and directories in order; a directory stands for its *.yaml/*.yml files
 * in alphabetical order. Files given explicitly are loaded whatever their extension.
 */
export async function loadRulesFiles<Ctx = EventContext>(paths: readonly string[], options: LoadRulesOptions<Ctx> = {}): Promise<LoadedRules<Ctx>> {
  const inputs: Array<RulesInput | FileReadFailure> = [];
  for (const path of await expandRulesPaths(paths)) {
    try {
      inputs.push({ name: path, content: await readFile(path, 'utf8') });
    } catch (err) {
      inputs.push({ name: path, readError: (err as NodeJS.ErrnoException).code });
      if (!options.continueOnError) break;
    }
  }
  return loadInputs(inputs, options);
}

/** A file that could not be read, and why (an errno code). */
interface FileReadFailure {
  name: string;
  readError: string | undefined;
}

/**
 * Loads `inputs` in order: from the cache's record of the very same load when there is one,
 * else file by file, each compiling everything collected so far, and recorded when no file failed.
 */
function loadInputs<Ctx>(inputs: ReadonlyArray<RulesInput | FileReadFailure>, options: LoadRulesOptions<Ctx>): LoadedRules<Ctx> {
  const cache = options.cache;
  const files = inputs.every((i): i is RulesInput => 'content' in i) ? inputs : undefined;
  let loader = new RulesLoader<Ctx>(options);
  const key = cache && files ? loader.recordKey(files) : undefined;
  if (key !== undefined) {
    const recorded = cache!.record(key);
    if (recorded !== undefined) {
      if (loader.loadRecorded(files!, recorded)) return finish(loader, options);
      loader = new RulesLoader<Ctx>(options); // read in part: from the start, compiling
    }
  }
  for (const input of inputs) {
    const result = 'content' in input ? loader.load(input.content, input.name) : loader.fileReadError(input.name, input.readError);
    if (!result.successful && !options.continueOnError) break;
  }
  if (cache && key && loader.successful && loader.compiled) cache.keepRecord(key, recordLoad(loader.results, loader.collector, loader.compiled as CompileOutput<unknown>));
  return finish(loader, options);
}

function finish<Ctx>(loader: RulesLoader<Ctx>, config: RulesetConfig): LoadedRules<Ctx> {
  return {
    results: loader.results,
    contents: loader.contents,
    successful: loader.successful,
    compiled: loader.compiled,
    ruleset: loader.ruleset(config),
    loader,
  };
}

/** Directories become their regular *.yaml/*.yml files, sorted (Falco read_rules_file_directory). */
export async function expandRulesPaths(paths: readonly string[]): Promise<string[]> {
  const out: string[] = [];
  for (const path of paths) {
    let isDir = false;
    try {
      isDir = (await stat(path)).isDirectory();
    } catch {
      // Not there: reading it will report the error.
    }
    if (!isDir) {
      out.push(path);
      continue;
    }
    const files: string[] = [];
    for (const entry of await readdir(path, { withFileTypes: true })) {
      const full = join(path, entry.name);
      let regular = entry.isFile();
      if (entry.isSymbolicLink()) regular = await stat(full).then((s) => s.isFile(), () => false);
      if (regular) files.push(full);
    }
    files.sort();
    out.push(...files.filter((f) => matchesWildcard('*.yaml', f) || matchesWildcard('*.yml', f)));
  }
  return out;
}

/** Falco's `falco -V ... -o json_output=true` document. */
export function toFalcoValidationJson(loaded: { results: readonly LoadResult[]; contents: ReadonlyMap<string, string> }): {
  falco_load_results: FalcoJsonResult[];
} {
  return { falco_load_results: loaded.results.map((r) => r.toFalcoJson(loaded.contents)) };
}

/** Saker's `saker validate --json` document: counts and every error and warning, flattened. */
export interface SakerValidation {
  rules: number;
  enabled_rules: number;
  macros: number;
  lists: number;
  errors: FlatDiagnostic[];
  warnings: FlatDiagnostic[];
}

export function toSakerValidation<Ctx>(loaded: LoadedRules<Ctx>): SakerValidation {
  return {
    rules: loaded.compiled?.rules.length ?? 0,
    enabled_rules: loaded.ruleset.enabledCount,
    macros: loaded.compiled?.macros.size ?? 0,
    lists: loaded.compiled?.lists.size ?? 0,
    errors: loaded.results.flatMap((r) => r.flatErrors()),
    warnings: loaded.results.flatMap((r) => r.flatWarnings()),
  };
}
