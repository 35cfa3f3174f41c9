// What container runtimes know about a container, fetched in the background: containerd through
// its `ctr` client (Debian's containerd package) when its socket is there, plain runc containers
// through `runc state` and the bundle's config.json. Field meanings follow the container plugin
// (go-worker containerd.go): privileged from the OCI spec, k8s names from the CRI labels.
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import type { ContainerInfo } from './types.js';
import type { CgroupMatch, ContainerLookup, QuickContainerLookup } from './containers.js';

export interface RuntimeLookupOptions {
  /** containerd's socket (default /run/containerd/containerd.sock); skipped when absent. */
  containerdSocket?: string;
  /** The ctr client (default 'ctr' on PATH). */
  ctr?: string;
  /** The runc client (default 'runc' on PATH). */
  runc?: string;
  /** runc state roots to ask (default ['/run/runc']). */
  runcRoots?: string[];
  /** Per command (default 3000 ms). */
  timeoutMs?: number;
}

type Mount = ContainerInfo['mounts'][number];

interface OciMount {
  destination?: string;
  source?: string;
  type?: string;
  options?: string[];
}

/** The parts of an OCI runtime spec (config.json) the fields need. */
export interface OciSpec {
  process?: { selinuxLabel?: string; apparmorProfile?: string; user?: { uid?: number } };
  mounts?: OciMount[];
  annotations?: Record<string, string>;
  linux?: {
    maskedPaths?: string[] | null;
    readonlyPaths?: string[] | null;
    seccomp?: unknown;
    rootfsPropagation?: string;
    namespaces?: Array<{ type?: string }>;
  };
}

/** Image reference parts: "registry:5000/ns/app:1.2@sha256:..." -> repository, tag, digest. */
export function parseImageRef(image: string): { repository: string; tag: string; digest: string } {
  let ref = image;
  let digest = '';
  const at = ref.indexOf('@');
  if (at !== -1) {
    digest = ref.slice(at + 1);
    ref = ref.slice(0, at);
  }
  const slash = ref.lastIndexOf('/');
  const colon = ref.lastIndexOf(':');
  if (colon === -1 || colon < slash) return { repository: ref, tag: '', digest };
  return { repository: ref.slice(0, colon), tag: ref.slice(colon + 1), digest };
}

/**
 * Mounts and privilege from an OCI spec. Privileged is containerd's WithPrivileged signature:
 * no masked or read-only paths, no SELinux label, no AppArmor confinement, no seccomp, and
 * sysfs and cgroup mounted read-write.
 */
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
  return { mounts, privileged };
}

/** Container fields from labels: the CRI ones name the pod and the container. */
function fromLabels(labels: Record<string, string>): Partial<ContainerInfo> {
  const out: Partial<ContainerInfo> = { labels };
  if (labels['io.kubernetes.pod.name'] !== undefined) out.podName = labels['io.kubernetes.pod.name'];
  if (labels['io.kubernetes.pod.namespace'] !== undefined) out.podNamespace = labels['io.kubernetes.pod.namespace'];
  if (labels['io.kubernetes.pod.uid'] !== undefined) out.podUid = labels['io.kubernetes.pod.uid'];
  if (labels['io.kubernetes.container.name'] !== undefined) out.name = labels['io.kubernetes.container.name'];
  return out;
}

/** `ctr containers info` output (containerd's containers.Container, spec decoded). */
export interface CtrContainerInfo {
  ID?: string;
  Labels?: Record<string, string> | null;
  Image?: string;
  Runtime?: { Name?: string };
  CreatedAt?: string;
  Spec?: OciSpec;
}

