// The JSON an API client sees for one stored alert: Falco's alert keys (rule, priority, source,
// tags, hostname, output, output_fields, time) plus the store's id, the numeric priority and the
// message. Nanosecond timestamps are bigints in the alert: written as decimal strings so no
// precision is lost in a browser's doubles.
import { iso8601Z } from '../filter/fields/index.js';
import type { StoredAlert } from './alert-store.js';

export interface AlertView {
  id: number;
  time: string;
  ts: string;
  rule: string;
  priority: string;
  priority_number: number;
  source: string;
  tags: readonly string[];
  hostname: string;
  output: string;
  message: string;
  output_fields: Record<string, string | number | boolean | null | string[]>;
}

export function alertView(s: StoredAlert): AlertView {
  const a = s.alert;
  const fields: AlertView['output_fields'] = {};
  for (const [k, v] of Object.entries(a.outputFields)) {
    fields[k] = typeof v === 'bigint' ? v.toString() : v;
  }
  return {
    id: s.id, time: iso8601Z(a.ts), ts: a.ts.toString(), rule: a.rule, priority: a.priorityName, priority_number: a.priority,
    source: a.source, tags: a.tags, hostname: a.hostname, output: a.output, message: a.message, output_fields: fields,
  };
}
