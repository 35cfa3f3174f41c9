// Containers described by a capture: the JSON the container plugin puts in its "container" async
// events and old libsinsp wrote as container JSON events. Live metadata comes from the runtimes'
// own APIs (src/runtimes), which feed the same ContainerRegistry.
import type { ContainerInfo } from './types.js';

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
