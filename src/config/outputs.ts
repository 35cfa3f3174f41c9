// The alert outputs as typed settings: Falco's stdout/file/syslog/program/http outputs, the seed's
// kafka_output and Saker's `destinations:` list, all turned into one list of destinations with
// their delivery and noise-control options and Falco's defaults filled in. The raw object has
// already passed the schema (validate.ts), so types are known here; values are only shaped.

interface RetryOptions {
  initialMs: number;
  maxMs: number;
}

export interface DeliveryOptions {
  /** Most severe = 0 (Emergency) .. 7 (Debug): alerts with a larger number are not sent. */
  minimumPriority: number;
  /** Rule name wildcards (`*`): when not empty, only these rules. */
  rules: string[];
  excludeRules: string[];
  /** When not empty, only alerts carrying one of these tags. */
  tags: string[];
  /** A template of the message text ({{rule}}, {{priority}}, {{output}}, {{output_fields.proc.name}} ...). */
  message?: string;
  timeoutMs: number;
  queueCapacity: number;
  batch: number;
  retry: RetryOptions;
  spool: { enabled: boolean; maxBytes: number };
  rateLimit?: { rate: number; maxBurst: number; perRule: boolean };
  dedup?: { windowMs: number; fields: string[] };
}

/** Kinds that write locally (no retries or spool: a failed write is that output's error). */
type LocalKind = 'stdout' | 'file' | 'program' | 'syslog_local';
type RemoteKind = 'http' | 'slack' | 'teams' | 'discord' | 'googlechat' | 'webhook' | 'falcosidekick' | 'alertmanager' | 'loki'
  | 'elasticsearch' | 'opensearch' | 'splunk' | 'pagerduty' | 'nats' | 'kafka' | 'syslog' | 'smtp';

export interface DestinationConfig extends DeliveryOptions {
  /** Unique: the label of its metrics and the name of its spool directory. */
  name: string;
  type: LocalKind | RemoteKind;
  /** A remote destination retries a failed send (and spools, unless spool.enabled is false); a
   *  local output counts a failed write as failed. */
  remote: boolean;
  /** The destination's own keys as written (url, headers, topic ...). */
  settings: Record<string, unknown>;
}

export interface OutputsConfig {
  json: boolean;
  jsonIncludeOutput: boolean;
  jsonIncludeOutputFields: boolean;
  jsonIncludeTags: boolean;
  jsonIncludeMessage: boolean;
  bufferedOutputs: boolean;
  /** output_timeout: how long close() waits for deliveries before spooling the rest. */
  outputTimeoutMs: number;
  destinations: DestinationConfig[];
  /** Where spools live (a directory per destination); none: spooling is off. */
  stateDir?: string;
}

const PRIORITIES = ['emergency', 'alert', 'critical', 'error', 'warning', 'notice', 'informational', 'debug'];

/** 0 .. 7 for a priority name in any case (`info` is Falco's short form of informational). */
function priorityNumber(name: string): number {
  const n = name.toLowerCase();
  const i = PRIORITIES.indexOf(n === 'info' ? 'informational' : n);
  if (i < 0) throw new Error(`unknown priority '${name}'`);
  return i;
}

/** Milliseconds from a number (ms) or text like 250ms, 30s, 5m, 1h. */
export function durationMs(v: unknown, dflt: number): number {
  if (v === undefined) return dflt;
  if (typeof v === 'number') return v;
  if (typeof v !== 'string') return dflt;
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*$/.exec(v);
  if (!m) return dflt;
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[(m[2] ?? 'ms') as 'ms'];
  return Number(m[1]) * unit;
}

type Raw = Record<string, unknown>;

function section(raw: Raw, key: string): Raw {
  const v = raw[key];
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Raw) : {};
}

const DEFAULT_QUEUE = 10_000;
/** `saker run`'s state_dir when the configuration names none: where a packaged agent keeps its
 *  own state (the DaemonSet mounts it from the node, the systemd unit's StateDirectory), so a
 *  destination that is down spools to disk by default and the spool survives a restart. Replays
 *  have no default: a replay spools only where it is told to. */
export const LIVE_STATE_DIR = '/var/lib/saker';
const DEFAULT_SPOOL_BYTES = 256 * 1024 * 1024;

