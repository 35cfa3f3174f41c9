// Drives the real CLI: `saker run` as a child process with JSON output, its alerts collected as
// they arrive, waits for an alert that matches a predicate, and a SIGTERM stop that must exit 0.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { repoRoot } from './env.js';

/** One alert as `saker run -o json_output=true` prints it (Falco's alert JSON). */
export interface Alert {
  rule: string;
  priority: string;
  output: string;
  output_fields: Record<string, string | number | boolean | null>;
  tags: string[];
  time: string;
  source: string;
  hostname: string;
}

/**
 * Fields appended to every rule's output so tests can check who did what, whatever the rule's own
 * output names. They land in output_fields under their field names.
 */
export const CHECK_FIELDS = [
  'proc.pid', 'proc.ppid', 'proc.vpid', 'proc.name', 'proc.pname', 'proc.exepath', 'proc.cmdline', 'proc.tty',
  'user.name', 'user.uid', 'container.id', 'container.name', 'container.privileged', 'evt.type', 'fd.name', 'fd.sip', 'fd.sport',
];

export interface AgentOptions {
  /** Rules files (-r); none = Saker's built-in rules. */
  rules?: string[];
  /** Extra -o key=value settings. */
  options?: string[];
  /** Give up waiting for "ready" after this long (default 30 s). */
  readyTimeoutMs?: number;
  /** --duration guard so an agent a crashed test leaves behind stops by itself (default 300 s). */
  maxDurationS?: number;
  /** A command that runs the agent's command line (its arguments follow) and execs it in place,
   *  so the agent keeps its pid: e.g. a private mount namespace with another /etc/resolv.conf. */
  wrap?: string[];
}

export interface WaitOptions {
  /** Default 10 s. */
  timeoutMs?: number;
  /** Said in the timeout error. */
  what?: string;
}

/** An agent asked to stop has nothing to wait for but flushing its alerts. */
const STOP_TIMEOUT_MS = 5000;

interface Waiter {
  pred: (a: Alert) => boolean;
  resolve: (a: Alert) => void;
}

export class Agent {
  readonly alerts: Alert[] = [];
  private readonly stderrLines: string[] = [];
  private readonly waiters = new Set<Waiter>();
  private exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private exitStatus: { code: number | null; signal: NodeJS.Signals | null } | undefined;

  private constructor(private readonly child: ChildProcess, readonly args: string[]) {
    this.exited = new Promise((resolve) => {
      child.on('exit', (code, signal) => {
        this.exitStatus = { code, signal };
        resolve(this.exitStatus);
      });
    });
    createInterface({ input: child.stdout! }).on('line', (line) => this.onStdout(line));
    createInterface({ input: child.stderr! }).on('line', (line) => this.stderrLines.push(line));
  }

  /** Starts `saker run` and resolves once it says capture is live. */
  static async start(opts: AgentOptions = {}): Promise<Agent> {
    const args = ['run', '--duration', String(opts.maxDurationS ?? 300), '-o', 'json_output=true',
      '-o', 'append_output[].suggested_output=true',
      '-o', `append_output[].extra_output=${CHECK_FIELDS.map((f) => `${f}=%${f}`).join(' ')}`];
    for (const r of opts.rules ?? []) args.push('-r', r);
    for (const o of opts.options ?? []) args.push('-o', o);
    // SAKER_E2E_PREFILTER=on runs a file with the kernel's open prefilter on (it is off by
    // default): the same tests must pass either way (the prefilter may not change an alert)
    if (process.env.SAKER_E2E_PREFILTER === 'on') args.push('-o', 'prefilter.enabled=true');
    const cmd = [process.execPath, join(repoRoot, 'bin', 'saker.js'), ...args];
    if (opts.wrap !== undefined) cmd.unshift(...opts.wrap);
    const child = spawn(cmd[0]!, cmd.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
    const agent = new Agent(child, args);
    try {
      await agent.untilReady(opts.readyTimeoutMs ?? 30_000);
    } catch (e) {
      agent.kill();
      throw e;
    }
    return agent;
  }

  get pid(): number {
    return this.child.pid!;
  }

  /** Everything the agent wrote on stderr so far. */
  get stderr(): string {
    return this.stderrLines.join('\n');
  }

  private onStdout(line: string): void {
    if (line.trim() === '') return;
    let alert: Alert;
    try {
      alert = JSON.parse(line) as Alert;
    } catch {
      this.stderrLines.push(`(unparsable stdout line) ${line}`);
      return;
    }
    this.alerts.push(alert);
    for (const w of this.waiters) {
      if (w.pred(alert)) {
        this.waiters.delete(w);
        w.resolve(alert);
      }
    }
  }

  private async untilReady(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.stderrLines.some((l) => l.startsWith('saker: ready'))) {
      if (this.exitStatus !== undefined) throw new Error(`saker run exited (${JSON.stringify(this.exitStatus)}) before ready:\n${this.stderr}`);
      if (Date.now() > deadline) throw new Error(`saker run not ready after ${timeoutMs} ms:\n${this.stderr}`);
      await sleep(20);
    }
  }

