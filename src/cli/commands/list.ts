// saker list: the rules that would run, with priority, tags and enabled state.
import { loadConfig } from '../../config/index.js';
import { EVENT_TABLE } from '../../events/index.js';
import { formatPriority } from '../../rules/index.js';
import { COMMON_OPTIONS, parse } from '../args.js';
import type { CommandContext } from '../context.js';
import { loadRunnableRules, rulesPaths } from '../../agent/rules-files/index.js';
import { formatProblem, loadPolicies, policyPaths } from '../policies.js';

export const LIST_HELP = `Usage: saker list [-r FILE|DIR]... [-c CONFIG] [-o key=value]... [--json]

Lists the loaded rules in evaluation order with priority, enabled state, event types and tags.
  --json   one JSON array of {name, priority, enabled, source, tags, event_types, desc}
  --policies [--policy FILE|DIR]...
           the TracingPolicies instead (--policy, else the configuration's \`policies\`): name,
           kind, mode, hooks, file; refused ones with the reason (exit 1). --json: an array of
           {name, kind, namespace, mode, file, hooks: [{event, function_name|subsys/event}]}
`;

export async function listCommand(argv: string[], context: CommandContext = {}): Promise<number> {
  const { values } = parse(argv, { ...COMMON_OPTIONS, json: { type: 'boolean' }, policies: { type: 'boolean' }, policy: { type: 'string', multiple: true } });
  if (values.help) {
    process.stdout.write(LIST_HELP);
    return 0;
  }
  const cfg = loadConfig({ file: values.config, overrides: values.option });
  if (values.policies || values.policy) return listPolicies(policyPaths(cfg, values.policy), values.json === true);
  const result = await loadRunnableRules(cfg, rulesPaths(cfg, values.rules), context.preparedRules);
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

function listPolicies(paths: string[], json: boolean): number {
  const load = loadPolicies(paths);
  const rows = load.policies.map((p) => ({
    name: p.policy.metadata.name,
    kind: p.policy.kind,
    namespace: p.policy.metadata.namespace ?? '',
    mode: p.mode,
    file: p.file,
    hooks: p.plan.hooks.map((h) => (h.event === 'process_kprobe' ? { event: h.event, function_name: [...new Set(h.functionNames.values())].join(',') } : { event: h.event, tracepoint: `${h.subsys}/${h.tpEvent}` })),
  }));
  if (json) process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
  else {
    const width = Math.max(4, ...rows.map((r) => r.name.length));
    process.stdout.write(`${'NAME'.padEnd(width)}  ${'KIND'.padEnd(24)} ${'MODE'.padEnd(8)} HOOKS\n`);
    for (const r of rows) {
      const hooks = r.hooks.map((h) => ('function_name' in h ? h.function_name : h.tracepoint)).join(' ');
      process.stdout.write(`${r.name.padEnd(width)}  ${r.kind.padEnd(24)} ${r.mode.padEnd(8)} ${hooks.length > 80 ? `${hooks.slice(0, 77)}...` : hooks}\n`);
    }
    process.stdout.write(`\n${rows.length} policies\n`);
  }
  for (const f of load.files) for (const p of f.problems) process.stderr.write(`${formatProblem(p)}\n`);
  return load.ok ? 0 : 1;
}
