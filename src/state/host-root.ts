// HOST_ROOT, as Falco reads it: when the agent runs in a container, the host's /proc, /etc and
// runtime sockets are mounted under one directory (/host in the DaemonSet) and every host path
// is read below it. (The agent's host pid, which the sensor ignores, is capture/live/host-tgid.ts's
// hostTgid over this procRoot.)

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