export function infoFromCtr(c: CtrContainerInfo, m: CgroupMatch): Partial<ContainerInfo> {
  const image = c.Image ?? '';
  const ref = parseImageRef(image);
  const labels = c.Labels ?? {};
  const cri = labels['io.cri-containerd.kind'] !== undefined || labels['io.kubernetes.pod.name'] !== undefined;
  return {
    fullId: c.ID ?? m.fullId,
    name: m.id,
    type: cri ? 'cri' : 'containerd',
    image,
    imageRepository: ref.repository,
    imageTag: ref.tag,
    imageDigest: ref.digest,
    ...infoFromOciSpec(c.Spec ?? {}),
    ...fromLabels(labels),
  };
}

/** `runc state` output. */
interface RuncState {
  id?: string;
  bundle?: string;
  status?: string;
}

export function infoFromRunc(state: RuncState, spec: OciSpec, m: CgroupMatch): Partial<ContainerInfo> {
  const annotations = spec.annotations ?? {};
  const image = annotations['org.opencontainers.image.ref.name'] ?? '';
  const ref = parseImageRef(image);
  return {
    fullId: state.id ?? m.fullId,
    name: m.id,
    type: 'runc',
    image,
    imageRepository: ref.repository,
    imageTag: ref.tag,
    imageDigest: ref.digest,
    ...infoFromOciSpec(spec),
    ...fromLabels(annotations),
  };
}

/** Container ids runc accepts (also keeps a cgroup-derived id from walking out of the state root). */
const RUNC_ID = /^[A-Za-z0-9][A-Za-z0-9_+.-]*$/;

/**
 * runc's own state file (<root>/<id>/state.json), read directly: runc writes it before the
 * container's entrypoint runs, and its "bundle=" label leads to the OCI spec. Cheap enough for the
 * event path, so the entrypoint's exec is already described (see ContainerRegistry quickLookup).
 */
export function runcStateFileLookup(roots: readonly string[] = ['/run/runc']): QuickContainerLookup {
  return (m) => {
    if (!RUNC_ID.test(m.fullId)) return undefined;
    for (const root of roots) {
      let state: { id?: string; config?: { labels?: string[] } };
      try {
        state = JSON.parse(readFileSync(`${root}/${m.fullId}/state.json`, 'utf8')) as typeof state;
      } catch {
        continue; // not (yet) a runc container under this root
      }
      const bundle = state.config?.labels?.find((l) => l.startsWith('bundle='))?.slice('bundle='.length);
      if (bundle === undefined) continue;
      let spec: OciSpec = {};
      try {
        spec = JSON.parse(readFileSync(`${bundle}/config.json`, 'utf8')) as OciSpec;
      } catch {
        // A bundle without a readable spec still names the container.
      }
      return infoFromRunc({ id: state.id, bundle }, spec, m);
    }
    return undefined;
  };
}

function run(cmd: string, args: string[], timeoutMs: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    execFile(cmd, args, { timeout: timeoutMs, maxBuffer: 8 << 20 }, (err, stdout) => resolve(err === null ? stdout : undefined));
  });
}

function parseJson<T>(text: string | undefined): T | undefined {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as T;
  } catch {
    return undefined;
  }
}

