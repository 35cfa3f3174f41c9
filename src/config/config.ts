// Saker's configuration: Falco's falco.yaml keys where they mean the same thing, read from an
// optional YAML file (-c) and `-o key=value` overrides, validated against the schema (schema.ts;
// errors name the key and its file:line:col or -o option), then checked into typed settings.
import { readFileSync } from 'node:fs';
import { parseDocument, LineCounter, type Document } from 'yaml';
import { applyOverride, ConfigError } from './overrides.js';
import { validateConfig, type ConfigSources } from './validate.js';
import { resolveOutputs, type OutputsConfig } from './outputs.js';
import type { BaseSyscalls, BufferSettings } from '../capture/live/index.js';

export { ConfigError } from './overrides.js';

type RuleSelection = { enable: { rule?: string; tag?: string } } | { disable: { rule?: string; tag?: string } };

export interface Config {
  rulesFiles: string[];
  rules: RuleSelection[];
  /** Minimum priority name (rules less severe are not loaded). */
  priority: string;
  ruleMatching: 'first' | 'all';
  jsonOutput: boolean;
  jsonIncludeOutputProperty: boolean;
  jsonIncludeOutputFieldsProperty: boolean;
  jsonIncludeTagsProperty: boolean;
  jsonIncludeMessageProperty: boolean;
  timeFormatIso8601: boolean;
  bufferedOutputs: boolean;
  stdoutOutput: { enabled: boolean };
  fileOutput: { enabled: boolean; keepAlive: boolean; filename: string };
  /** Extra text appended to every rule output (append_output entries without match). */
  appendOutput: Array<{ match?: { source?: string; tags?: string[]; rule?: string }; extraOutput?: string; extraFields?: unknown[]; suggestedOutput?: boolean }>;
  /** Falco's `base_syscalls.custom_set` and `.repair`: what the live sensor captures besides the
   *  rules' syscalls (`.all` is read as Saker always behaves: rule syscalls are never dropped). */
  baseSyscalls: BaseSyscalls;
  /** Saker's `prefilter.enabled` (default false): the live sensor keeps in the kernel the opens no
   *  loaded rule can care about, and their closes (sensor/README.md "Prefilter"). Off by default:
   *  it saves the agent's CPU but costs the workload's opens more than it saves them, and it
   *  decides on the path read after the syscall, which a racing thread can change. */
  prefilter: boolean;
  /** Saker's `scheduling.nice` (default 0: the priority it was started with): the nice value
   *  `saker run` gives its event thread (and the sensors it starts) at start. A busy host delays
   *  the agent behind the workloads: measured at ~460k events/s on 2 CPUs, syscall-to-alert p99
   *  36-39 ms at nice 0 against 8.9-10.7 ms at -10 (bench/agent-latency --load 250000); an
   *  attacker's CPU flood would delay detection the same way. Not the default: at -10 two e2e
   *  tests that flood the agent while their own helpers (a DNS server, a file writer) share the
   *  CPUs failed in CI, once each, which needs understanding first. */
  nice: number;
  /** Where alerts go: every enabled output and destination with its delivery options. */
  outputs: OutputsConfig;
  /** Falco's `falco_libs`: the thread table's size and idle purge, the sensor's snaplen (unset:
   *  the defaults of the state and the sensor). */
  libs: { threadTableSize?: number; purgeIntervalS?: number; threadTimeoutS?: number; snaplen?: number };
  /** Falco's `engine.<kind>.buf_size_preset` (and modern_ebpf's `cpus_for_each_buffer`): the
   *  sensor's ring sizes (ringSizes); unset: sized to the host by the sensor. */
  buffers: BufferSettings;
  /** The raw object, for keys later features read. */
  raw: Record<string, unknown>;
}

function get(raw: Record<string, unknown>, path: string): unknown {
  let cur: unknown = raw;
  for (const k of path.split('.')) {
    if (typeof cur !== 'object' || cur === null) return undefined;
    cur = (cur as Record<string, unknown>)[k];
  }
  return cur;
}

function bool(raw: Record<string, unknown>, path: string, dflt: boolean): boolean {
  const v = get(raw, path);
  if (v === undefined) return dflt;
  if (typeof v === 'boolean') return v;
  throw new ConfigError(`configuration key '${path}' must be true or false, got '${shown(v)}'`);
}

/** A configuration value as an error shows it: a scalar as written, a list or map as JSON. */
export function shown(v: unknown): string {
  return typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v);
}

function str(raw: Record<string, unknown>, path: string, dflt: string): string {
  const v = get(raw, path);
  if (v === undefined) return dflt;
  if (typeof v === 'string' || typeof v === 'number') return String(v);
  throw new ConfigError(`configuration key '${path}' must be a string`);
}

/** A whole number the schema has checked, or undefined when unset. */
function int(raw: Record<string, unknown>, path: string): number | undefined {
  const v = get(raw, path);
  if (v === undefined) return undefined;
  if (typeof v === 'number' && Number.isInteger(v)) return v;
  throw new ConfigError(`configuration key '${path}' must be a whole number, got '${shown(v)}'`);
}

/** scheduling.nice: 0 unless set; a nice value is -20 .. 19. */
function niceValue(raw: Record<string, unknown>): number {
  const v = int(raw, 'scheduling.nice') ?? 0;
  if (v < -20 || v > 19) throw new ConfigError(`configuration key 'scheduling.nice' must be from -20 to 19, got '${v}'`);
  return v;
}

