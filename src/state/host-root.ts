// HOST_ROOT, as Falco reads it: when the agent runs in a container, the host's /proc, /etc and
// runtime sockets are mounted under one directory (/host in the DaemonSet) and every host path
// is read below it. Without hostPID the agent's own pid is a namespace pid, while the kernel
// reports host pids: hostPidOf finds the host pid of a process of ours through the host's /proc,
// so the sensor ignores the agent itself and not whichever host process shares its number.
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';

export interface HostPaths {
  /** '' on the host itself, else e.g. '/host'. */
  hostRoot: string;
  procRoot: string;
  /** Root for /etc/passwd and /etc/group ('/' on the host). */
  etcRoot: string;
  containerdSocket: string;
  containerdState: string;
  runcRoots: string[];
}

/** Host paths below HOST_ROOT (environment), or the plain ones. */
export function hostPaths(env: NodeJS.ProcessEnv = process.env): HostPaths {
  const root = (env.HOST_ROOT ?? '').replace(/\/+$/, '');
  return {
    hostRoot: root,
    procRoot: `${root}/proc`,
    etcRoot: root === '' ? '/' : root,
    containerdSocket: `${root}/run/containerd/containerd.sock`,
    containerdState: `${root}/run/containerd`,
    runcRoots: [`${root}/run/runc`],
  };
}

function nsPidLine(status: string): number[] | undefined {
  const m = /^NSpid:\s+(.*)$/m.exec(status);
  return m ? m[1]!.trim().split(/\s+/).map(Number) : undefined;
}

/**
 * The host pid of `pid` (a pid in this process's pid namespace), read from `hostProc` (the host's
 * /proc) and `ownNsLink` (this process's pid namespace link); `pid` itself when this process shares the host's pid namespace or nothing matches.
 */
export function hostPidOf(pid: number, hostProc: string, ownNsLink = '/proc/self/ns/pid'): number {
  let ownNs: string;
  try {
    ownNs = readlinkSync(ownNsLink);
  } catch {
    return pid;
  }
  // The host pid of a process of this namespace: its NSpid line ends with `pid`, starts with the host's.
  const probe = (name: string): number | undefined => {
    try {
      const ns = nsPidLine(readFileSync(join(hostProc, name, 'status'), 'utf8'));
      if (!ns || ns[ns.length - 1] !== pid) return undefined;
      return readlinkSync(join(hostProc, name, 'ns', 'pid')) === ownNs ? ns[0] : undefined;
    } catch {
      return undefined; // gone while scanning, or not ours to read
    }
  };
  const same = probe(String(pid)); // sharing the host's pid namespace: the common case, one read
  if (same !== undefined) return same;
  for (const name of readdirSync(hostProc)) {
    if (!/^\d+$/.test(name)) continue;
    const found = probe(name);
    if (found !== undefined) return found;
  }
  return pid;
}
