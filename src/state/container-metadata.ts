// Containers described by a capture: the JSON the container plugin puts in its "container" async
// events and old libsinsp wrote as container JSON events, read back, and written by `saker
// capture` the same way. Live metadata comes from the runtimes' own APIs (src/runtimes), which
// feed the same ContainerRegistry.
import { encodeEvent } from '../events/index.js';
import { EV } from './parsed-events.js';
import type { ContainerInfo, GroupInfo, UserInfo } from './types.js';

/** The container plugin's container_type enum, by value. */
const PLUGIN_TYPES = ['docker', 'lxc', 'libvirt-lxc', 'mesos', 'rkt', 'custom', 'cri', 'containerd', 'cri-o', 'bpm', 'static', 'podman'];
/** The plugin's CT_UNKNOWN: a runtime its enum has no value for (plain runc); it prints container.type as ''. */
const CT_UNKNOWN = 0xffff;
/** The plugin's health probe keys (container_health_probe::probe_type_names), and Saker's fields for them. */
const PROBES = [['Healthcheck', 'healthcheck'], ['LivenessProbe', 'livenessProbe'], ['ReadinessProbe', 'readinessProbe']] as const;

interface PluginProbe {
  exe?: string;
  args?: string[];
}

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
  const labels = c.labels !== null && typeof c.labels === 'object' ? stringValues(c.labels) : {};
  const mounts = Array.isArray(c.Mounts) ? (c.Mounts as PluginMount[]).map((m) => ({
    source: m.Source ?? '', dest: m.Destination ?? '', mode: m.Mode ?? '', rdwr: m.RW ?? false, propagation: m.Propagation ?? '',
  })) : [];
  // "runtime" is Saker's own key (the plugin ignores keys it does not read): the runtime of a
  // container whose type the plugin's enum cannot say (CT_UNKNOWN), such as runc.
  const type = typeof c.type === 'number' ? PLUGIN_TYPES[c.type] ?? str('runtime') : str('type');
  const bool = (k: string): boolean | undefined => (typeof c[k] === 'boolean' ? c[k] : undefined);
  const optional: Partial<ContainerInfo> = {};
  if (str('imageid') !== '') optional.imageId = str('imageid');
  if (str('ip') !== '') optional.ip = str('ip');
  if (str('cni_json') !== '') optional.cniJson = str('cni_json');
  if (str('pod_sandbox_id') !== '') optional.podSandboxId = str('pod_sandbox_id');
  for (const [k, f] of [['host_pid', 'hostPid'], ['host_network', 'hostNetwork'], ['host_ipc', 'hostIpc']] as const) {
    const v = bool(k);
    if (v !== undefined) optional[f] = v;
  }
  if (c.pod_sandbox_labels !== null && typeof c.pod_sandbox_labels === 'object') optional.podLabels = stringValues(c.pod_sandbox_labels);
  for (const [k, f] of PROBES) {
    const p = c[k] as PluginProbe | undefined;
    if (p !== null && typeof p === 'object' && typeof p.exe === 'string') optional[f] = [p.exe, ...(Array.isArray(p.args) ? p.args : [])].join(' ');
  }
  return {
    ...optional,
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

function stringValues(o: object): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(o as Record<string, unknown>)) if (typeof v === 'string') out[k] = v;
  return out;
}

/**
 * The container plugin's JSON for a container (its to_json: {"container": {...}}, keys in
 * nlohmann's sorted order), what it parses from a "container" async event in a capture. Fields
 * Saker does not know are written with the plugin's defaults; privileged is left out when unknown
 * (the plugin then reads false, Saker <NA>).
 */
export function containerJson(info: ContainerInfo): string {
  const typeCode = PLUGIN_TYPES.indexOf(info.type);
  const c: Record<string, unknown> = {
    Mounts: info.mounts.map((m) => ({ Destination: m.dest, Mode: m.mode, Propagation: m.propagation, RW: m.rdwr, Source: m.source })),
    User: '', cni_json: info.cniJson ?? '', cpu_period: 0, cpu_quota: 0, cpu_shares: 0, cpuset_cpu_count: 0, created_time: 0, env: [],
    full_id: info.fullId, host_ipc: info.hostIpc ?? false, host_network: info.hostNetwork ?? false, host_pid: info.hostPid ?? false,
    id: info.id, image: info.image, imagedigest: info.imageDigest, imageid: info.imageId ?? '', imagerepo: info.imageRepository,
    imagetag: info.imageTag, ip: info.ip ?? '', is_pod_sandbox: false, labels: info.labels, memory_limit: 0, name: info.name,
    pod_sandbox_id: info.podSandboxId ?? '', pod_sandbox_labels: info.podLabels ?? null, port_mappings: [],
    ...(info.privileged === undefined ? {} : { privileged: info.privileged }),
    ...(typeCode === -1 ? { runtime: info.type } : {}),
    size: -1, swap_limit: 0, type: typeCode === -1 ? CT_UNKNOWN : typeCode,
  };
  for (const [k, f] of PROBES) {
    const cmd = info[f];
    if (cmd === undefined) continue;
    const [exe = '', ...args] = cmd.split(' ');
    c[k] = { args, exe };
  }
  return JSON.stringify({ container: Object.fromEntries(Object.entries(c).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) });
}

/**
 * The container plugin's "container" async event for `info` (PPME_ASYNCEVENT_E: plugin id 0, the
 * name, the JSON with its terminating NUL), as libs writes it into a capture: at the start, the
 * plugin's dump of what it knows (ts -1, tid 1: plugin.cpp dump_state and the plugin's dump());
 * later, when a container appears, with the time it was announced.
 */
export function containerAddedEvent(info: ContainerInfo, ts: bigint, tid: number): Buffer {
  return containerAsyncEvent('container', info, ts, tid);
}

/**
 * The plugin's "container_removed" async event: the same JSON, no thread (tid 0). The plugin sends
 * it live when a container's init (vpid 1) exits or its runtime reports it gone (parse.cpp
 * parse_exit_process_event, async.tpp generate_async_event); replaying, it forgets the container.
 */
export function containerRemovedEvent(info: ContainerInfo, ts: bigint): Buffer {
  return containerAsyncEvent('container_removed', info, ts, 0);
}

function containerAsyncEvent(name: string, info: ContainerInfo, ts: bigint, tid: number): Buffer {
  return encodeEvent({ type: EV.ASYNCEVENT_E, ts, tid, params: [0, name, Buffer.from(`${containerJson(info)}\0`, 'utf8')] });
}

/**
 * A container user added or deleted, as libs' usergroup manager notifies it (user_to_sinsp_event:
 * useradded/userdeleted with the container id, tid -1): live libs reads a container's /etc/passwd
 * when its first process appears and drops the table when its init exits, and a capture records
 * both; replaying, libs (and Saker) fill the container's table from them.
 */
export function containerUserEvent(added: boolean, containerId: string, u: UserInfo, ts: bigint): Buffer {
  return encodeEvent({ type: added ? EV.USER_ADDED_E : EV.USER_DELETED_E, ts, tid: -1, params: [u.uid, u.gid, u.name, u.home, u.shell, containerId] });
}

/** A container group added or deleted (group_to_sinsp_event: groupadded/groupdeleted, tid -1). */
export function containerGroupEvent(added: boolean, containerId: string, g: GroupInfo, ts: bigint): Buffer {
  return encodeEvent({ type: added ? EV.GROUP_ADDED_E : EV.GROUP_DELETED_E, ts, tid: -1, params: [g.gid, g.name, containerId] });
}
