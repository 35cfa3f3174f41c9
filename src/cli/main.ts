// saker command-line entry point: dispatches to one module per command. A command's module is
// loaded only when it runs, so `saker inspect` does not pay for the rules loader, YAML or the
// sensor client, and `saker --version` for none of them.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../package-root.js';
import { UsageError } from './args.js';
import type { CommandContext, Commands } from './context.js';

const COMMANDS: Commands = {
  run: { load: async () => (await import('./commands/run.js')).runCommand, summary: 'Live detection: eBPF capture, rules, alerts on stdout (root)' },
  replay: { load: async () => (await import('./commands/replay.js')).replayCommand, summary: 'Run the rules over a .scap capture, alerts as in live mode' },
  capture: { load: async () => (await import('./commands/capture.js')).captureCommand, summary: 'Record live events to a .scap file (root)' },
  validate: { load: async () => (await import('./commands/validate.js')).validateCommand, summary: 'Check rules files; errors with file, line, column and Falco codes', printsOnly: true },
  list: { load: async () => (await import('./commands/list.js')).listCommand, summary: 'List the loaded rules with priority, tags and enabled state', printsOnly: true },
  fields: { load: async () => (await import('./commands/fields.js')).fieldsCommand, summary: 'List the fields conditions and outputs can use', printsOnly: true },
  inspect: { load: async () => (await import('./commands/inspect.js')).inspectCommand, summary: 'Print or filter the events of a .scap capture (like sysdig -r)' },
  events: { load: async () => (await import('./commands/events.js')).eventsCommand, summary: 'Print Tetragon JSON events in Tetragon\'s compact form', printsOnly: true },
  generate: { load: async () => (await import('./commands/generate.js')).generateCommand, summary: 'Run safe actions that trigger the built-in rules (check a deployment)' },
};

function help(): string {
  const lines = Object.entries(COMMANDS).map(([n, c]) => `  ${n.padEnd(10)} ${c.summary}`);
  return `saker - runtime security agent: Falco-compatible rules on eBPF events

Usage: saker <command> [options]   (saker <command> --help for its options)

Commands:
${lines.join('\n')}
`;
}

async function main(argv: string[], context: CommandContext): Promise<number> {
  const [cmd, ...rest] = argv;
  const command = cmd === undefined ? undefined : COMMANDS[cmd];
  // help, version and an unknown command's message only print too
  if (command === undefined || command.printsOnly === true) endQuietlyOnClosedStdout();
  if (!cmd || cmd === '--help' || cmd === '-h' || cmd === 'help') {
    process.stdout.write(help());
    return 0;
  }
  if (cmd === '--version' || cmd === 'version') {
    const pkg = JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version: string };
    process.stdout.write(`saker ${pkg.version}\n`);
    return 0;
  }
  if (!command) {
    process.stderr.write(`saker: unknown command '${cmd}'\n\n${help()}`);
    return 1;
  }
  try {
    return await (await command.load())(rest, context);
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`saker ${cmd}: ${e.message}\n`);
      return 1;
    }
    // The sensor client is loaded only by the commands that start it: recognised by name.
    if (e instanceof Error && e.name === 'SensorError') {
      process.stderr.write(`saker: ${e.message}\n`);
      return 1;
    }
    throw e;
  }
}

/**
 * A command that only prints ends when its reader goes away (`saker list | head`), as a Unix tool
 * ends on a closed pipe: quietly, with the status it had, instead of an unhandled EPIPE.
 */
function endQuietlyOnClosedStdout(): void {
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code !== 'EPIPE') throw e;
    process.exit(process.exitCode ?? 0);
  });
}

/** Runs a command line to its exit code. */
function run(argv: string[], context: CommandContext = {}): void {
  main(argv, context).then(
    (code) => {
      // The command is done: exit now rather than when the loop runs dry, which also frees the
      // heap (10-15 ms with the upstream rules loaded). Nothing is cut: the outputs are closed,
      // and stdout and stderr write synchronously on Linux (files, pipes and terminals alike).
      process.exit(code);
    },
    (err: unknown) => {
      process.stderr.write(`saker: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exitCode = 1;
    },
  );
}

// Under `node --build-snapshot` (scripts/snapshot.mjs) the CLI prepares its start-up snapshot
// instead of running a command; execArgv tells without loading node:v8 at every start. A failure
// there is left unhandled, so that the build fails and writes no snapshot.
if (process.execArgv.includes('--build-snapshot')) void import('./snapshot.js').then((s) => s.prepareSnapshot(COMMANDS, run));
else run(process.argv.slice(2));
