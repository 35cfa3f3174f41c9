// Falco's program_output: alert lines written to a program's standard input (`sh -c program`).
// keep_alive runs one program for every alert and, if it exits, starts it again after a backoff
// (1 s doubling to 1 min) — alerts in between count as failed; without keep_alive a program is
// started per batch and waited for, as Falco's popen/pclose per alert. A program that stops
// reading stalls only this output (its queue fills, drops are counted); one that exits early
// (EPIPE) is this output's error.
import { spawn, type ChildProcess } from 'node:child_process';
import type { Alert } from './alert.js';
import { DeliveryError, type Destination } from './destination.js';
import { batchLines, type LineFormat } from './falco-line.js';

export class ProgramDestination implements Destination {
  readonly maxBatch = 1000;
  private child: ChildProcess | undefined;
  private restarts = 0;
  private notBefore = 0;

  /** `argv`: the program and its arguments (the shell for program_output's command line). */
  constructor(private readonly argv: readonly string[], private readonly keepAlive: boolean, private readonly format: LineFormat, private readonly log: (msg: string) => void) {}

  async send(batch: readonly Alert[]): Promise<void> {
    const text = batchLines(batch, this.format);
    if (!this.keepAlive) return this.runOnce(text);
    const child = this.running();
    await writeTo(child, text, this.argv[this.argv.length - 1]!);
  }

  private running(): ChildProcess {
    if (this.child) return this.child;
    const now = Date.now();
    if (now < this.notBefore) throw new DeliveryError(`program ${this.argv.join(' ')} exited; restarting in ${Math.ceil((this.notBefore - now) / 1000)} s`, false);
    const child = this.start();
    this.child = child;
    child.on('exit', (code, signal) => {
      if (this.child !== child) return;
      this.child = undefined;
      const delay = Math.min(60_000, 1000 * 2 ** Math.min(this.restarts++, 6));
      this.notBefore = Date.now() + delay;
      this.log(`program_output: ${this.argv.join(' ')} exited (${signal ?? `code ${code}`}); restarting in ${delay / 1000} s`);
    });
    // a program that ran a while before exiting starts the backoff over
    setTimeout(() => {
      if (this.child === child) this.restarts = 0;
    }, 60_000).unref();
    return child;
  }

  private start(): ChildProcess {
    const child = spawn(this.argv[0]!, this.argv.slice(1), { stdio: ['pipe', 'ignore', 'inherit'] });
    child.on('error', (e) => this.log(`program_output: ${e.message}`));
    child.stdin.on('error', () => undefined);
    return child;
  }

  private async runOnce(text: string): Promise<void> {
    const child = this.start();
    const exited = new Promise<void>((resolve) => child.on('close', () => resolve()));
    try {
      await writeTo(child, text, this.argv[this.argv.length - 1]!);
    } finally {
      child.stdin!.end();
      await exited;
    }
  }

  reopen(): void {
    // SIGUSR1: respawn, as Falco does
    const c = this.child;
    this.child = undefined;
    this.notBefore = 0;
    c?.stdin?.end();
  }

  async close(): Promise<void> {
    const c = this.child;
    this.child = undefined;
    if (!c) return;
    const exited = new Promise<void>((resolve) => c.on('close', () => resolve()));
    c.stdin!.end();
    const t = setTimeout(() => c.kill('SIGTERM'), 2000);
    await exited;
    clearTimeout(t);
  }
}

function writeTo(child: ChildProcess, text: string, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    child.stdin!.write(text, (e) => (e ? reject(new DeliveryError(`program ${what}: ${(e as NodeJS.ErrnoException).code ?? e.message}`, false)) : resolve()));
  });
}
