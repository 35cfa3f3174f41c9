// container.* and k8s.* fields, as Falco's container plugin defines them: the container of the
// thread (id from its cgroups, metadata from the container runtime's API) and the Kubernetes pod
// it belongs to (the CRI pod sandbox: name, namespace, uid, labels, IP, CNI result). Host
// processes have container.id "host". k8s.rs.name and k8s.deployment.name come from the pod name
// and its pod-template-hash label (src/runtimes/k8s-owner.ts), not from the API server.
import type { ContainerInfo, EventContext } from '../../state/model/index.js';
import { simple, withArg } from './define.js';
import type { BoundField, FieldDef, FieldType, Value } from './types.js';

const HOST = 'host';

function containerOf(ctx: EventContext): ContainerInfo | undefined {
  const id = ctx.thread?.containerId;
  return id ? ctx.state.container(id) : undefined;
}

/** A metadata field: "host" values for host threads, nothing while metadata is unknown. */
const meta = (name: string, type: FieldType, desc: string, get: (c: ContainerInfo) => Value | undefined, hostValue?: Value): FieldDef =>
  simple(name, type, desc, (ctx) => {
    if (!ctx.thread) return undefined;
    if (!ctx.thread.containerId) return hostValue;
    const c = containerOf(ctx);
    return c ? get(c) : undefined;
  });

const nonEmpty = (s: string): string | undefined => (s === '' ? undefined : s);
const optional = (s: string | undefined): string | undefined => (s === undefined || s === '' ? undefined : s);

/**
 * A metadata string as the container plugin extracts it: what the runtime said, '' included, once
 * the container is described (and '' for the host, whose entry has empty metadata:
 * host_container_info); nothing while it is not.
 */
const said = (name: string, desc: string, get: (c: ContainerInfo) => string | undefined): FieldDef =>
  meta(name, 'string', desc, (c) => (c.described === true ? get(c) ?? '' : optional(get(c))), '');

type Mount = ContainerInfo['mounts'][number];

/**
 * container.mount.X[N] or [PATTERN]: the mount by index, or the first whose source (for
 * container.mount.source: whose destination) PATTERN finds, read as a regular expression as the
 * container plugin does (container_info.cpp mount_by_source: a search, not a glob); no value when
 * none matches (the plugin sets none, so `not container.mount.dest[/proc*] in (<NA>, N/A)` holds).
 */
function mountField(name: string, desc: string, get: (m: Mount) => Value, byDest = false): FieldDef {
  return withArg(name, 'string', desc, 'required', (arg): BoundField => {
    const byIndex = /^\d+$/.test(arg!) ? Number(arg) : -1;
    let re: RegExp | undefined;
    if (byIndex < 0) {
      try {
        re = new RegExp(arg!, 'm');
      } catch {
        re = new RegExp(arg!.replaceAll(/[.*+?^${}()|[\]\\]/g, '\\$&'), 'm');
      }
    }
    return {
      extract: (ctx) => {
        if (!ctx.thread?.containerId) return undefined;
        const mounts = containerOf(ctx)?.mounts ?? [];
        const m = byIndex >= 0 ? mounts[byIndex] : mounts.find((x) => re!.test(byDest ? x.dest : x.source));
        return m ? get(m) : undefined;
      },
    };
  });
}

function labelField(name: string, desc: string, labels: (c: ContainerInfo) => Record<string, string>): FieldDef {
  return withArg(name, 'string', desc, 'required', (arg): BoundField => ({
    extract: (ctx) => {
      const c = containerOf(ctx);
      return c ? labels(c)[arg!] : undefined;
    },
  }), { dottedArg: true });
}

const labelsText = (l: Record<string, string>): string | undefined => {
  const parts = Object.entries(l).map(([k, v]) => `${k}:${v}`);
  return parts.length ? parts.join(', ') : undefined;
};

/** The pod sandbox's labels; a runtime without sandboxes (annotations on a runc bundle) has its container labels stand in. */
const podLabels = (c: ContainerInfo): Record<string, string> =>
  c.podLabels ?? Object.fromEntries(Object.entries(c.labels).filter(([k]) => !k.startsWith('io.kubernetes.')));

