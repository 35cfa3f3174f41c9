// saker fields: every field the condition language and outputs know, like `falco --list`.
import { FIELD_CLASSES } from '../../filter/fields/index.js';
import { parse } from '../args.js';

export const FIELDS_HELP = `Usage: saker fields [--json] [--names]

Lists the fields conditions and outputs can use, by class, with type and description.
  --json     one JSON document: [{class, fields: [{name, type, desc, arg, filter_only}]}]
  --names    names only, one per line
`;

export function fieldsCommand(argv: string[]): number {
  const { values } = parse(argv, { json: { type: 'boolean' }, names: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } });
  if (values.help) {
    process.stdout.write(FIELDS_HELP);
    return 0;
  }
  if (values.json) {
    const out = FIELD_CLASSES.map((c) => ({
      class: c.name,
      desc: c.desc,
      fields: c.fields.map((f) => ({ name: f.name, type: f.type, desc: f.desc, arg: f.arg, filter_only: f.filterOnly === true, deprecated: f.deprecated === true })),
    }));
    process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
    return 0;
  }
  const lines: string[] = [];
  for (const c of FIELD_CLASSES) {
    if (!values.names) lines.push(`Field Class: ${c.name}`, c.desc, '');
    for (const f of c.fields) {
      if (values.names) {
        lines.push(f.name);
        continue;
      }
      const name = f.arg === 'none' ? f.name : f.dottedArg ? `${f.name}.<arg> / ${f.name}[arg]` : `${f.name}[arg]`;
      const notes = [f.type, f.filterOnly ? 'filter only' : '', f.deprecated ? 'deprecated' : ''].filter(Boolean).join(', ');
      lines.push(`${name.padEnd(40)} (${notes}) ${f.desc}`);
    }
    if (!values.names) lines.push('');
  }
  process.stdout.write(`${lines.join('\n')}\n`);
  return 0;
}
