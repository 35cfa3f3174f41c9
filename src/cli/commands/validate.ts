// saker validate: load rules files as the agent would and report every error and warning with
// file, line, column and Falco's codes. Exit 0 when every file is valid, 1 otherwise.
import { loadConfig } from '../../config/index.js';
import { toFalcoValidationJson, toSakerValidation } from '../../rules/index.js';
import { COMMON_OPTIONS, parse } from '../args.js';
import type { CommandContext } from '../context.js';
import { liveCoverage, loadRules, rulesPaths } from '../../agent/rules-files/index.js';
import { formatProblem, loadPolicies, policyPaths } from '../policies.js';

export const VALIDATE_HELP = `Usage: saker validate [-r FILE|DIR]... [-c CONFIG] [-o key=value]... [--json | --falco-json]
       saker validate --policy FILE|DIR... [--json]

Loads the rules files in order (later files may append to or override earlier ones) and reports
errors and warnings with file, line and column. Without -r: the configuration's rules_files, else
Saker's built-in rules. Rules naming event types the live sensor does not produce (or produces
without parameters) are warned of on stderr. Exit status 0 when every file is valid, 1 otherwise.
  --json        {"rules", "enabled_rules", "macros", "lists", "errors": [...], "warnings": [...]}
                each error/warning: {file, line, column, code, message, item_type, item_name}
  --falco-json  Falco's {"falco_load_results": [...]} (as falco -V ... -o json_output=true)
  --policy      Tetragon TracingPolicy files or directories instead: the CRD schema (unknown
                fields, enums, defaults), Tetragon's load-time limits, and the hooks and actions
                this kernel can run (feature probe, as root). Nothing is loaded into the kernel.
                Prints Ok / Invalid per file, each problem as FILE:LINE:COL: error: PATH: message;
                --json prints {"files": [{file, policies, problems: [...]}]}.
`;

export async function validateCommand(argv: string[], context: CommandContext = {}): Promise<number> {
  const { values } = parse(argv, { ...COMMON_OPTIONS, json: { type: 'boolean' }, 'falco-json': { type: 'boolean' }, policy: { type: 'string', multiple: true } });
  if (values.help) {
    process.stdout.write(VALIDATE_HELP);
    return 0;
  }
  const cfg = loadConfig({ file: values.config, overrides: values.option });
  if (values.policy) return validatePolicies(policyPaths(cfg, values.policy), values.json === true);
  const loaded = await loadRules(cfg, rulesPaths(cfg, values.rules), true, context.preparedRules);
  if (values.json) process.stdout.write(`${JSON.stringify(toSakerValidation(loaded))}\n`);
  else if (values['falco-json']) process.stdout.write(`${JSON.stringify(toFalcoValidationJson(loaded))}\n`);
  else {
    for (const r of loaded.results) process.stdout.write(`${r.toText(true, loaded.contents)}\n`);
    if (loaded.successful) {
      const c = toSakerValidation(loaded);
      process.stdout.write(`${c.rules} rules (${c.enabled_rules} enabled), ${c.macros} macros, ${c.lists} lists\n`);
    }
  }
  // rules that load but that the live sensor cannot (fully) feed: said on stderr, as `run` says it
  if (loaded.successful) for (const w of liveCoverage(loaded.ruleset).warnings) process.stderr.write(`saker: warning: ${w}\n`);
  return loaded.successful ? 0 : 1;
}

function validatePolicies(paths: string[], json: boolean): number {
  const load = loadPolicies(paths);
  if (json) {
    process.stdout.write(`${JSON.stringify({ files: load.files })}\n`);
    return load.ok ? 0 : 1;
  }
  for (const f of load.files) {
    const errors = f.problems.filter((p) => p.severity === 'error').length;
    const status = errors > 0 ? 'Invalid' : f.problems.length > 0 ? 'Ok, with warnings' : 'Ok';
    process.stdout.write(`${f.file}: ${status}${f.policies.length > 0 ? ` (${f.policies.join(', ')})` : ''}\n`);
    for (const p of f.problems) process.stdout.write(`  ${formatProblem(p)}\n`);
  }
  return load.ok ? 0 : 1;
}
