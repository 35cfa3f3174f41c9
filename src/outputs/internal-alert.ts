// Alerts the agent raises about itself (source "internal", as Falco's "Falco internal: ..."
// rules): not from a rule and an event, but shaped like every other alert so that every output
// carries them.
import { iso8601, timeOfDay } from '../filter/fields/time.js';
import type { JsonValue } from '../filter/output-format.js';
import type { Alert, AlertOptions } from './alert.js';

const PRIORITY_NAMES = ['Emergency', 'Alert', 'Critical', 'Error', 'Warning', 'Notice', 'Informational', 'Debug'];

export interface InternalAlertSpec {
  rule: string;
  /** 0 (Emergency) .. 7 (Debug). */
  priority: number;
  message: string;
  fields: Record<string, JsonValue>;
  /** ns since the epoch (default now). */
  ts?: bigint;
}

export function internalAlert(spec: InternalAlertSpec, o: AlertOptions): Alert {
  const ts = spec.ts ?? BigInt(Date.now()) * 1_000_000n;
  const priorityName = PRIORITY_NAMES[spec.priority] ?? 'Debug';
  const time = o.isoTime ? iso8601(ts) : timeOfDay(ts);
  return {
    ts, rule: spec.rule, priority: spec.priority, priorityName, source: 'internal', tags: [], hostname: o.hostname,
    output: `${time}: ${priorityName} ${spec.message}`, message: spec.message, outputFields: { ...spec.fields },
  };
}
