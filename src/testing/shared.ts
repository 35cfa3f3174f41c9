// Test helpers for data and tools outside the repository: ../shared (found relative to the
// repository root, or at $SAKER_SHARED) and sysdig, the reference reader of .scap files.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** The shared folder (../shared beside the repository, or $SAKER_SHARED), or undefined. */
export function sharedDir(): string | undefined {
  for (const d of [process.env.SAKER_SHARED, join(repoRoot, '../shared')]) if (d && existsSync(d)) return d;
  return undefined;
}

/** Path of a capture in shared/peers/scap, or undefined when absent. */
export function peerCapture(name: string): string | undefined {
  const d = sharedDir();
  const p = d && join(d, 'peers/scap', name);
  return p && existsSync(p) ? p : undefined;
}

let sysdigOk: boolean | undefined;
/** True when a working sysdig binary is on PATH. */
export function hasSysdig(): boolean {
  sysdigOk ??= spawnSync('sysdig', ['--version'], { encoding: 'utf8' }).status === 0;
  return sysdigOk;
}

/** sysdig -r FILE -p FORMAT [FILTER] output lines (throws if sysdig fails). */
export function sysdigLines(file: string, format: string, filter?: string): string[] {
  const args = ['-r', file, '-p', format];
  if (filter) args.push(filter);
  const out = execFileSync('sysdig', args, { encoding: 'utf8', maxBuffer: 1 << 28 });
  return out.split('\n').filter((l) => l !== '');
}

/** The three upstream Falco rules files in shared/peers/falco-rules, or undefined when any is absent. */
export function upstreamRulesFiles(): string[] | undefined {
  const dir = sharedDir();
  const files = ['falco_rules.yaml', 'falco-incubating_rules.yaml', 'falco-sandbox_rules.yaml'].map((f) => join(dir ?? '', 'peers', 'falco-rules', f));
  return dir && files.every(existsSync) ? files : undefined;
}