function delivery(s: Raw, queueDefault: number, remote: boolean): DeliveryOptions {
  const q = section(s, 'queue');
  const r = section(s, 'retry');
  const sp = section(s, 'spool');
  const rl = s.rate_limit as Raw | undefined;
  const dd = s.dedup as Raw | undefined;
  return {
    minimumPriority: typeof s.minimum_priority === 'string' ? priorityNumber(s.minimum_priority) : 7,
    rules: (s.rules as string[] | undefined) ?? [],
    excludeRules: (s.exclude_rules as string[] | undefined) ?? [],
    tags: (s.tags as string[] | undefined) ?? [],
    message: s.message as string | undefined,
    timeoutMs: durationMs(s.timeout, 10_000),
    queueCapacity: (q.capacity as number | undefined) ?? queueDefault,
    batch: (q.batch as number | undefined) ?? 100,
    retry: { initialMs: durationMs(r.initial_delay, 250), maxMs: durationMs(r.max_delay, 30_000) },
    spool: { enabled: remote && ((sp.enabled as boolean | undefined) ?? true), maxBytes: (sp.max_bytes as number | undefined) ?? DEFAULT_SPOOL_BYTES },
    rateLimit: rl ? { rate: rl.rate as number, maxBurst: (rl.max_burst as number | undefined) ?? 1, perRule: (rl.per_rule as boolean | undefined) ?? true } : undefined,
    dedup: dd ? { windowMs: durationMs(dd.window, 60_000), fields: (dd.fields as string[] | undefined) ?? [] } : undefined,
  };
}

export function resolveOutputs(raw: Raw): OutputsConfig {
  const flag = (key: string, dflt: boolean) => (typeof raw[key] === 'boolean' ? (raw[key]) : dflt);
  const queueCap = section(raw, 'outputs_queue').capacity as number | undefined;
  // Falco's 0 means unbounded; Saker's queues are always bounded (the spool takes the overflow)
  const queueDefault = queueCap && queueCap > 0 ? queueCap : DEFAULT_QUEUE;
  const dests: DestinationConfig[] = [];
  const local = (name: string, type: LocalKind, s: Raw) => dests.push({ name, type, remote: false, settings: s, ...delivery(s, queueDefault, false) });

  const stdout = section(raw, 'stdout_output');
  if ((stdout.enabled ?? true) === true) local('stdout', 'stdout', stdout);
  const syslog = section(raw, 'syslog_output');
  if ((syslog.enabled ?? true) === true) local('syslog', 'syslog_local', syslog);
  const file = section(raw, 'file_output');
  if (file.enabled === true) local('file', 'file', { filename: './events.txt', keep_alive: false, ...file });
  const program = section(raw, 'program_output');
  if (program.enabled === true) local('program', 'program', program);
  const http = section(raw, 'http_output');
  if (http.enabled === true) {
    dests.push({ name: 'http', type: 'http', remote: true, settings: http, ...delivery(http, queueDefault, true) });
  }
  const kafka = section(raw, 'kafka_output');
  if (kafka.enabled === true) dests.push({ name: 'kafka', type: 'kafka', remote: true, settings: kafka, ...delivery(kafka, queueDefault, true) });
  for (const d of (raw.destinations as Raw[] | undefined) ?? []) {
    if (d.enabled === false) continue;
    const name = String(d.name);
    if (dests.some((x) => x.name === name)) throw new Error(`destination name '${name}' is used twice`);
    dests.push({ name, type: d.type as RemoteKind, remote: true, settings: d, ...delivery(d, queueDefault, true) });
  }
  return {
    json: flag('json_output', false),
    jsonIncludeOutput: flag('json_include_output_property', true),
    jsonIncludeOutputFields: flag('json_include_output_fields_property', true),
    jsonIncludeTags: flag('json_include_tags_property', true),
    jsonIncludeMessage: flag('json_include_message_property', false),
    bufferedOutputs: flag('buffered_outputs', false),
    outputTimeoutMs: typeof raw.output_timeout === 'number' ? raw.output_timeout : 2000,
    destinations: dests,
    stateDir: typeof raw.state_dir === 'string' ? raw.state_dir : undefined,
  };
}
