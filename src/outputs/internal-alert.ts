// Alerts the agent raises about itself (source "internal", as Falco's "Falco internal: ..."
// rules): not from a rule and an event, but shaped like every other alert so that every output
// carries them.
import type { JsonValue } from '../filter/index.js';
import { PRIORITY_NAMES } from '../rules/index.js';
import { alertLine, type Alert, type AlertOptions } from './alert.js';

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
  return {
    ts, rule: spec.rule, priority: spec.priority, priorityName, source: 'internal', tags: [], hostname: o.hostname,
    output: alertLine(ts, priorityName, spec.message, o.isoTime), message: spec.message, outputFields: { ...spec.fields },
  };
}