function strList(raw: Record<string, unknown>, path: string): string[] | undefined {
  const v = get(raw, path);
  if (v === undefined) return undefined;
  if (typeof v === 'string') return [v];
  if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v;
  throw new ConfigError(`configuration key '${path}' must be a list of strings`);
}

/** Reads a YAML configuration file; errors name the file, line and column. */
export function readConfigFile(path: string): Record<string, unknown> {
  return parseConfigFile(path).raw;
}

function parseConfigFile(path: string): { raw: Record<string, unknown>; doc: Document; lines: LineCounter } {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new ConfigError(`cannot read configuration file ${path}: ${(e as Error).message}`);
  }
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc });
  if (doc.errors.length) {
    const e = doc.errors[0]!;
    const p = lc.linePos(e.pos[0]);
    throw new ConfigError(`${path}:${p.line}:${p.col}: ${e.message.split('\n')[0]}`);
  }
  const v: unknown = doc.toJS();
  if (v === null || v === undefined) return { raw: {}, doc, lines: lc };
  if (typeof v !== 'object' || Array.isArray(v)) throw new ConfigError(`${path}: configuration must be a YAML map`);
  return { raw: v as Record<string, unknown>, doc, lines: lc };
}

/** Builds the configuration from an optional file and overrides, in that order, and checks it
 *  against the schema. */
export function loadConfig(opts: { file?: string; overrides?: readonly string[] } = {}): Config {
  const sources: ConfigSources = { overrides: [] };
  let raw: Record<string, unknown> = {};
  if (opts.file) {
    const parsed = parseConfigFile(opts.file);
    raw = parsed.raw;
    sources.file = { path: opts.file, doc: parsed.doc, lines: parsed.lines };
  }
  for (const o of opts.overrides ?? []) sources.overrides!.push({ text: o, path: applyOverride(raw, o) });
  validateConfig(raw, sources);
  return resolveConfig(raw);
}

export function resolveConfig(raw: Record<string, unknown>): Config {
  if (raw.rules_file !== undefined && raw.rules_files !== undefined) {
    throw new ConfigError("both 'rules_file' and 'rules_files' are set: use 'rules_files'");
  }
  const ruleMatching = str(raw, 'rule_matching', 'first');
  if (ruleMatching !== 'first' && ruleMatching !== 'all') {
    throw new ConfigError(`Unknown rule matching strategy "${ruleMatching}", supported values are: first, all`);
  }
  const rules = get(raw, 'rules') ?? [];
  if (!Array.isArray(rules)) throw new ConfigError("configuration key 'rules' must be a list of enable/disable selections");
  for (const r of rules as unknown[]) {
    const ok = typeof r === 'object' && r !== null && Object.keys(r).length === 1 && ('enable' in r || 'disable' in r);
    if (!ok) throw new ConfigError(`invalid entry in 'rules': ${JSON.stringify(r)} (expected {enable|disable: {rule|tag: ...}})`);
  }
  const appendOutput = (get(raw, 'append_output') ?? []) as Config['appendOutput'];
  return {
    rulesFiles: strList(raw, 'rules_files') ?? strList(raw, 'rules_file') ?? [],
    rules: rules as RuleSelection[],
    priority: str(raw, 'priority', 'debug'),
    ruleMatching,
    jsonOutput: bool(raw, 'json_output', false),
    jsonIncludeOutputProperty: bool(raw, 'json_include_output_property', true),
    jsonIncludeOutputFieldsProperty: bool(raw, 'json_include_output_fields_property', true),
    jsonIncludeTagsProperty: bool(raw, 'json_include_tags_property', true),
    jsonIncludeMessageProperty: bool(raw, 'json_include_message_property', false),
    timeFormatIso8601: bool(raw, 'time_format_iso_8601', false),
    bufferedOutputs: bool(raw, 'buffered_outputs', false),
    stdoutOutput: { enabled: bool(raw, 'stdout_output.enabled', true) },
    fileOutput: {
      enabled: bool(raw, 'file_output.enabled', false),
      keepAlive: bool(raw, 'file_output.keep_alive', false),
      filename: str(raw, 'file_output.filename', './events.txt'),
    },
    appendOutput: Array.isArray(appendOutput) ? appendOutput : [],
    outputs: outputsOf(raw),
    baseSyscalls: { customSet: strList(raw, 'base_syscalls.custom_set') ?? [], repair: bool(raw, 'base_syscalls.repair', false) },
    prefilter: bool(raw, 'prefilter.enabled', false),
    nice: niceValue(raw),
    libs: {
      threadTableSize: int(raw, 'falco_libs.thread_table_size'),
      purgeIntervalS: int(raw, 'falco_libs.thread_table_auto_purging_interval_s'),
      threadTimeoutS: int(raw, 'falco_libs.thread_table_auto_purging_thread_timeout_s'),
      snaplen: int(raw, 'falco_libs.snaplen'),
    },
    buffers: buffersOf(raw),
    raw,
  };
}

function buffersOf(raw: Record<string, unknown>): BufferSettings {
  const kind = str(raw, 'engine.kind', 'modern_ebpf');
  return {
    kind,
    preset: int(raw, `engine.${kind}.buf_size_preset`),
    cpusForEachBuffer: kind === 'modern_ebpf' ? int(raw, 'engine.modern_ebpf.cpus_for_each_buffer') : undefined,
  };
}

function outputsOf(raw: Record<string, unknown>): OutputsConfig {
  try {
    return resolveOutputs(raw);
  } catch (e) {
    throw new ConfigError((e as Error).message);
  }
}
