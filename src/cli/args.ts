// Command-line options shared by Saker's commands, parsed with node:util's parseArgs.
import { parseArgs, type ParseArgsConfig } from 'node:util';

export class UsageError extends Error {
  override name = 'UsageError';
}

export const COMMON_OPTIONS = {
  rules: { type: 'string', short: 'r', multiple: true },
  option: { type: 'string', short: 'o', multiple: true },
  config: { type: 'string', short: 'c' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies ParseArgsConfig['options'];

/** Parses argv for one command; unknown options are usage errors, not crashes. */
export function parse<O extends NonNullable<ParseArgsConfig['options']>>(argv: string[], options: O, allowPositionals = false) {
  try {
    return parseArgs({ args: argv, options, allowPositionals, strict: true });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}
