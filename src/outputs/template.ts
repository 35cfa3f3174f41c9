// Message templates of a destination: `{{name}}` placeholders over an alert — rule, priority,
// output, message, hostname, source, time, tags, uuid, and output_fields.<field> (a field name
// as the rule output has it: {{output_fields.proc.name}}, {{output_fields.proc.aname[2]}}).
// Compiled once; a placeholder that names nothing is an error when the configuration loads.
import { iso8601Z } from '../filter/fields/index.js';
import type { Alert } from './alert.js';

export type Template = (a: Alert) => string;

const VARS: Record<string, (a: Alert) => string> = {
  rule: (a) => a.rule,
  priority: (a) => a.priorityName,
  output: (a) => a.output,
  message: (a) => a.message,
  hostname: (a) => a.hostname,
  source: (a) => a.source,
  time: (a) => iso8601Z(a.ts),
  tags: (a) => [...a.tags].sort().join(','),
  uuid: (a) => a.uuid ?? '',
};

export function compileTemplate(text: string): Template {
  const parts: Array<string | ((a: Alert) => string)> = [];
  let last = 0;
  for (const m of text.matchAll(/\{\{\s*([^}\s]+)\s*\}\}/g)) {
    parts.push(text.slice(last, m.index));
    const name = m[1]!;
    if (name.startsWith('output_fields.')) {
      const field = name.slice('output_fields.'.length);
      parts.push((a) => {
        const v = a.outputFields[field];
        return v === null || v === undefined ? '<NA>' : String(v);
      });
    } else {
      const get = VARS[name];
      if (!get) throw new Error(`unknown template placeholder '{{${name}}}' (known: ${Object.keys(VARS).join(', ')}, output_fields.<field>)`);
      parts.push(get);
    }
    last = m.index + m[0].length;
  }
  parts.push(text.slice(last));
  return (a) => parts.map((p) => (typeof p === 'string' ? p : p(a))).join('');
}
