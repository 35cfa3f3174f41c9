// `saker run` as a user starts it in a terminal: text alerts on stdout, operational lines on
// stderr, both kept as lines, with a wait for a condition that names what it waited for.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { repoRoot } from './env.js';

export const CLI = join(repoRoot, 'bin', 'saker.js');

export interface TextRun {
  child: ChildProcess;
  out: string[];
  err: string[];
  /** Resolves with the exit code and signal. */
  exited: Promise<[number | null, NodeJS.Signals | null]>;
  /** Waits until `cond` holds (20 s by default), failing with `what` and the agent's stderr. */
  until: (cond: () => boolean, what: string, timeoutMs?: number) => Promise<void>;
}

export function textRun(args: string[]): TextRun {
  const child = spawn(process.execPath, [CLI, 'run', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const out: string[] = [];
  const err: string[] = [];
  createInterface({ input: child.stdout }).on('line', (l) => out.push(l));
  createInterface({ input: child.stderr }).on('line', (l) => err.push(l));
  const exited = new Promise<[number | null, NodeJS.Signals | null]>((r) => child.on('exit', (c, s) => r([c, s])));
  const until = async (cond: () => boolean, what: string, timeoutMs = 20_000): Promise<void> => {
    for (const deadline = Date.now() + timeoutMs; !cond(); await new Promise((r) => setTimeout(r, 20))) {
      assert.ok(Date.now() < deadline, `${what}; stderr:\n${err.join('\n')}`);
    }
  };
  return { child, out, err, exited, until };
}
