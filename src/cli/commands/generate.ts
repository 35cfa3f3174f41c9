// saker generate: safe actions that trigger Saker's built-in rules, to check a running agent end
// to end ("is the rule firing, is the alert reaching the output"). Prints one line per action
// with the rules it should raise; actions that cannot run here are listed as skipped, with why.
import { runAction, selectActions, ACTIONS } from '../../generate/index.js';
import { parse, UsageError } from '../args.js';

export const GENERATE_HELP = `Usage: saker generate [ACTION...|all] [--list] [--container]

Runs safe actions that trigger Saker's built-in rules (root for most): reads of credential
files, writes and links below /etc, /usr/local/bin, /var/log and /dev with made-up names that are
removed at once, a "miner" that is /bin/true, a connect from a network namespace of its own, and
shells and tools in a throwaway runc container. Nothing is left behind; nothing leaves the machine.
  --list        list the actions and the rules each raises, and exit
  --container   only the actions that run in a container
Without ACTION (or with all): every action. Exit 1 if an action failed.
`;

export function generateCommand(argv: string[]): number {
  const { values, positionals } = parse(argv, { list: { type: 'boolean' }, container: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } }, true);
  if (values.help) {
    process.stdout.write(GENERATE_HELP);
    return 0;
  }
  let selected;
  try {
    selected = selectActions(positionals, { containerOnly: values.container });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  if (values.list) {
    const width = Math.max(...ACTIONS.map((a) => a.name.length));
    for (const { action, skip } of selected) {
      process.stdout.write(`${action.name.padEnd(width)}  ${action.rules.join(', ')}${action.container ? ' [container]' : ''}${skip ? ` (unavailable: ${skip})` : ''}\n`);
    }
    return 0;
  }
  let failed = 0;
  for (const { action, skip } of selected) {
    if (skip) {
      process.stdout.write(`skipped ${action.name}: ${skip}\n`);
      continue;
    }
    try {
      runAction(action);
      process.stdout.write(`ran ${action.name}: ${action.rules.join(', ')}\n`);
    } catch (e) {
      failed++;
      process.stdout.write(`failed ${action.name}: ${(e as Error).message}\n`);
    }
  }
  return failed > 0 ? 1 : 0;
}
