// A throwaway runc container for the generator's container actions: a busybox root filesystem
// (Debian's busybox-static, one link per applet) under an overlay in a temporary directory, its
// own namespaces (network too: only loopback), run in the foreground and removed afterwards.
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BUSYBOX, populateBusyboxRoot } from './busybox-root.js';


/** Why a container cannot be run here, or undefined. */
export function containerUnavailable(): string | undefined {
  if (process.getuid?.() !== 0) return 'container actions need root (runc)';
  if (spawnSync('runc', ['--version']).status !== 0) return 'container actions need runc (apt-get install runc)';
  if (!existsSync(BUSYBOX)) return 'container actions need busybox-static for the container root filesystem';
  return undefined;
}

export interface ContainerOptions {
  /** Capabilities beyond runc's default set (e.g. CAP_SYS_ADMIN to mount inside its own mount
   *  namespace, CAP_NET_ADMIN to address its own loopback). */
  caps?: readonly string[];
  /** The host's /usr bind-mounted read-only over the container's (for python3 inside). */
  hostUsr?: boolean;
  timeoutMs?: number;
}

/** Runs `args` as the process of a new container; returns its 12-character container id. */
export function runInContainer(args: readonly string[], opts: ContainerOptions = {}): { id: string; status: number | null; output: string } {
  const dir = mkdtempSync(join(tmpdir(), 'saker-generate-'));
  const lower = join(dir, 'lower');
  const upper = join(dir, 'upper');
  const work = join(dir, 'work');
  const bundle = join(dir, 'bundle');
  const rootfs = join(bundle, 'rootfs');
  const id = randomBytes(32).toString('hex');
  let mounted = false;
  try {
    mkdirSync(lower);
    populateBusyboxRoot(lower);
    writeFileSync(join(lower, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/sh\n');
    writeFileSync(join(lower, 'etc/group'), 'root:x:0:\n');
    if (opts.hostUsr) {
      // Debian's merged /usr: the loader and libraries are found through these links.
      for (const l of ['lib', 'lib64']) if (!existsSync(join(lower, l))) symlinkSync(`usr/${l}`, join(lower, l));
    }
    for (const d of [upper, work, rootfs]) mkdirSync(d, { recursive: true });
    execFileSync('mount', ['-t', 'overlay', 'overlay', '-o', `lowerdir=${lower},upperdir=${upper},workdir=${work}`, rootfs]);
    mounted = true;
    execFileSync('runc', ['spec'], { cwd: bundle });
    const specPath = join(bundle, 'config.json');
    const spec = JSON.parse(readFileSync(specPath, 'utf8')) as RuncSpec;
    spec.process.terminal = false;
    spec.process.args = [...args];
    const caps = spec.process.capabilities;
    for (const set of ['bounding', 'effective', 'permitted'] as const) caps[set] = [...new Set([...(caps[set] ?? []), ...(opts.caps ?? [])])];
    if (opts.hostUsr) spec.mounts.push({ destination: '/usr', type: 'bind', source: '/usr', options: ['rbind', 'ro'] });
    spec.root = { path: 'rootfs', readonly: false };
    spec.hostname = 'saker-generate';
    writeFileSync(specPath, JSON.stringify(spec));
    const r = spawnSync('runc', ['run', '--bundle', bundle, id], { encoding: 'utf8', timeout: opts.timeoutMs ?? 20_000, stdio: ['ignore', 'pipe', 'pipe'] });
    return { id: id.slice(0, 12), status: r.status, output: `${r.stdout ?? ''}${r.stderr ?? ''}` };
  } finally {
    spawnSync('runc', ['delete', '-f', id], { stdio: 'ignore' });
    if (mounted) spawnSync('umount', ['-l', rootfs], { stdio: 'ignore' });
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The parts of runc's default spec (`runc spec`) changed here. */
interface RuncSpec {
  process: { terminal: boolean; args: string[]; capabilities: Partial<Record<'bounding' | 'effective' | 'permitted', string[]>> };
  mounts: Array<{ destination: string; type: string; source: string; options: string[] }>;
  root: unknown;
  hostname: string;
}
