// CRI containers of containerd on the event path, from the task's OCI bundle on disk. containerd
// starts a task (and its entrypoint) about 20 ms after its create event, while the CRI API answers
// a lookup 80-170 ms after it is asked: the first exec would pass with the id alone. The bundle,
// <state>/io.containerd.runtime.v2.task/<namespace>/<id>/config.json, is written before the task
// starts and carries the CRI plugin's annotations (container and image names, the pod's name,
// namespace, uid and sandbox id). The pod's labels and IP are not there: they are the sandbox's,
// which the CRI API described when the sandbox started, so they are taken from the registry.
// The description is provisional: the CRI API still answers and completes it (image digest).
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { CgroupMatch, ContainerInfo, QuickContainerLookup, QuickDescription } from '../state/index.js';
import { RUNC_ID, shortId } from '../state/index.js';
import { parseImageRef } from './image-ref.js';
import { infoFromOciSpec } from './oci-spec.js';
import { readBundleSpec } from './runc.js';

const TASKS = 'io.containerd.runtime.v2.task';

/** containerd's state directory for a socket: the socket's own (/run/containerd/containerd.sock). */
export function containerdStateDirs(sockets: readonly string[]): string[] {
  return [...new Set(sockets.map((s) => dirname(s)))];
}

/** The bundle directory of task `fullId` under one of `stateDirs`, in whichever namespace holds it. */
function taskBundle(stateDirs: readonly string[], fullId: string): string | undefined {
  for (const state of stateDirs) {
    let namespaces: string[];
    try {
      namespaces = readdirSync(join(state, TASKS));
    } catch {
      continue;
    }
    for (const ns of namespaces) {
      const spec = readBundleSpec(join(state, TASKS, ns, fullId));
      if (spec.annotations !== undefined || spec.process !== undefined) return join(state, TASKS, ns, fullId);
    }
  }
  return undefined;
}

/**
 * The provisional description of a CRI container from its task bundle under `stateDirs`;
 * `sandbox(id)` is what the registry knows of a pod sandbox (its labels and IP).
 */
export function containerdBundleLookup(stateDirs: readonly string[], sandbox: (shortId: string) => ContainerInfo | undefined): QuickContainerLookup {
  return (m: CgroupMatch): QuickDescription | undefined => {
    if (!RUNC_ID.test(m.fullId)) return undefined;
    const bundle = taskBundle(stateDirs, m.fullId);
    if (bundle === undefined) return undefined;
    const spec = readBundleSpec(bundle);
    const a = spec.annotations ?? {};
    const kind = a['io.kubernetes.cri.container-type'];
    if (kind === undefined) return undefined; // not a CRI task: containerd's own API describes it
    const image = a['io.kubernetes.cri.image-name'] ?? '';
    const ref = parseImageRef(image);
    const sandboxId = a['io.kubernetes.cri.sandbox-id'] ?? (kind === 'sandbox' ? m.fullId : '');
    const pod = sandboxId === '' || sandboxId === m.fullId ? undefined : sandbox(shortId(sandboxId));
    const { privileged, hostPid, hostNetwork, hostIpc } = infoFromOciSpec(spec);
    return {
      provisional: true,
      fullId: m.fullId,
      name: kind === 'sandbox' ? a['io.kubernetes.cri.sandbox-name'] ?? '' : a['io.kubernetes.cri.container-name'] ?? '',
      type: 'containerd',
      source: 'cri',
      image,
      imageRepository: ref.repository,
      imageTag: ref.tag,
      imageDigest: ref.digest,
      privileged,
      hostPid,
      hostNetwork,
      hostIpc,
      podName: a['io.kubernetes.cri.sandbox-name'] ?? '',
      podNamespace: a['io.kubernetes.cri.sandbox-namespace'] ?? '',
      podUid: a['io.kubernetes.cri.sandbox-uid'] ?? '',
      podSandboxId: sandboxId,
      ...(pod?.podLabels !== undefined ? { podLabels: pod.podLabels } : {}),
      ...(pod?.ip !== undefined ? { ip: pod.ip } : {}),
      ...(pod?.cniJson !== undefined ? { cniJson: pod.cniJson } : {}),
    };
  };
}