export const CONTAINER_FIELDS: FieldDef[] = [
  simple('container.id', 'string', "Container id (12 characters), or 'host' for host processes.", (ctx) => (ctx.thread ? ctx.thread.containerId || HOST : undefined)),
  meta('container.full_id', 'string', 'Full container id.', (c) => c.fullId, HOST),
  meta('container.name', 'string', 'Container name.', (c) => nonEmpty(c.name), HOST),
  said('container.image', 'Container image, as the runtime reports it.', (c) => c.image),
  said('container.image.id', 'Container image id (e.g. 6f7e2741b66b...).', (c) => c.imageId),
  said('container.image.repository', 'Container image repository (e.g. docker.io/library/nginx).', (c) => c.imageRepository),
  said('container.image.tag', 'Container image tag.', (c) => c.imageTag),
  said('container.image.digest', 'Container image digest.', (c) => c.imageDigest),
  meta('container.type', 'string', 'Container runtime: docker, containerd, cri-o, podman, runc.', (c) => nonEmpty(c.type)),
  meta('container.privileged', 'bool', 'True for privileged containers.', (c) => c.privileged),
  meta('container.mounts', 'string', 'All mounts as source:dest:mode:rdwr:propagation, space-separated.', (c) =>
    c.mounts.map((m) => `${m.source}:${m.dest}:${m.mode}:${m.rdwr}:${m.propagation}`).join(',')),
  mountField('container.mount', 'A mount as source:dest:mode:rdwr:propagation, by index or source path.', (m) => `${m.source}:${m.dest}:${m.mode}:${m.rdwr}:${m.propagation}`),
  mountField('container.mount.source', 'Source of a mount, by index or destination path.', (m) => m.source, true),
  mountField('container.mount.dest', 'Destination of a mount, by index or source path.', (m) => m.dest),
  mountField('container.mount.mode', 'Mode of a mount, by index or source path.', (m) => m.mode),
  mountField('container.mount.rdwr', 'Read/write flag of a mount, by index or source path.', (m) => String(m.rdwr)),
  mountField('container.mount.propagation', 'Propagation of a mount, by index or source path.', (m) => m.propagation),
  labelField('container.label', 'A container label by key.', (c) => c.labels),
  meta('container.labels', 'string', 'All container labels as key:value, comma-separated.', (c) => labelsText(c.labels)),
  meta('container.start_ts', 'abstime', 'Container start time, ns since the epoch.', (c) => (c.startTs > 0n ? c.startTs : undefined)),
  simple('container.duration', 'reltime', 'Nanoseconds since the container started.', (ctx) => {
    const c = containerOf(ctx);
    return c && c.startTs > 0n ? Number(ctx.evt.ts - c.startTs) : undefined;
  }),
  said('container.ip', "The container's / pod's primary IPv4 address, from the runtime.", (c) => c.ip),
  said('container.cni.json', "The pod's CNI result (CRI), as JSON.", (c) => c.cniJson),
  meta('container.host_pid', 'bool', 'True if the container runs in the host PID namespace.', (c) => c.hostPid),
  meta('container.host_network', 'bool', 'True if the container runs in the host network namespace.', (c) => c.hostNetwork),
  meta('container.host_ipc', 'bool', 'True if the container runs in the host IPC namespace.', (c) => c.hostIpc),
  meta('container.healthcheck', 'string', "The container's health check command (Docker, podman).", (c) => optional(c.healthcheck)),
  meta('container.liveness_probe', 'string', "The container's liveness probe command.", (c) => optional(c.livenessProbe)),
  meta('container.readiness_probe', 'string', "The container's readiness probe command.", (c) => optional(c.readinessProbe)),
  meta('k8s.pod.name', 'string', 'Kubernetes pod name.', (c) => nonEmpty(c.podName)),
  meta('k8s.ns.name', 'string', 'Kubernetes namespace name.', (c) => nonEmpty(c.podNamespace)),
  meta('k8s.pod.uid', 'string', 'Kubernetes pod UID.', (c) => nonEmpty(c.podUid)),
  meta('k8s.pod.id', 'string', 'Kubernetes pod UID (legacy name).', (c) => nonEmpty(c.podUid)),
  labelField('k8s.pod.label', "A pod label by key (k8s.pod.label[app] or k8s.pod.label.app), from the pod sandbox.", podLabels),
  meta('k8s.pod.labels', 'string', 'All pod labels as key:value, comma-separated.', (c) => labelsText(podLabels(c))),
  meta('k8s.pod.sandbox_id', 'string', 'The pod sandbox id, first 12 characters.', (c) => optional(c.podSandboxId?.slice(0, 12))),
  meta('k8s.pod.full_sandbox_id', 'string', 'The full pod sandbox id.', (c) => optional(c.podSandboxId)),
  meta('k8s.pod.ip', 'string', "The pod's primary IPv4 address.", (c) => (c.podName !== '' ? optional(c.ip) : undefined)),
  meta('k8s.pod.cni.json', 'string', "The pod's CNI result, as JSON.", (c) => (c.podName !== '' ? optional(c.cniJson) : undefined)),
  meta('k8s.rs.name', 'string', "The pod's ReplicaSet: the pod name without its suffix, when the pod has a pod-template-hash label.", (c) => optional(c.rsName)),
  meta('k8s.deployment.name', 'string', "The pod's Deployment: the ReplicaSet name without its pod-template-hash.", (c) => optional(c.deploymentName)),
];
