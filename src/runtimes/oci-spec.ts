// What an OCI runtime spec (a bundle's config.json, containerd's container spec) says about the
// container fields: mounts, privilege and which host namespaces it shares. Privileged is
// containerd's WithPrivileged signature (the container plugin reads it the same way): no masked
// or read-only paths, no SELinux label, no AppArmor confinement, no seccomp, and sysfs and cgroup
// mounted read-write.
import type { ContainerInfo } from '../state/index.js';

interface OciMount {
  destination?: string;
  source?: string;
  type?: string;
  options?: string[];
}

/** The parts of an OCI runtime spec the fields need. */
export interface OciSpec {
  process?: { selinuxLabel?: string; apparmorProfile?: string; user?: { uid?: number } };
  mounts?: OciMount[];
  annotations?: Record<string, string>;
  linux?: {
    maskedPaths?: string[] | null;
    readonlyPaths?: string[] | null;
    seccomp?: unknown;
    rootfsPropagation?: string;
    namespaces?: Array<{ type?: string; path?: string }>;
  };
}

type Mount = ContainerInfo['mounts'][number];

export function infoFromOciSpec(spec: OciSpec): Partial<ContainerInfo> {
  const propagation = spec.linux?.rootfsPropagation ?? '';
  const mounts: Mount[] = (spec.mounts ?? []).map((m) => {
    const opts = m.options ?? [];
    const mode = opts.find((o) => o.startsWith('mode='))?.slice(5) ?? '';
    return { source: m.source ?? '', dest: m.destination ?? '', mode, rdwr: !opts.includes('ro'), propagation };
  });
  let privileged = false;
  const linux = spec.linux;
  const proc = spec.process;
  if (linux !== undefined && proc !== undefined && (linux.maskedPaths ?? null) === null && (linux.readonlyPaths ?? null) === null &&
      (proc.selinuxLabel ?? '') === '' && ((proc.apparmorProfile ?? '') === '' || proc.apparmorProfile === 'unconfined') &&
      (linux.seccomp ?? null) === null) {
    privileged = true;
    for (const m of spec.mounts ?? []) {
      if ((m.type === 'sysfs' || m.type === 'cgroup') && (m.options ?? []).includes('ro')) privileged = false;
    }
  }
  // A namespace the spec does not create (absent) or joins by path is not the container's own:
  // absent means the host's, a path may be the host's or a pod's, so only absence says "host".
  const own = new Set((linux?.namespaces ?? []).map((n) => n.type ?? ''));
  const info: Partial<ContainerInfo> = { mounts, privileged };
  if (linux !== undefined) {
    info.hostPid = !own.has('pid');
    info.hostNetwork = !own.has('network');
    info.hostIpc = !own.has('ipc');
  }
  return info;
}

/** Container fields from CRI labels or annotations: they name the pod and the container. */
export function criNames(labels: Readonly<Record<string, string>>): Partial<ContainerInfo> {
  const out: Partial<ContainerInfo> = {};
  if (labels['io.kubernetes.pod.name'] !== undefined) out.podName = labels['io.kubernetes.pod.name'];
  if (labels['io.kubernetes.pod.namespace'] !== undefined) out.podNamespace = labels['io.kubernetes.pod.namespace'];
  if (labels['io.kubernetes.pod.uid'] !== undefined) out.podUid = labels['io.kubernetes.pod.uid'];
  if (labels['io.kubernetes.container.name'] !== undefined) out.name = labels['io.kubernetes.container.name'];
  return out;
}
