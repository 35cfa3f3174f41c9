// saker events: reads Tetragon-format JSON events (Saker's --export, or Tetragon's own export),
// one object per line, and prints them in Tetragon's compact form (tetra getevents -o compact) or
// as JSON; --follow keeps reading a file as it grows.
import { createReadStream, statSync, watch } from 'node:fs';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { compactLine } from '../../policy/index.js';
import { parse, UsageError } from '../args.js';

export const EVENTS_HELP = `Usage: saker events [-o compact|json] [--timestamps] [FILE|-] [--follow]

Reads Tetragon JSON events (one object per line: saker run --export, or Tetragon's export file)
from FILE, or stdin when FILE is - or absent, and prints each one:
  -o compact     Tetragon's one-line form (default), e.g.
                 🚀 process default/xwing /usr/bin/curl https://ebpf.io
  -o json        the event objects, one per line
  --timestamps   prefix compact lines with the event time
  --follow       keep reading FILE as it grows (like tail -f), until interrupted
A line that is not a JSON object is reported on stderr with its line number and skipped; the
exit status is 1 when there was one.
`;

export async function eventsCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, {
    output: { type: 'string', short: 'o' }, follow: { type: 'boolean', short: 'f' }, timestamps: { type: 'boolean' }, help: { type: 'boolean', short: 'h' },
  }, true);
  if (values.help) {
    process.stdout.write(EVENTS_HELP);
    return 0;
  }
  const output = values.output ?? 'compact';
  if (output !== 'compact' && output !== 'json') throw new UsageError(`-o must be compact or json (got ${output})`);
  if (positionals.length > 1) throw new UsageError('at most one FILE');
  const file = positionals[0] === '-' ? undefined : positionals[0];
  if (values.follow && !file) throw new UsageError('--follow needs a FILE');
  let bad = 0;
  let n = 0;
  const onLine = (text: string): void => {
    n++;
    if (text.trim() === '') return;
    let ev: unknown;
    try {
      ev = JSON.parse(text);
    } catch (e) {
      bad++;
      process.stderr.write(`saker events: ${file ?? 'stdin'}:${n}: not JSON: ${(e as Error).message}\n`);
      return;
    }
    if (typeof ev !== 'object' || ev === null || Array.isArray(ev)) {
      bad++;
      process.stderr.write(`saker events: ${file ?? 'stdin'}:${n}: not an event object\n`);
      return;
    }
    if (output === 'json') process.stdout.write(`${JSON.stringify(ev)}\n`);
    else {
      const l = compactLine(ev, values.timestamps === true);
      if (l !== undefined) process.stdout.write(`${l}\n`);
    }
  };
  if (file && values.follow) await follow(file, onLine);
  else await readLines(file ? createReadStream(file) : process.stdin, onLine);
  return bad > 0 ? 1 : 0;
}

function readLines(input: Readable, onLine: (l: string) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    input.on('error', reject);
    const rl = createInterface({ input, crlfDelay: Infinity });
    rl.on('line', onLine);
    rl.on('close', resolve);
  });
}

/** Reads `file` from its start, then what is appended to it, until SIGINT/SIGTERM. */
async function follow(file: string, onLine: (l: string) => void): Promise<void> {
  let pos = 0;
  let partial = '';
  let reading = false;
  const readMore = async (): Promise<void> => {
    if (reading) return;
    reading = true;
    try {
      const size = statSync(file).size;
      if (size < pos) pos = 0; // truncated or replaced: start over
      if (size > pos) {
        const stream = createReadStream(file, { start: pos, end: size - 1, encoding: 'utf8' });
        for await (const chunk of stream) partial += chunk as string;
        pos = size;
        const lines = partial.split('\n');
        partial = lines.pop() ?? '';
        for (const l of lines) onLine(l);
      }
    } finally {
      reading = false;
    }
  };
  await readMore();
  await new Promise<void>((resolve) => {
    const watcher = watch(file, () => void readMore());
    const timer = setInterval(() => void readMore(), 500);
    const stop = (): void => {
      watcher.close();
      clearInterval(timer);
      resolve();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}
