// saker command-line entry point: dispatches to one module per command.
import { SensorError } from '../capture/live/sensor.js';
import { UsageError } from './args.js';
import { captureCommand } from './commands/capture.js';
import { fieldsCommand } from './commands/fields.js';
import { inspectCommand } from './commands/inspect.js';
import { listCommand } from './commands/list.js';
import { replayCommand } from './commands/replay.js';
import { runCommand } from './commands/run.js';
import { validateCommand } from './commands/validate.js';

type Command = (argv: string[]) => number | Promise<number>;

const COMMANDS: Record<string, { run: Command; summary: string }> = {
  run: { run: runCommand, summary: 'Live detection: eBPF capture, rules, alerts on stdout (root)' },
  replay: { run: replayCommand, summary: 'Run the rules over a .scap capture, alerts as in live mode' },
  capture: { run: captureCommand, summary: 'Record live events to a .scap file (root)' },
  validate: { run: validateCommand, summary: 'Check rules files; errors with file, line, column and Falco codes' },
  list: { run: listCommand, summary: 'List the loaded rules with priority, tags and enabled state' },
  fields: { run: fieldsCommand, summary: 'List the fields conditions and outputs can use' },
  inspect: { run: inspectCommand, summary: 'Print or filter the events of a .scap capture (like sysdig -r)' },
};

function help(): string {
  const lines = Object.entries(COMMANDS).map(([n, c]) => `  ${n.padEnd(10)} ${c.summary}`);
  return `saker - runtime security agent: Falco-compatible rules on eBPF events

Usage: saker <command> [options]   (saker <command> --help for its options)

Commands:
${lines.join('\n')}
`;
}

async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  if (!cmd || cmd === '--help' || cmd === '-h' || cmd === 'help') {
    process.stdout.write(help());
    return 0;
  }
  if (cmd === '--version' || cmd === 'version') {
    const { readFileSync } = await import('node:fs');
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
    process.stdout.write(`saker ${pkg.version}\n`);
    return 0;
  }
  const command = COMMANDS[cmd];
  if (!command) {
    process.stderr.write(`saker: unknown command '${cmd}'\n\n${help()}`);
    return 1;
  }
  try {
    return await command.run(rest);
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`saker ${cmd}: ${e.message}\n`);
      return 1;
    }
    if (e instanceof SensorError) {
      process.stderr.write(`saker: ${e.message}\n`);
      return 1;
    }
    throw e;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`saker: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
