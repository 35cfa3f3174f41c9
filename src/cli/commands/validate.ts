// saker validate: load rules files as the agent would and report every error and warning with
// file, line, column and Falco's codes. Exit 0 when every file is valid, 1 otherwise.
import { loadConfig } from '../../config/config.js';
import { toFalcoValidationJson, toSakerValidation } from '../../rules/index.js';
import { COMMON_OPTIONS, parse } from '../args.js';
import { loadRules, rulesPaths } from '../../agent/rules-files.js';

export const VALIDATE_HELP = `Usage: saker validate [-r FILE|DIR]... [-c CONFIG] [-o key=value]... [--json | --falco-json]

Loads the rules files in order (later files may append to or override earlier ones) and reports
errors and warnings with file, line and column. Without -r: the configuration's rules_files, else
Saker's built-in rules. Exit status 0 when every file is valid, 1 otherwise.
  --json        {"rules", "enabled_rules", "macros", "lists", "errors": [...], "warnings": [...]}
                each error/warning: {file, line, column, code, message, item_type, item_name}
  --falco-json  Falco's {"falco_load_results": [...]} (as falco -V ... -o json_output=true)
`;

export async function validateCommand(argv: string[]): Promise<number> {
  const { values } = parse(argv, { ...COMMON_OPTIONS, json: { type: 'boolean' }, 'falco-json': { type: 'boolean' } });
  if (values.help) {
    process.stdout.write(VALIDATE_HELP);
    return 0;
  }
  const cfg = loadConfig({ file: values.config, overrides: values.option });
  const loaded = await loadRules(cfg, rulesPaths(cfg, values.rules), true);
  if (values.json) process.stdout.write(`${JSON.stringify(toSakerValidation(loaded))}\n`);
  else if (values['falco-json']) process.stdout.write(`${JSON.stringify(toFalcoValidationJson(loaded))}\n`);
  else {
    for (const r of loaded.results) process.stdout.write(`${r.toText(true, loaded.contents)}\n`);
    if (loaded.successful) {
      const c = toSakerValidation(loaded);
      process.stdout.write(`${c.rules} rules (${c.enabled_rules} enabled), ${c.macros} macros, ${c.lists} lists\n`);
    }
  }
  return loaded.successful ? 0 : 1;
}
