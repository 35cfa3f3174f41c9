// What the end-to-end tests need from this machine, and why a test skips when it is missing.
// Each check returns undefined when the need is met, else the reason to pass to t.skip().
import { spawnSync } from 'node:child_process';
import type { TestContext } from 'node:test';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
export const sensorBinary = join(repoRoot, 'sensor', 'build', 'saker-sensor');

const memo = new Map<string, boolean>();
/** True when `cmd args` runs and exits 0 (memoised). */
export function runs(cmd: string, ...args: string[]): boolean {
  const key = [cmd, ...args].join(' ');
  let ok = memo.get(key);
  if (ok === undefined) {
    ok = spawnSync(cmd, args, { stdio: 'ignore', timeout: 10_000 }).status === 0;
    memo.set(key, ok);
  }
  return ok;
}

function newestMtime(dir: string): number {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    newest = Math.max(newest, e.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return newest;
}

/**
 * Why the live agent cannot run here: not root, or the sensor not built. Also refuses a dist/
 * build older than src/, which bin/saker.js would run in place of the sources under test.
 */
export function agentMissing(): string | undefined {
  if (process.getuid?.() !== 0) return 'needs root (the eBPF sensor loads BPF programs)';
  if (!existsSync(sensorBinary)) return `the sensor is not built (${sensorBinary}): run make -C sensor`;
  const bundle = join(repoRoot, 'dist', 'bundle', 'saker.cjs');
  const built = existsSync(bundle) ? bundle : join(repoRoot, 'dist', 'cli', 'main.js');
  if (existsSync(built) && statSync(built).mtimeMs < newestMtime(join(repoRoot, 'src'))) {
    throw new Error('dist/ is older than src/ and bin/saker.js would run it: run npm run build (or remove dist/)');
  }
  return undefined;
}

/** Why runc containers cannot run here (checked after agentMissing, so root is given). */
export function containersMissing(): string | undefined {
  if (!runs('runc', '--version')) return 'needs runc (apt-get install runc; scripts/setup.sh installs it)';
  if (!existsSync('/bin/busybox') || !runs('/bin/busybox', 'true')) {
    return 'needs busybox-static for the container root filesystem (apt-get install busybox-static)';
  }
  if (!existsSync('/proc/filesystems') || !runs('grep', '-qw', 'overlay', '/proc/filesystems')) {
    return 'needs overlayfs for container root filesystems';
  }
  return undefined;
}

/** Why a network namespace test host cannot be made here. */
export function netnsMissing(): string | undefined {
  if (!runs('ip', '-V')) return 'needs iproute2 (ip) for the network namespace test host';
  return undefined;
}

/**
 * For a test of a file that starts one agent in its before hook: skips `t` (saying why) when
 * `reason` (what else the test needs) is set or the agent (`started`) did not start; true when
 * the test can run.
 */
export function agentReady(t: TestContext, reason: string | undefined, started: unknown): boolean {
  const why = reason ?? (started === undefined ? 'the agent did not start (see the before hook)' : undefined);
  if (why === undefined) return true;
  t.skip(why);
  return false;
}

/** The first reason in `checks` that is set. */
export function firstMissing(...checks: Array<() => string | undefined>): string | undefined {
  for (const c of checks) {
    const why = c();
    if (why !== undefined) return why;
  }
  return undefined;
}

/** A program found on PATH (or an absolute path that exists), else undefined. */
export function which(cmd: string): string | undefined {
  if (cmd.startsWith('/')) return existsSync(cmd) ? cmd : undefined;
  for (const dir of (process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin').split(':')) {
    const p = join(dir, cmd);
    if (dir !== '' && existsSync(p) && statSync(p).isFile()) return p;
  }
  return undefined;
}