/** A ContainerLookup asking containerd (ctr) first, then runc. */
export function runtimeLookup(opts: RuntimeLookupOptions = {}): ContainerLookup {
  const socket = opts.containerdSocket ?? '/run/containerd/containerd.sock';
  const ctr = opts.ctr ?? 'ctr';
  const runc = opts.runc ?? 'runc';
  const roots = opts.runcRoots ?? ['/run/runc'];
  const timeout = opts.timeoutMs ?? 3000;

  async function fromContainerd(m: CgroupMatch): Promise<Partial<ContainerInfo> | undefined> {
    if (!existsSync(socket)) return undefined;
    let namespaces: string[];
    if (m.namespace !== undefined) namespaces = [m.namespace];
    else {
      const out = await run(ctr, ['--address', socket, 'namespaces', 'ls', '-q'], timeout);
      namespaces = (out ?? '').split('\n').map((s) => s.trim()).filter((s) => s.length > 0);
    }
    for (const ns of namespaces) {
      let id = m.fullId;
      if (id.length < 64 && m.namespace === undefined) {
        // Only a short id: find the full one among the namespace's containers.
        const list = await run(ctr, ['--address', socket, '--namespace', ns, 'containers', 'ls', '-q'], timeout);
        id = (list ?? '').split('\n').map((s) => s.trim()).find((s) => s.startsWith(m.id)) ?? '';
        if (id === '') continue;
      }
      const info = parseJson<CtrContainerInfo>(await run(ctr, ['--address', socket, '--namespace', ns, 'containers', 'info', id], timeout));
      if (info !== undefined) return infoFromCtr(info, m);
    }
    return undefined;
  }

  async function fromRunc(m: CgroupMatch): Promise<Partial<ContainerInfo> | undefined> {
    for (const root of roots) {
      if (!existsSync(root)) continue;
      const state = parseJson<RuncState>(await run(runc, ['--root', root, 'state', m.fullId], timeout));
      if (state === undefined || state.bundle === undefined) continue;
      let spec: OciSpec = {};
      try {
        spec = JSON.parse(readFileSync(`${state.bundle}/config.json`, 'utf8')) as OciSpec;
      } catch {
        // A bundle without a readable spec still names the container.
      }
      return infoFromRunc(state, spec, m);
    }
    return undefined;
  }

  return async (m) => (await fromContainerd(m)) ?? (await fromRunc(m));
}

/** The container plugin's container_type enum, by value. */
const PLUGIN_TYPES = ['docker', 'lxc', 'libvirt-lxc', 'mesos', 'rkt', 'custom', 'cri', 'containerd', 'cri-o', 'bpm', 'static', 'podman'];

interface PluginMount {
  Source?: string;
  Destination?: string;
  Mode?: string;
  RW?: boolean;
  Propagation?: string;
}

/**
 * A container from the JSON the container plugin puts in its "container" async events and old
 * libsinsp wrote as container JSON events: {"container": {id, full_id, name, image, imagerepo,
 * imagetag, imagedigest, type, privileged, labels, Mounts, ...}}. Undefined when unreadable.
 */
export function containerInfoFromJson(text: string): ContainerInfo | undefined {
  let j: unknown;
  try {
    j = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (j === null || typeof j !== 'object') return undefined;
  const outer = j as Record<string, unknown>;
  const c = (outer.container !== null && typeof outer.container === 'object' ? outer.container : outer) as Record<string, unknown>;
  const str = (k: string): string => (typeof c[k] === 'string' ? c[k] : '');
  const id = str('id');
  if (id === '') return undefined;
  const labels: Record<string, string> = {};
  if (c.labels !== null && typeof c.labels === 'object') {
    for (const [k, v] of Object.entries(c.labels as Record<string, unknown>)) if (typeof v === 'string') labels[k] = v;
  }
  const mounts = Array.isArray(c.Mounts) ? (c.Mounts as PluginMount[]).map((m) => ({
    source: m.Source ?? '', dest: m.Destination ?? '', mode: m.Mode ?? '', rdwr: m.RW ?? false, propagation: m.Propagation ?? '',
  })) : [];
  const type = typeof c.type === 'number' ? PLUGIN_TYPES[c.type] ?? '' : str('type');
  return {
    id,
    fullId: str('full_id') || id,
    name: str('name'),
    image: str('image'),
    imageRepository: str('imagerepo'),
    imageTag: str('imagetag'),
    imageDigest: str('imagedigest'),
    type,
    privileged: typeof c.privileged === 'boolean' ? c.privileged : undefined,
    mounts,
    labels,
    podName: labels['io.kubernetes.pod.name'] ?? '',
    podNamespace: labels['io.kubernetes.pod.namespace'] ?? '',
    podUid: labels['io.kubernetes.pod.uid'] ?? '',
    startTs: 0n,
  };
}
