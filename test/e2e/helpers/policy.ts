// What the TracingPolicy e2e tests share: why they skip, a work directory holding the policies,
// the victim program's copies and the agent's export file, and the exported Tetragon events read
// back from it.
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { agentMissing, repoRoot } from './env.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- Tetragon events come from other tools as well as Saker: JSON read loosely, every field optional, checked where it is read
export type Json = Record<string, any>;

/** Why a test that runs the agent with policies cannot run here, if it cannot. */
export function policyAgentMissing(): string | undefined {
  return agentMissing() ?? (existsSync(join(repoRoot, 'sensor', 'build', 'saker-policy')) ? undefined : 'the policy sensor is not built: make -C sensor');
}

export class PolicyWork {
  readonly dir: string;
  readonly policyDir: string;
  readonly exportFile: string;

  constructor(prefix: string) {
    this.dir = mkdtempSync(join(tmpdir(), prefix));
    this.policyDir = join(this.dir, 'policies');
    this.exportFile = join(this.dir, 'events.json');
    mkdirSync(this.policyDir, { recursive: true });
  }

  /** A file in the work directory (a victim's copy: a policy scoped by matchBinaries to its name). */
  bin(name: string): string {
    return join(this.dir, name);
  }

  /** Builds the static victim (test/e2e/helpers/policy-victim.c) once and copies it under each name. */
  victims(names: readonly string[]): string {
    const victim = this.bin('policy-victim');
    if (!existsSync(victim)) execFileSync('gcc', ['-O2', '-static', '-o', victim, join(repoRoot, 'test/e2e/helpers/policy-victim.c')]);
    for (const n of names) copyFileSync(victim, this.bin(n));
    return victim;
  }

  /** Writes TracingPolicy `name` with `spec` (indented YAML under spec:). */
  policy(name: string, spec: string): void {
    writeFileSync(join(this.policyDir, `${name}.yaml`), `apiVersion: cilium.io/v1alpha1\nkind: TracingPolicy\nmetadata:\n  name: ${name}\nspec:\n${spec}`);
  }

  /** The agent's options: this directory's policies, events exported to its file. */
  agentOptions(): string[] {
    return [`policies=${this.policyDir}`, `export=${this.exportFile}`];
  }

  events(): Json[] {
    if (!existsSync(this.exportFile)) return [];
    return readFileSync(this.exportFile, 'utf8').split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l) as Json);
  }

  /** Policy `policyName`'s events (kprobe and tracepoint), of thread group `pid` if given. */
  hits(policyName: string, pid?: number): Json[] {
    return this.events().map((e) => (e.process_kprobe ?? e.process_tracepoint) as Json | undefined)
      .filter((b): b is Json => b !== undefined && b.policy_name === policyName && (pid === undefined || b.process.pid === pid));
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}
