// saker replay: the rules over a .scap capture (Falco's replay engine): an Agent whose source is
// the capture. The thread, fd, user and container state is rebuilt from the capture's tables and
// events; alerts are printed exactly as in live mode. A truncated or corrupt file: everything
// before the fault is processed, then the error (byte offset and block type) and exit 1.
import { Agent, RulesLoadError } from '../../agent/index.js';
import { ScapFormatError } from '../../capture/scap/index.js';
import { loadConfig } from '../../config/index.js';
import { COMMON_OPTIONS, parse, UsageError } from '../args.js';
import type { CommandContext } from '../context.js';
import { log } from '../log.js';

export const REPLAY_HELP = `Usage: saker replay FILE [-r FILE|DIR]... [-c CONFIG] [-o key=value]... [--stats]

Runs the rules over a .scap capture (plain or gzip; captures from sysdig, Falco or saker capture),
rebuilding the process, fd, user and container state from the capture. Alerts are printed as in
live mode (text, or JSON lines with -o json_output=true). Without -r: the configuration's
rules_files, else Saker's built-in rules.
  --stats   print events, alerts and alerts per rule on stderr at the end
`;

export async function replayCommand(argv: string[], context: CommandContext = {}): Promise<number> {
  const { values, positionals } = parse(argv, { ...COMMON_OPTIONS, stats: { type: 'boolean' } }, true);
  if (values.help) {
    process.stdout.write(REPLAY_HELP);
    return 0;
  }
  if (positionals.length !== 1) throw new UsageError('expected exactly one capture file');
  const file = positionals[0]!;
  const config = loadConfig({ file: values.config, overrides: values.option });
  const agent = new Agent({ config, rules: values.rules, source: { capture: file }, log, preparedRules: context.preparedRules });
  try {
    await agent.start();
  } catch (e) {
    if (!(e instanceof RulesLoadError)) throw e;
    process.stderr.write(`${e.message}\n`);
    return 1;
  }
  let code = 0;
  try {
    await agent.ended;
  } catch (e) {
    if (!(e instanceof ScapFormatError) && (e as NodeJS.ErrnoException).code === undefined) throw e;
    log(e instanceof ScapFormatError ? e.message : `cannot read ${file}: ${(e as Error).message}`);
    code = 1;
  }
  const summary = await agent.stop();
  if (values.stats) {
    log(`replayed ${summary.events} events, ${summary.alerts} alerts`);
    for (const [rule, n] of summary.byRule.sort((a, b) => b[1] - a[1])) log(`  ${n}\t${rule}`);
  }
  return code;
}
