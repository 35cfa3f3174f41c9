// Reads a rules file: YAML documents → items, validated key by key exactly as Falco's
// rule_loader_reader.cpp does, and handed to the collector in file order. The first error
// stops the file ("for consistency we stop at the first error"); warnings accumulate.

import { LoadContext } from './context.js';
import { type Collector, ERROR_OVERRIDE_APPEND, type LoadConfig, type RuleInfo, type RuleUpdate } from './collector.js';
import { emptyEntry, type ExceptionEntry, type ExceptionInfo } from './exceptions.js';
import { parsePriority, type Priority } from './priority.js';
import { RuleLoadError } from './result.js';
import { parseVersion, type Version } from './version.js';
import { parseYaml, type YamlMap, type YamlScalar, type YamlValue } from './yaml-source.js';

export const WARNING_APPEND =
  "'append' key is deprecated. Add an 'append' entry (e.g. 'condition: append') under 'override' instead.";
export const WARNING_ENABLED =
  "The standalone 'enabled' key usage is deprecated. The correct approach requires also a 'replace' entry under the 'override' key (i.e. 'enabled: replace').";

// Sinsp filter grammar tokens (libsinsp/filter/parser.h) that names must fully match.
const RGX_IDENTIFIER = '([a-zA-Z]+[a-zA-Z0-9_]*)';
const RGX_BARESTR = '([^()"\'[:space:]=,]+)';
const IDENTIFIER = /^[a-zA-Z]+[a-zA-Z0-9_]*$/;
const BARESTR = /^[^()"'\s=,]+$/;

const LIST_KEYS = new Set(['list', 'items', 'append', 'override']);
const MACRO_KEYS = new Set(['macro', 'condition', 'append', 'override']);
const RULE_KEYS = new Set([
  'rule', 'condition', 'output', 'desc', 'priority', 'source', 'enabled', 'capture', 'capture_duration',
  'warn_evttypes', 'skip-if-unknown-filter', 'tags', 'exceptions', 'override', 'append',
]);
const RULE_APPENDABLE = ['condition', 'output', 'desc', 'tags', 'exceptions'];
const RULE_REPLACEABLE = [
  'condition', 'output', 'desc', 'priority', 'capture', 'capture_duration', 'tags', 'exceptions', 'enabled',
  'warn_evttypes', 'skip-if-unknown-filter',
];

function yamlError(message: string, context: LoadContext): RuleLoadError {
  return new RuleLoadError('LOAD_ERR_YAML_VALIDATE', message, context);
}

/**
 * Reads `content` (named `name`) into `collector`, reporting to `cfg.result`.
 * Returns false when the file had an error (reading stopped there).
 */
export function readRules(content: string, name: string, collector: Collector, cfg: LoadConfig): boolean {
  const root = LoadContext.root(name);
  const parsed = (cfg.parse ?? parseYaml)(content);
  if (parsed.error) {
    cfg.result.addError('LOAD_ERR_YAML_PARSE', parsed.error.message, root.child(parsed.error.pos, 'value for', ''));
    return false;
  }
  const reader = new ItemReader(collector, cfg);
  for (const doc of parsed.documents) {
    if (!doc || doc.kind === 'null') continue;
    try {
      if (doc.kind === 'scalar') throw yamlError('Rules content is not yaml', root);
      if (doc.kind !== 'seq') throw yamlError('Rules content is not yaml array of objects', root);
      for (const item of doc.items) {
        if (item.kind !== 'null') reader.read(item, root);
      }
    } catch (err) {
      if (!(err instanceof RuleLoadError)) throw err;
      cfg.result.addError(err.code, err.message, err.context);
      return false;
    }
  }
  return true;
}

// ---- value decoding (yaml-cpp conversions) ----

function lookup(map: YamlMap, key: string): YamlValue | undefined {
  // yaml-cpp returns the first entry with that key.
  for (const e of map.entries) if (e.key === key) return e.value;
  return undefined;
}

interface DecodeOpts {
  optional?: boolean;
  canBeEmpty?: boolean;
}

/** The checks shared by every scalar decode (decode_val_generic); returns undefined when absent/empty-allowed. */
function scalarOf(item: YamlMap, key: string, ctx: LoadContext, opts: DecodeOpts): YamlScalar | undefined {
  const val = lookup(item, key);
  if (val === undefined) {
    if (opts.optional) return undefined;
    throw yamlError(`Item has no mapping for key '${key}'`, ctx);
  }
  if (val.kind === 'null') {
    if (opts.canBeEmpty) return undefined;
    throw yamlError(`Mapping for key '${key}' is empty`, ctx);
  }
  const valCtx = ctx.child(val.pos, 'value for', key);
  if (val.kind !== 'scalar') throw yamlError('Value is not a scalar value', valCtx);
  if (val.text === '') {
    if (opts.canBeEmpty) return undefined;
    throw yamlError('Value must be non-empty', valCtx);
  }
  return val;
}

function decodeString(item: YamlMap, key: string, ctx: LoadContext, opts: DecodeOpts = {}): string | undefined {
  return scalarOf(item, key, ctx, opts)?.text;
}

function requireString(item: YamlMap, key: string, ctx: LoadContext): string {
  return scalarOf(item, key, ctx, {})!.text;
}

function decodeBool(item: YamlMap, key: string, ctx: LoadContext, opts: DecodeOpts = {}): boolean | undefined {
  const val = scalarOf(item, key, ctx, opts);
  if (!val) return undefined;
  const b = yamlCppBool(val.text);
  if (b === undefined) throw yamlError("Can't decode YAML scalar value", ctx.child(val.pos, 'value for', key));
  return b;
}

function decodeUint32(item: YamlMap, key: string, ctx: LoadContext, opts: DecodeOpts = {}): number | undefined {
  const val = scalarOf(item, key, ctx, opts);
  if (!val) return undefined;
  const n = yamlCppUint32(val.text);
  if (n === undefined) throw yamlError("Can't decode YAML scalar value", ctx.child(val.pos, 'value for', key));
  return n;
}

const TRUE_WORDS = ['y', 'yes', 'true', 'on'];
const FALSE_WORDS = ['n', 'no', 'false', 'off'];

/** yaml-cpp's bool: y/yes/true/on and n/no/false/off, in lower, UPPER or Capitalised case. */
export function yamlCppBool(text: string): boolean | undefined {
  const flexible =
    text === text.toLowerCase() ||
    text === text.toUpperCase() ||
    (text.length > 0 && text[0] === text[0]!.toUpperCase() && text.slice(1) === text.slice(1).toLowerCase());
  if (!flexible) return undefined;
  const lower = text.toLowerCase();
  if (TRUE_WORDS.includes(lower)) return true;
  if (FALSE_WORDS.includes(lower)) return false;
  return undefined;
}

/** yaml-cpp's uint32: C++ stream extraction with base detection (0x.. hex, 0.. octal). */
export function yamlCppUint32(text: string): number | undefined {
  const m = /^\+?(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)[ \t\n\r\f\v]*$/.exec(text);
  if (!m) return undefined;
  const digits = m[1]!;
  const n = /^0[xX]/.test(digits) ? parseInt(digits.slice(2), 16) : digits.length > 1 && digits[0] === '0' ? parseInt(digits, 8) : parseInt(digits, 10);
  return n <= 0xffffffff ? n : undefined;
}

/** A sequence of scalars (items, tags). */
function decodeSeq(item: YamlMap, key: string, ctx: LoadContext, optional: boolean): string[] | undefined {
  const val = lookup(item, key);
  if (val === undefined) {
    if (optional) return undefined;
    throw yamlError(`Item has no mapping for key '${key}'`, ctx);
  }
  const valCtx = ctx.child(val.pos, 'value for', key);
  if (val.kind !== 'seq') throw yamlError('Value is not a sequence', valCtx);
  return val.items.map((v) => {
    if (v.kind !== 'scalar') throw yamlError('sequence value is not scalar', valCtx.child(v.pos, 'list item', ''));
    return v.text;
  });
}

/** std::isspace trimming (libsinsp trim), not JavaScript's Unicode-aware trim. */
function trimCSpace(text: string): string {
  return text.replace(/^[ \t\n\v\f\r]+|[ \t\n\v\f\r]+$/g, '');
}

// ---- item reading ----

class ItemReader {
  constructor(
    private readonly collector: Collector,
    private readonly cfg: LoadConfig,
  ) {}

  read(item: YamlValue, parent: LoadContext): void {
    if (item.kind !== 'map') {
      throw yamlError(
        'Unexpected element type. Each element should be a yaml associative array.',
        parent.child(item.pos, 'rules content item', ''),
      );
    }
    if (lookup(item, 'required_engine_version') !== undefined) this.engineVersion(item, parent);
    else if (lookup(item, 'required_plugin_versions') !== undefined) this.pluginVersions(item, parent);
    else if (lookup(item, 'list') !== undefined) this.list(item, parent);
    else if (lookup(item, 'macro') !== undefined) this.macro(item, parent);
    else if (lookup(item, 'rule') !== undefined) this.rule(item, parent);
    else {
      this.cfg.result.addWarning('LOAD_UNKNOWN_ITEM', 'Unknown top level item', parent.child(item.pos, 'rules content item', ''));
    }
  }

  private warnUnknownKeys(item: YamlMap, expected: ReadonlySet<string>, ctx: LoadContext): void {
    for (const e of item.entries) {
      if (!expected.has(e.key)) {
        this.cfg.result.addWarning('LOAD_UNKNOWN_KEY', `Unknown key '${e.key}'. The key will be ignored.`, ctx);
      }
    }
  }

  private engineVersion(item: YamlMap, parent: LoadContext): void {
    const ctx = parent.child(item.pos, 'required_engine_version', '');
    let version: Version | undefined;
    try {
      const minor = decodeUint32(item, 'required_engine_version', ctx)!;
      // A bare number N means 0.N.0 (engine major, patch 0).
      version = { major: 0, minor, patch: 0 };
    } catch {
      const text = requireString(item, 'required_engine_version', ctx);
      version = parseVersion(text);
      if (!version) {
        throw yamlError(`Unable to parse engine version '${text}' as a semver string. Expected "x.y.z" semver format.`, ctx);
      }
    }
    this.collector.defineEngineVersion(this.cfg, version, ctx);
    this.warnUnknownKeys(item, new Set(['required_engine_version']), ctx);
  }

  private pluginVersions(item: YamlMap, parent: LoadContext): void {
    const reqs = lookup(item, 'required_plugin_versions')!;
    const ctx = parent.child(reqs.pos, 'required plugin versions', '');
    if (reqs.kind !== 'seq') throw yamlError('Value of required_plugin_versions must be a sequence', ctx);
    for (const plugin of reqs.items) {
      const tmp = ctx.child(plugin.pos, 'required plugin versions entry', '');
      if (plugin.kind !== 'map') throw yamlError('Plugin version must be a mapping', tmp);
      const name = requireString(plugin, 'name', tmp);
      const pctx = ctx.child(plugin.pos, 'required plugin versions entry', name);
      const alternatives = [{ name, version: requireString(plugin, 'version', pctx) }];
      const alts = lookup(plugin, 'alternatives');
      if (alts !== undefined) {
        if (alts.kind !== 'seq') throw yamlError('Value of plugin version alternatives must be a sequence', pctx);
        for (const alt of alts.items) {
          const atmp = pctx.child(alt.pos, 'required plugin versions alternative', '');
          if (alt.kind !== 'map') throw yamlError('Plugin version alternative must be a mapping', atmp);
          const altName = requireString(alt, 'name', atmp);
          const actx = pctx.child(alt.pos, 'required plugin versions alternative', altName);
          alternatives.push({ name: altName, version: requireString(alt, 'version', actx) });
        }
      }
      this.collector.definePluginVersions(alternatives, pctx);
    }
    this.warnUnknownKeys(item, new Set(['required_plugin_versions']), parent.child(item.pos, 'required plugin versions', ''));
  }

  private list(item: YamlMap, parent: LoadContext): void {
    const name = requireString(item, 'list', parent.child(item.pos, 'list', ''));
    const ctx = parent.child(item.pos, 'list', name);
    if (!BARESTR.test(name)) {
      this.cfg.result.addWarning(
        'LOAD_INVALID_LIST_NAME',
        `List has an invalid name. List names should match a regular expression: ${RGX_BARESTR}`,
        ctx,
      );
    }
    const items = decodeSeq(item, 'items', ctx, false)!;
    let append = this.appendFlag(item, ctx);
    const overrides = this.overrides(item, ['items'], ['items'], ctx);
    if (append && overrides.any) throw yamlError(ERROR_OVERRIDE_APPEND, ctx);
    // A list only has items: appending them appends the list, anything else redefines it.
    append ||= overrides.append.has('items');
    const info = { context: ctx, name, items };
    if (append) this.collector.appendList(info);
    else this.collector.defineList(info);
    this.warnUnknownKeys(item, LIST_KEYS, ctx);
  }

  private macro(item: YamlMap, parent: LoadContext): void {
    const name = requireString(item, 'macro', parent.child(item.pos, 'macro', ''));
    const ctx = parent.child(item.pos, 'macro', name);
    if (!IDENTIFIER.test(name)) {
      this.cfg.result.addWarning(
        'LOAD_INVALID_MACRO_NAME',
        `Macro has an invalid name. Macro names should match a regular expression: ${RGX_IDENTIFIER}`,
        ctx,
      );
    }
    const cond = scalarOf(item, 'condition', ctx, {})!;
    const conditionContext = ctx.child(lookup(item, 'condition')!.pos, 'macro condition', '');
    let append = this.appendFlag(item, ctx);
    const overrides = this.overrides(item, ['condition'], ['condition'], ctx);
    if (append && overrides.any) throw yamlError(ERROR_OVERRIDE_APPEND, ctx);
    append ||= overrides.append.has('condition');
    const info = { context: ctx, conditionContext, conditionSource: cond.sourceMap, name, condition: cond.text };
    if (append) this.collector.appendMacro(info);
    else this.collector.defineMacro(info);
    this.warnUnknownKeys(item, MACRO_KEYS, ctx);
  }

  private appendFlag(item: YamlMap, ctx: LoadContext): boolean {
    const append = decodeBool(item, 'append', ctx, { optional: true }) ?? false;
    if (append) this.cfg.result.addWarning('LOAD_DEPRECATED_ITEM', WARNING_APPEND, ctx);
    return append;
  }

  /** The `override:` map: key → append|replace, each checked against what the item allows. */
  private overrides(
    item: YamlMap,
    appendable: readonly string[],
    replaceable: readonly string[],
    ctx: LoadContext,
  ): { append: Set<string>; replace: Set<string>; any: boolean } {
    const append = new Set<string>();
    const replace = new Set<string>();
    const val = lookup(item, 'override');
    if (val !== undefined) {
      const overrideCtx = ctx.child(item.pos, 'overrides', '');
      // yaml-cpp iterates a non-map node as empty; entry values must be scalars.
      const entries = val.kind === 'map' ? val.entries : [];
      for (const e of entries) {
        const operation = e.value.kind === 'scalar' ? e.value.text : '';
        const canAppend = appendable.includes(e.key);
        const canReplace = replaceable.includes(e.key);
        if (operation === 'append') {
          if (!canAppend) {
            throw yamlError(`Key '${e.key}' cannot be appended to, use 'replace' instead`, overrideCtx.child(e.keyPos, 'overrides', e.key));
          }
          append.add(e.key);
        } else if (operation === 'replace') {
          if (!canReplace) throw yamlError(`Key '${e.key}' cannot be replaced`, overrideCtx.child(e.keyPos, 'overrides', e.key));
          replace.add(e.key);
        } else {
          let msg = `Invalid override operation for key '${e.key}': '${operation}'. Allowed values are: `;
          if (canAppend) msg += 'append ';
          if (canReplace) msg += 'replace ';
          throw yamlError(msg, overrideCtx.child(e.value.pos, 'value for', e.key));
        }
      }
    }
    return { append, replace, any: append.size > 0 || replace.size > 0 };
  }

  private rule(item: YamlMap, parent: LoadContext): void {
    const name = requireString(item, 'rule', parent.child(item.pos, 'rule', ''));
    const ctx = parent.child(item.pos, 'rule', name);
    const source = decodeString(item, 'source', ctx, { optional: true, canBeEmpty: true }) ?? '';
    const hasAppendFlag = this.appendFlag(item, ctx);
    const overrides = this.overrides(item, RULE_APPENDABLE, RULE_REPLACEABLE, ctx);
    if (hasAppendFlag && overrides.any) throw yamlError(ERROR_OVERRIDE_APPEND, ctx);

    if (overrides.any) this.ruleOverrides(item, ctx, name, source, overrides);
    else if (hasAppendFlag) this.ruleAppend(item, ctx, name, source);
    else this.ruleDefinition(item, ctx, name);
    this.warnUnknownKeys(item, RULE_KEYS, ctx);
  }

  private ruleOverrides(
    item: YamlMap,
    ctx: LoadContext,
    name: string,
    source: string,
    overrides: { append: Set<string>; replace: Set<string> },
  ): void {
    // The keys present that may be overridden must each have an override entry.
    const expected = new Set<string>();
    for (const key of [...RULE_APPENDABLE, ...RULE_REPLACEABLE]) if (lookup(item, key) !== undefined) expected.add(key);
    const wants = (set: Set<string>, kind: string, key: string): boolean => {
      if (!set.has(key)) return false;
      if (!expected.has(key)) throw yamlError(`An ${kind} override for '${key}' was specified but '${key}' is not defined`, ctx);
      expected.delete(key);
      return true;
    };

    if (overrides.append.size > 0) {
      const u: RuleUpdate = { context: ctx, name, source: '' };
      if (wants(overrides.append, 'append', 'condition')) {
        u.source = source;
        u.condition = requireString(item, 'condition', ctx);
      }
      if (wants(overrides.append, 'append', 'exceptions')) u.exceptions = this.exceptions(item, ctx, true);
      if (wants(overrides.append, 'append', 'output')) u.output = requireString(item, 'output', ctx);
      if (wants(overrides.append, 'append', 'desc')) u.desc = requireString(item, 'desc', ctx);
      if (wants(overrides.append, 'append', 'tags')) u.tags = new Set(decodeSeq(item, 'tags', ctx, true) ?? []);
      this.collector.appendRule(this.cfg, u);
    }

    if (overrides.replace.size > 0) {
      const u: RuleUpdate = { context: ctx, name, source: '' };
      if (wants(overrides.replace, 'replace', 'condition')) {
        u.source = source;
        u.condition = requireString(item, 'condition', ctx);
      }
      if (wants(overrides.replace, 'replace', 'exceptions')) u.exceptions = this.exceptions(item, ctx, false);
      if (wants(overrides.replace, 'replace', 'output')) u.output = requireString(item, 'output', ctx);
      if (wants(overrides.replace, 'replace', 'desc')) u.desc = requireString(item, 'desc', ctx);
      if (wants(overrides.replace, 'replace', 'tags')) u.tags = new Set(decodeSeq(item, 'tags', ctx, true) ?? []);
      if (wants(overrides.replace, 'replace', 'priority')) u.priority = this.priority(item, ctx);
      if (wants(overrides.replace, 'replace', 'capture')) u.capture = decodeBool(item, 'capture', ctx);
      if (wants(overrides.replace, 'replace', 'capture_duration')) u.captureDuration = decodeUint32(item, 'capture_duration', ctx);
      if (wants(overrides.replace, 'replace', 'enabled')) u.enabled = decodeBool(item, 'enabled', ctx);
      if (wants(overrides.replace, 'replace', 'warn_evttypes')) u.warnEvttypes = decodeBool(item, 'warn_evttypes', ctx);
      if (wants(overrides.replace, 'replace', 'skip-if-unknown-filter')) {
        u.skipIfUnknownFilter = decodeBool(item, 'skip-if-unknown-filter', ctx);
      }
      this.collector.replaceRule(this.cfg, u);
    }

    for (const key of expected) {
      const keyPos = item.entries.find((e) => e.key === key)!.value.pos;
      throw yamlError(`Unexpected key '${key}': no corresponding entry under 'override' is defined.`, ctx.child(keyPos, 'overrides', key));
    }
  }

  /** Legacy `append: true`: condition and/or exceptions are appended. */
  private ruleAppend(item: YamlMap, ctx: LoadContext, name: string, source: string): void {
    const u: RuleUpdate = { context: ctx, name, source };
    if (lookup(item, 'condition') !== undefined) u.condition = requireString(item, 'condition', ctx);
    if (lookup(item, 'exceptions') !== undefined) u.exceptions = this.exceptions(item, ctx, true);
    this.collector.appendRule(this.cfg, u);
  }

  private ruleDefinition(item: YamlMap, ctx: LoadContext, name: string): void {
    // Without condition/output/desc/priority, the item only sets `enabled` of an earlier rule.
    if (['condition', 'output', 'desc', 'priority'].every((k) => lookup(item, k) === undefined)) {
      const enabled = decodeBool(item, 'enabled', ctx)!;
      this.cfg.result.addWarning('LOAD_DEPRECATED_ITEM', WARNING_ENABLED, ctx);
      this.collector.enableRule(name, enabled, ctx);
      return;
    }
    const cond = scalarOf(item, 'condition', ctx, {})!;
    const conditionContext = ctx.child(lookup(item, 'condition')!.pos, 'rule condition', '');
    const output = requireString(item, 'output', ctx);
    const outputContext = ctx.child(lookup(item, 'output')!.pos, 'rule output', '');
    const desc = requireString(item, 'desc', ctx);
    const priority = this.priority(item, ctx);
    const info: Omit<RuleInfo, 'index' | 'visibility'> = {
      context: ctx,
      conditionContext,
      conditionSource: cond.sourceMap,
      outputContext,
      unknownSource: false,
      name,
      condition: cond.text,
      source: decodeString(item, 'source', ctx, { optional: true }) ?? 'syscall',
      desc,
      output: trimCSpace(output),
      tags: new Set<string>(),
      exceptions: [],
      priority,
      enabled: decodeBool(item, 'enabled', ctx, { optional: true }) ?? true,
      capture: decodeBool(item, 'capture', ctx, { optional: true }) ?? false,
      captureDuration: decodeUint32(item, 'capture_duration', ctx, { optional: true }) ?? 0,
      warnEvttypes: decodeBool(item, 'warn_evttypes', ctx, { optional: true }) ?? true,
      skipIfUnknownFilter: decodeBool(item, 'skip-if-unknown-filter', ctx, { optional: true }) ?? false,
    };
    info.tags = new Set(decodeSeq(item, 'tags', ctx, true) ?? []);
    info.exceptions = this.exceptions(item, ctx, false);
    this.collector.defineRule(this.cfg, info);
  }

  private priority(item: YamlMap, ctx: LoadContext): Priority {
    const text = requireString(item, 'priority', ctx);
    const p = parsePriority(text);
    if (p === undefined) throw yamlError('Invalid priority', ctx.child(lookup(item, 'priority')!.pos, 'rule priority', ''));
    return p;
  }

  /** read_rule_exceptions: `fields` may be omitted when appending. */
  private exceptions(item: YamlMap, parent: LoadContext, append: boolean): ExceptionInfo[] {
    const out: ExceptionInfo[] = [];
    const exs = lookup(item, 'exceptions');
    if (exs === undefined || exs.kind === 'null') return out;
    const exesCtx = parent.child(exs.pos, 'exceptions', '');
    if (exs.kind !== 'seq') throw yamlError('Rule exceptions must be a sequence', exesCtx);
    for (const ex of exs.items) {
      const tmp = exesCtx.child(ex.pos, 'exception', '');
      if (ex.kind !== 'map') throw yamlError('Rule exception must be a mapping', tmp);
      const name = requireString(ex, 'name', tmp);
      const exCtx = parent.child(ex.pos, 'exception', name);
      if (out.some((e) => e.name === name)) {
        this.cfg.result.addWarning('LOAD_EXCEPTION_NAME_NOT_UNIQUE', `Multiple definitions of exception '${name}' in the same rule`, exCtx);
      }
      const info: ExceptionInfo = {
        context: exCtx,
        name,
        fields: decodeEntry(ex, 'fields', exCtx, append),
        comps: decodeEntry(ex, 'comps', exCtx, true),
        values: [],
      };
      const vals = lookup(ex, 'values');
      if (vals !== undefined) {
        const valsCtx = exCtx.child(vals.pos, 'exception values', '');
        if (vals.kind !== 'seq') throw yamlError('Rule exception values must be a sequence', valsCtx);
        for (const v of vals.items) {
          info.values.push(entryOf(v, valsCtx.child(v.pos, 'exception value', ''), ''));
        }
      } else if (append) {
        this.cfg.result.addWarning('LOAD_APPEND_NO_VALUES', 'Overriding/appending exception with no values', exCtx);
      }
      out.push(info);
    }
    return out;
  }
}

/** fields/comps of an exception: optional ones may be absent (an empty entry). */
function decodeEntry(ex: YamlMap, key: string, ctx: LoadContext, optional: boolean): ExceptionEntry {
  const val = lookup(ex, key);
  if (val === undefined) {
    if (optional) return emptyEntry();
    throw yamlError(`Item has no mapping for key '${key}'`, ctx);
  }
  return entryOf(val, ctx, key);
}

/** A scalar or a nested sequence of scalars; nulls and maps leave an unset entry, as in Falco. */
function entryOf(val: YamlValue, ctx: LoadContext, key: string): ExceptionEntry {
  const valCtx = ctx.child(val.pos, 'value for', key);
  const entry = emptyEntry();
  if (val.kind === 'scalar') {
    if (val.text === '') throw yamlError('Value must be non-empty', valCtx);
    entry.item = val.text;
  } else if (val.kind === 'seq') {
    entry.isList = true;
    for (const v of val.items) entry.items.push(entryOf(v, valCtx.child(v.pos, 'exception', ''), ''));
  }
  return entry;
}
