// The CLI's start-up snapshot: `npm run build` runs the bundle under `node --build-snapshot`
// (scripts/snapshot.mjs) and bin/saker starts the one-shot commands from the heap it leaves,
// dist/bundle/saker.blob. Prepared here, before V8 serialises that heap: the modules of those
// commands initialised (with the functions their start ran compiled), and the built-in rules as
// the default configuration loads them, parsed and compiled, for list, replay and validate to
// take when their load is that very one (PreparedRules checks the options and the files' content),
// and replay's event path run over synthetic events (event-path-warm-up.ts): its bytecode in
// the heap rather than compiled function by function on the first events.
// Nothing read here may depend on where or when the command runs: the snapshot is built once.
import { realpathSync } from 'node:fs';
import { join } from 'node:path';
import { startupSnapshot } from 'node:v8';
import { warmEventPath } from '../agent/index.js';
import { PreparedRules, rulesPaths } from '../agent/rules-files/index.js';
import { loadConfig } from '../config/index.js';
import { packageRoot } from '../package-root.js';
import type { CommandContext, Commands } from './context.js';

/** The commands bin/saker starts from the snapshot (the same list is in bin/saker). */
const SNAPSHOT_COMMANDS = ['list', 'validate', 'replay'];

export async function prepareSnapshot(commands: Commands, run: (argv: string[], context: CommandContext) => void): Promise<void> {
  for (const name of SNAPSHOT_COMMANDS) await commands[name]!.load();
  const cfg = loadConfig();
  const paths = rulesPaths(cfg, undefined);
  const preparedRules = new PreparedRules();
  const builtIn = await preparedRules.add(cfg, paths); // list, replay, validate
  // replay's event path compiled (and the built-in rules' groups), as its first events would
  if (builtIn.successful) warmEventPath(builtIn.ruleset);
  // The heap holds this tree's paths (the package root, the built-in rules): a blob that moved
  // with its tree, or was copied, refuses to start, and bin/saker, which asks it once, then runs
  // without it.
  const blob = join(realpathSync(packageRoot()), 'dist', 'bundle', 'snapshot', 'saker.blob');
  startupSnapshot.setDeserializeMainFunction(() => {
    const startedFrom = snapshotBlob(process.execArgv);
    if (startedFrom === undefined || realpathSync(startedFrom) !== blob) {
      process.stderr.write(`saker: this start-up snapshot was built as ${blob} (npm run build makes one here)\n`);
      process.exitCode = 1;
      return;
    }
    // Started from the snapshot, argv is node's path and then the command line (no script).
    run(process.argv.slice(1), { preparedRules });
  });
}

function snapshotBlob(execArgv: readonly string[]): string | undefined {
  const at = execArgv.indexOf('--snapshot-blob');
  if (at >= 0) return execArgv[at + 1];
  return execArgv.find((a) => a.startsWith('--snapshot-blob='))?.slice('--snapshot-blob='.length);
}
