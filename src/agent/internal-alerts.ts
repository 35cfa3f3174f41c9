// Falco's internal messages (falco_outputs::handle_msg): alerts of the agent's own, with source
// `internal` — the syscall event drop report and the metrics snapshot. The text line is
// "<time>: <Priority> <msg> (k1=v1 k2=v2 ...)" with each value written as JSON.
import { iso8601, timeOfDay } from '../filter/fields/time.js';
import type { JsonValue } from '../filter/output-format.js';
import type { Alert } from '../outputs/alert.js';
import { formatPriority, type Priority } from '../rules/priority.js';

export function internalAlert(opts: { rule: string; priority: Priority; message: string; fields: Record<string, JsonValue>; hostname: string; isoTime?: boolean; now?: () => number }): Alert {
  const ms = (opts.now ?? Date.now)();
  const ts = BigInt(Math.floor(ms)) * 1_000_000n;
  const priorityName = formatPriority(opts.priority);
  const pairs = Object.entries(opts.fields).map(([k, v]) => `${k}=${typeof v === 'bigint' ? v.toString() : JSON.stringify(v)}`).join(' ');
  const time = opts.isoTime ? iso8601(ts) : timeOfDay(ts);
  return {
    ts, rule: opts.rule, priority: opts.priority, priorityName, source: 'internal', tags: [], hostname: opts.hostname,
    output: `${time}: ${priorityName} ${opts.message} (${pairs})`, message: opts.message, outputFields: opts.fields,
  };
}
