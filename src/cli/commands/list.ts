// saker list: the rules that would run, with priority, tags and enabled state.
import { loadConfig } from '../../config/config.js';
import { EVENT_TABLE } from '../../events/event-table.js';
import { formatPriority } from '../../rules/index.js';
import { COMMON_OPTIONS, parse } from '../args.js';
import { loadRunnableRules, rulesPaths } from '../../agent/rules-files.js';

export const LIST_HELP = `Usage: saker list [-r FILE|DIR]... [-c CONFIG] [-o key=value]... [--json]

Lists the loaded rules in evaluation order with priority, enabled state, event types and tags.
  --json   one JSON array of {name, priority, enabled, source, tags, event_types, desc}
`;

export async function listCommand(argv: string[]): Promise<number> {
  const { values } = parse(argv, { ...COMMON_OPTIONS, json: { type: 'boolean' } });
  if (values.help) {
    process.stdout.write(LIST_HELP);
    return 0;
  }
  const cfg = loadConfig({ file: values.config, overrides: values.option });
  const result = await loadRunnableRules(cfg, rulesPaths(cfg, values.rules));
  if (!result.ok) {
    process.stderr.write(`${result.error}\n`);
    return 1;
  }
  const loaded = result.loaded;
  const rules = (loaded.compiled?.rules ?? []).map((r) => ({
    name: r.name,
    priority: formatPriority(r.priority),
    enabled: loaded.ruleset.isEnabled(r),
    source: r.source,
    tags: [...r.tags],
    event_types: eventTypes(r.conditionEventCodes),
    desc: r.description,
  }));
  if (values.json) {
    process.stdout.write(`${JSON.stringify(rules, null, 2)}\n`);
    return 0;
  }
  const width = Math.min(60, Math.max(4, ...rules.map((r) => r.name.length)));
  process.stdout.write(`${'RULE'.padEnd(width)}  ${'PRIORITY'.padEnd(13)} ENABLED  TAGS\n`);
  for (const r of rules) {
    process.stdout.write(`${r.name.padEnd(width)}  ${r.priority.padEnd(13)} ${(r.enabled ? 'yes' : 'no').padEnd(8)} ${r.tags.join(', ')}\n`);
  }
  process.stdout.write(`\n${rules.length} rules, ${rules.filter((r) => r.enabled).length} enabled\n`);
  return 0;
}

function eventTypes(codes: ReadonlySet<number> | undefined): string[] {
  if (!codes) return [];
  return [...new Set([...codes].map((c) => EVENT_TABLE[c]!.name))].sort();
}
