// `saker run` started with its stdout wherever a test wants it (a pipe whose reader stops, a
// pipe the test reads), its web API found from the port it logs, its RSS read from /proc: for the
// delivery tests, which look at what the agent does when an output is blocked or full.
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Stream } from 'node:stream';
import { repoRoot } from './env.js';
import { sleep } from './agent.js';

/** One metric of /api/metrics (prom-client's JSON). */
interface MetricJson {
  name: string;
  values: Array<{ labels: Record<string, string>; value: number }>;
}

export class LiveAgent {
  private readonly lines: string[] = [];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private done = false;
  private apiBase = '';

  private constructor(readonly child: ChildProcess) {
    createInterface({ input: child.stderr! }).on('line', (l) => this.lines.push(l));
    this.exited = new Promise((resolve) => child.on('exit', (code, signal) => {
      this.done = true;
      resolve({ code, signal });
    }));
  }

  /** Starts `saker run [-c configFile] -o key=value...` with `stdout` as its fd 1 and the web
   *  server on a port of its choosing; resolves once it is ready. */
  static async start(options: string[], stdout: 'pipe' | 'ignore' | Stream | number, configFile?: string): Promise<LiveAgent> {
    const args = ['run', '--duration', '300', '-o', 'syslog_output.enabled=false', '-o', 'webserver.listen_port=0'];
    if (configFile) args.push('-c', configFile);
    for (const o of options) args.push('-o', o);
    const child = spawn(process.execPath, [join(repoRoot, 'bin', 'saker.js'), ...args], { stdio: ['ignore', stdout, 'pipe'] });
    const agent = new LiveAgent(child);
    const deadline = Date.now() + 30_000;
    while (!agent.lines.some((l) => l.startsWith('saker: ready'))) {
      if (agent.done || Date.now() > deadline) {
        child.kill('SIGKILL');
        throw new Error(`saker run not ready:\n${agent.stderr}`);
      }
      await sleep(20);
    }
    const port = /webserver: listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(agent.stderr)?.[1];
    if (!port) throw new Error(`saker run did not say where its web server listens:\n${agent.stderr}`);
    agent.apiBase = `http://127.0.0.1:${port}/api`;
    return agent;
  }

  get pid(): number {
    return this.child.pid!;
  }

  get stderr(): string {
    return this.lines.join('\n');
  }

  /** Resident memory in bytes (VmRSS of /proc/PID/status). */
  rss(): number {
    const kb = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${this.pid}/status`, 'utf8'))?.[1];
    if (!kb) throw new Error(`no VmRSS for ${this.pid}`);
    return Number(kb) * 1024;
  }

  async status(): Promise<{ events: number; alerts: number; drops: number }> {
    return (await fetch(`${this.apiBase}/status`)).json() as Promise<{ events: number; alerts: number; drops: number }>;
  }

  /** The value of metric `name` whose labels include `labels` (0 when absent). */
  async metric(name: string, labels: Record<string, string>): Promise<number> {
    const all = await (await fetch(`${this.apiBase}/metrics`)).json() as MetricJson[];
    const m = all.find((x) => x.name === name);
    const v = m?.values.find((x) => Object.entries(labels).every(([k, val]) => x.labels[k] === val));
    return v?.value ?? 0;
  }

  /** Every saker_outputs_dropped_total of one destination, over all reasons. */
  async dropped(destination: string): Promise<number> {
    const all = await (await fetch(`${this.apiBase}/metrics`)).json() as MetricJson[];
    const m = all.find((x) => x.name === 'saker_outputs_dropped_total');
    return (m?.values ?? []).filter((v) => v.labels.destination === destination).reduce((s, v) => s + v.value, 0);
  }

  /** SIGTERM; resolves with the exit status, or undefined when it did not exit within `ms`. */
  async stop(ms = 10_000): Promise<{ code: number | null; signal: NodeJS.Signals | null } | undefined> {
    if (!this.done) this.child.kill('SIGTERM');
    let t: NodeJS.Timeout | undefined;
    const r = await Promise.race([this.exited, new Promise<undefined>((resolve) => (t = setTimeout(() => resolve(undefined), ms)))]);
    clearTimeout(t);
    return r;
  }

  kill(): void {
    if (!this.done) this.child.kill('SIGKILL');
  }
}

/** Opens /etc/shadow `n` times from one python process: n alerts of the built-in
 *  rule "Read of sensitive file"; with `perSecond`, at
 *  about that pace (a burst a file can keep up with). Returns the process's pid. */
export function burst(py: string, n: number, perSecond = 0): number {
  const pause = perSecond > 0 ? `\n  if i % 100 == 99: time.sleep(${100 / perSecond})` : '';
  const r = spawnSync(py, ['-c', `import time\nfor i in range(${n}):\n  open('/etc/shadow').close()${pause}`], { timeout: 120_000 });
  assert.equal(r.status, 0, String(r.stderr));
  return r.pid;
}

export function fileLines(file: string): string[] {
  return existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter((l) => l !== '') : [];
}

export async function until(cond: () => boolean | Promise<boolean>, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(100);
  }
}

/** Waits until `read()` stops changing for `quietMs`; returns its last value. */
export async function settled(read: () => number | Promise<number>, quietMs: number, ms: number): Promise<number> {
  let last = await read();
  let since = Date.now();
  const end = Date.now() + ms;
  while (Date.now() - since < quietMs) {
    if (Date.now() > end) throw new Error(`still changing after ${ms} ms (last ${last})`);
    await sleep(200);
    const v = await read();
    if (v !== last) {
      last = v;
      since = Date.now();
    }
  }
  return last;
}
