// Where the oracle lives — Falco master, libs master's sinsp-example and the container plugin,
// built by ../shared/tools/build-falco.sh under ORACLE_PREFIX (default /opt/anchors) — and how
// Falco replays a capture with the upstream rules, for the oracle fixture script and the bench.
import { existsSync } from 'node:fs';
import { join } from 'node:path';

export interface OracleBinaries {
  falco: string;
  falcoReplay: string;
  sinspExample: string;
  containerPlugin: string;
  versionsFile: string;
}

/** The oracle's binaries (those `need` names, default all), or why they are not here. */
export function oracleBinaries(need?: ReadonlyArray<keyof OracleBinaries>, prefix = process.env.ORACLE_PREFIX ?? '/opt/anchors'): OracleBinaries | string {
  const b: OracleBinaries = {
    falco: join(prefix, 'build/falco/userspace/falco/falco'),
    falcoReplay: join(prefix, 'bin/falco-replay'),
    sinspExample: join(prefix, 'build/falco/libsinsp/examples/sinsp-example'),
    containerPlugin: join(prefix, 'build/container-plugin/libcontainer.so'),
    versionsFile: join(prefix, 'src/VERSIONS'),
  };
  const missing = (need ?? (Object.keys(b) as Array<keyof OracleBinaries>)).map((k) => b[k]).filter((p) => !existsSync(p));
  if (missing.length > 0) return `the Falco oracle is not built here (missing ${missing.join(', ')}): see ../shared/tools/README-falco.md`;
  return b;
}

/** The upstream rules files, in the order Falco and Saker load them. */
export const UPSTREAM_RULES = ['falco_rules.yaml', 'falco-incubating_rules.yaml', 'falco-sandbox_rules.yaml'];

/** Arguments of `falco-replay` (the stock falco.yaml, container plugin, replay engine) for a capture. */
export function falcoReplayArgs(capture: string, shared: string, extra: string[] = []): string[] {
  return [capture, ...UPSTREAM_RULES.flatMap((f) => ['-r', join(shared, 'peers/falco-rules', f)]), ...extra];
}