  /** The alerts that match `pred` so far. */
  matching(pred: (a: Alert) => boolean): Alert[] {
    return this.alerts.filter(pred);
  }

  /** The first alert (already received or still to come) that matches `pred`; rejects after a timeout. */
  waitFor(pred: (a: Alert) => boolean, opts: WaitOptions = {}): Promise<Alert> {
    const seen = this.alerts.find(pred);
    if (seen !== undefined) return Promise.resolve(seen);
    const timeoutMs = opts.timeoutMs ?? 10_000;
    return new Promise((resolve, reject) => {
      const w: Waiter = {
        pred,
        resolve: (a) => {
          clearTimeout(timer);
          resolve(a);
        },
      };
      const timer = setTimeout(() => {
        this.waiters.delete(w);
        const rules = [...new Set(this.alerts.map((a) => a.rule))].join(', ') || 'none';
        reject(new Error(`no alert ${opts.what ?? 'matching'} within ${timeoutMs} ms (alerts so far from rules: ${rules})\n` +
          `agent stderr:\n${this.stderr}`));
      }, timeoutMs);
      this.waiters.add(w);
    });
  }

  /** Waits for an alert of `rule` whose output fields pass `pred`. */
  waitForRule(rule: string, pred: (f: Alert['output_fields'], a: Alert) => boolean = () => true, opts: WaitOptions = {}): Promise<Alert> {
    return this.waitFor((a) => a.rule === rule && pred(a.output_fields, a), { what: `of rule "${rule}"`, ...opts });
  }

  /** SIGTERM, then asserts a clean and prompt exit (status 0, within 5 s). Returns stderr. */
  async stop(): Promise<string> {
    if (this.exitStatus === undefined) this.child.kill('SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), STOP_TIMEOUT_MS)));
    const status = await Promise.race([this.exited, timeout]);
    clearTimeout(timer);
    if (status === undefined) {
      this.kill();
      assert.fail(`saker run did not exit within ${STOP_TIMEOUT_MS} ms of SIGTERM:\n${this.stderr}`);
    }
    assert.deepEqual(status, { code: 0, signal: null }, `saker run exit status after SIGTERM; stderr:\n${this.stderr}`);
    assert.match(this.stderr, /saker: stopped: \d+ events/, 'the agent reports what it processed when it stops');
    return this.stderr;
  }

  /** Kills the agent at once (cleanup after a failure); safe to call twice. */
  kill(): void {
    if (this.exitStatus === undefined) this.child.kill('SIGKILL');
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Waits until `check` passes, retrying every 100 ms for `ms` (what an agent writes arrives
 *  asynchronously); throws the last failure after that. */
export async function eventually(check: () => void, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      check();
      return;
    } catch (e) {
      if (Date.now() > deadline) throw e;
      await sleep(100);
    }
  }
}
