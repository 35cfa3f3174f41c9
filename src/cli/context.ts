// What a command is given besides its arguments: what was prepared before it ran, by the CLI's
// start-up snapshot (src/cli/snapshot.ts); empty when the CLI started without one.
import type { PreparedRules } from '../agent/rules-files/index.js';

export interface CommandContext {
  /** The built-in rules loaded ahead, for a first load that matches them. */
  preparedRules?: PreparedRules;
}

type Command = (argv: string[], context: CommandContext) => number | Promise<number>;

/** The CLI's commands by name, each module loaded when the command runs. */
/** `printsOnly`: the command writes its report to stdout and nothing else (no alert channel of
 *  its own that counts a closed reader as its error). */
export type Commands = Record<string, { load: () => Promise<Command>; summary: string; printsOnly?: boolean }>;
