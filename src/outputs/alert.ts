// An alert as Falco shapes it: the text line "<time>: <Priority> <output>" and the JSON object
// with sorted keys (hostname, output, output_fields, priority, rule, source, tags, time).
import { iso8601, iso8601Z, timeOfDay, type JsonValue, type OutputFormat } from '../filter/index.js';
import type { EventContext } from '../state/index.js';

/** What a matching rule contributes to its alert. */
export interface AlertRule {
  name: string;
  /** 0 (Emergency) .. 7 (Debug). */
  priority: number;
  /** Long name: Emergency, Alert, Critical, Error, Warning, Notice, Informational, Debug. */
  priorityName: string;
  source: string;
  tags: readonly string[];
  format: OutputFormat;
}

export interface Alert {
  ts: bigint;
  rule: string;
  priority: number;
  priorityName: string;
  source: string;
  tags: readonly string[];
  hostname: string;
  /** The full line: time, priority and the rendered output. */
  output: string;
  /** The rendered rule output alone (Falco's "message"). */
  message: string;
  outputFields: Record<string, JsonValue>;
  /** A random id given when the alert enters delivery (createOutputs): receivers drop repeats by it. */
  uuid?: string;
}

export interface AlertOptions {
  /** time_format_iso_8601: the line starts with the UTC ISO time instead of the local time of day. */
  isoTime: boolean;
  hostname: string;
}

export function makeAlert(rule: AlertRule, ctx: EventContext, o: AlertOptions): Alert {
  const ts = ctx.evt.ts;
  const message = rule.format.render(ctx);
  const fields: Record<string, JsonValue> = {};
  fields[o.isoTime ? 'evt.time.iso8601' : 'evt.time'] = ts;
  rule.format.jsonFields(ctx, fields);
  return {
    ts, rule: rule.name, priority: rule.priority, priorityName: rule.priorityName, source: rule.source,
    tags: rule.tags, hostname: o.hostname, output: alertLine(ts, rule.priorityName, message, o.isoTime), message, outputFields: fields,
  };
}

/** Falco's alert line, "<time>: <Priority> <message>": the local time of day, or the UTC ISO time. */
export function alertLine(ts: bigint, priorityName: string, message: string, isoTime: boolean): string {
  return `${isoTime ? iso8601(ts) : timeOfDay(ts)}: ${priorityName} ${message}`;
}

/** Falco passes text alerts through a JSON string encoder: control characters come out escaped. */
export function alertText(a: Alert): string {
  return JSON.stringify(a.output).slice(1, -1).replace(/\\"/g, '"');
}

export interface JsonAlertOptions {
  includeOutput: boolean;
  includeOutputFields: boolean;
  includeTags: boolean;
  includeMessage: boolean;
  /** Adds the delivery id as `uuid` (Falcosidekick's key for it). */
  includeUuid?: boolean;
}

export const DEFAULT_JSON_OPTIONS: JsonAlertOptions = { includeOutput: true, includeOutputFields: true, includeTags: true, includeMessage: false };

/** JSON text of a value; bigints (ns timestamps) are written as exact integers. */
function json(v: JsonValue | Record<string, JsonValue> | readonly string[]): string {
  if (typeof v === 'bigint') return v.toString();
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return JSON.stringify(v);
  const keys = Object.keys(v).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${json((v as Record<string, JsonValue>)[k]!)}`).join(',')}}`;
}

/** One JSON object per alert, keys sorted as Falco's nlohmann::json writes them. */
export function alertJson(a: Alert, o: JsonAlertOptions = DEFAULT_JSON_OPTIONS): string {
  const parts: string[] = [`"hostname":${JSON.stringify(a.hostname)}`];
  if (o.includeMessage) parts.push(`"message":${JSON.stringify(a.message)}`);
  if (o.includeOutput) parts.push(`"output":${JSON.stringify(a.output)}`);
  if (o.includeOutputFields) parts.push(`"output_fields":${json(a.outputFields)}`);
  parts.push(`"priority":${JSON.stringify(a.priorityName)}`, `"rule":${JSON.stringify(a.rule)}`, `"source":${JSON.stringify(a.source)}`);
  if (o.includeTags) parts.push(`"tags":${JSON.stringify([...a.tags].sort())}`);
  parts.push(`"time":${JSON.stringify(iso8601Z(a.ts))}`);
  if (o.includeUuid && a.uuid !== undefined) parts.push(`"uuid":${JSON.stringify(a.uuid)}`);
  return `{${parts.join(',')}}`;
}
