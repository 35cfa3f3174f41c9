// saker inspect: reads a .scap capture, rebuilds the system state from its tables and events,
// and prints the events a filter selects in a -p format, as `sysdig -r FILE -p FORMAT FILTER`
// does; -w writes the selected events (and every table block) to a new capture instead. The
// pipeline is src/agent/inspector.ts; this module parses the command line and reports errors.
import { statSync } from 'node:fs';
import { DEFAULT_FORMAT, inspect } from '../../agent/inspect/index.js';
import { CaptureEventError, ScapFormatError } from '../../capture/scap/index.js';
import { FormatError, describeFilterError, FilterError } from '../../filter/index.js';
import { parse, UsageError } from '../args.js';

export const INSPECT_HELP = `Usage: saker inspect FILE [FILTER...] [-p FORMAT] [-w OUT [--force]] [-n COUNT]

Reads a .scap capture (plain or gzip), rebuilds the process, fd and user state from its tables
and events, and prints one line per event that FILTER selects, like sysdig -r FILE -p FORMAT FILTER.
Events are exit events (one per syscall, as current libs deliver them): the parameters of an
old capture's enter event are merged into its exit event.

  FILTER                a condition in the Falco/sysdig filter language; the remaining arguments
                        are joined with spaces (e.g. saker inspect f.scap proc.name=curl and fd.num=3)
  -p, --print FORMAT    output format, sysdig's -p syntax: %field, %Nfield (width N),
                        %transformer(field). Lines with a field that has no value are skipped,
                        unless FORMAT starts with '*': then missing values print as <NA>.
                        Default: '${DEFAULT_FORMAT}'
                        Internal events (procinfo) are never printed.
  -w, --write OUT       write the selected events to the capture OUT instead of printing them:
                        every table block, then each selected event as the input has it (with the
                        enter event of an old capture's enter/exit pair), readable by sysdig;
                        created 0600; an existing OUT is refused unless --force, a symlink always
  --force               truncate an existing OUT
  -z, --compress        gzip OUT
  -n, --count COUNT     stop after COUNT selected events (printed or not, as sysdig's -n)
  -v, --verbose         print byte buffers (evt.args, evt.arg.*) whole; by default they are cut
                        at 80 characters ending in '...', as sysdig does
  -h, --help            this text

Exit status: 0 on success; 1 on a usage, filter or format error, and on a truncated or corrupt
capture (every event before the fault is handled first; the error names the byte offset and the
block type).
`;

export async function inspectCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, {
    print: { type: 'string', short: 'p' },
    write: { type: 'string', short: 'w' },
    compress: { type: 'boolean', short: 'z' },
    force: { type: 'boolean' },
    count: { type: 'string', short: 'n' },
    verbose: { type: 'boolean', short: 'v' },
    help: { type: 'boolean', short: 'h' },
  }, true);
  if (values.help) {
    process.stdout.write(INSPECT_HELP);
    return 0;
  }
  const [file, ...rest] = positionals;
  if (file === undefined) throw new UsageError(`missing capture file\n\n${INSPECT_HELP}`);
  let count: number | undefined;
  if (values.count !== undefined) {
    if (!/^\d+$/.test(values.count)) throw new UsageError(`-n wants a number of events, not '${values.count}'`);
    count = Number(values.count);
  }
  if (values.print !== undefined && values.write !== undefined) throw new UsageError('-p and -w exclude each other');
  try {
    if (!statSync(file).isFile()) throw new UsageError(`${file} is not a file`);
  } catch (e) {
    if (e instanceof UsageError) throw e;
    process.stderr.write(`saker inspect: cannot read ${file}: ${(e as Error).message}\n`);
    return 1;
  }
  try {
    await inspect(file, { filter: rest.join(' ') || undefined, format: values.print, write: values.write, overwrite: values.force, gzip: values.compress, count, verbose: values.verbose });
    return 0;
  } catch (e) {
    if (e instanceof FilterError) {
      process.stderr.write(`saker inspect: ${describeFilterError(e)}\n`);
      return 1;
    }
    if (e instanceof FormatError) {
      process.stderr.write(`saker inspect: format error: ${e.message}\n`);
      return 1;
    }
    if (e instanceof ScapFormatError || e instanceof CaptureEventError) {
      process.stderr.write(`saker inspect: ${e.message}\n`);
      return 1;
    }
    throw e;
  }
}
