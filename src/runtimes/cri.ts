// The Kubernetes CRI v1 API (runtime.v1.RuntimeService) over gRPC: containerd's CRI plugin, CRI-O
// and k3s on their unix sockets. A container is described as the container plugin's cri engine
// does it: ContainerStatus (verbose, for privileged and the spec's annotations) plus the pod
// sandbox's PodSandboxStatus (pod name, namespace, uid, labels, IP, CNI result, host namespaces).
// A pod sandbox itself (its pause process has a cgroup of its own) is described from PodSandboxStatus.
// Events come from GetContainerEvents where the runtime has it (containerd >= 1.7, CRI-O >= 1.26);
// older runtimes announce containers through containerd's event service instead (containerd.ts).
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import type { ContainerInfo } from '../state/index.js';
import type { RuntimeClient, RuntimeEvent } from './client.js';
import { followGrpcStream, keepLabels } from './client.js';
import { bareImageId, parseImageRef } from './image-ref.js';
import { LOADER_OPTIONS, protoPath } from './proto.js';

/** A generated service client: its methods by name (the proto's, untyped until called). */
export type Stub = grpc.Client & { [method: string]: (...args: unknown[]) => unknown };

interface CriMount { container_path: string; host_path: string; readonly: boolean; propagation: string }
export interface CriContainerStatus {
  id: string;
  metadata?: { name: string } | null;
  image?: { image: string } | null;
  image_ref: string;
  image_id?: string;
  created_at: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  mounts: CriMount[];
}
export interface CriSandboxStatus {
  id: string;
  metadata?: { name: string; uid: string; namespace: string } | null;
  network?: { ip: string } | null;
  linux?: { namespaces?: { options?: { network: string; pid: string; ipc: string } | null } | null } | null;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

interface VerboseInfo {
  privileged?: boolean;
  config?: { image?: { image?: string }; linux?: { security_context?: { privileged?: boolean } } };
  runtimeSpec?: { annotations?: Record<string, string>; linux?: { security_context?: { privileged?: boolean } } };
  cniResult?: { Interfaces?: Record<string, unknown>; interfaces?: Array<{ name?: string }> };
}

function parseInfo<T>(text: string | undefined): T | undefined {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as T;
  } catch {
    return undefined;
  }
}

const PROPAGATION: Record<string, string> = {
  PROPAGATION_PRIVATE: 'private', PROPAGATION_HOST_TO_CONTAINER: 'rslave', PROPAGATION_BIDIRECTIONAL: 'rshared',
};
const MAX_CNI = 4096;

/**
 * The CNI result of a sandbox as container.cni.json shows it: containerd's verbose info
 * `cniResult` (its interfaces, lo dropped), or CRI-O's annotation; at most 4096 characters.
 */
function cniJson(sandboxInfo: Record<string, string>, sandbox: CriSandboxStatus | undefined): string {
  let text = '';
  const info = parseInfo<VerboseInfo & { runtimeSpec?: { annotations?: Record<string, string> } }>(sandboxInfo.info);
  const ifaces = info?.cniResult?.Interfaces;
  if (ifaces !== undefined && ifaces !== null) {
    const kept = Object.fromEntries(Object.entries(ifaces).filter(([name]) => name !== 'lo'));
    text = JSON.stringify(kept);
  } else {
    text = info?.runtimeSpec?.annotations?.['io.kubernetes.cri-o.CNIResult'] ?? sandbox?.annotations['io.kubernetes.cri-o.CNIResult'] ?? '';
  }
  return text.length > MAX_CNI ? text.slice(0, MAX_CNI) : text;
}

/** Container fields from the CRI answers, as the plugin's cri engine fills them. */
export function infoFromCri(status: CriContainerStatus, info: Record<string, string>, sandbox: CriSandboxStatus | undefined,
  sandboxInfo: Record<string, string>, type: string, labelMaxLen: number): Partial<ContainerInfo> {
  const v = parseInfo<VerboseInfo>(info.info) ?? {};
  const privileged = v.runtimeSpec?.linux?.security_context?.privileged ?? v.config?.linux?.security_context?.privileged ?? v.privileged ?? false;
  // image_ref is "repo@sha256:..." (containerd) or "sha256:..."; the image name may be an id
  // when the container was created from one, then the annotations name it.
  let image = status.image?.image ?? '';
  let digest = '';
  const ref = status.image_ref ?? '';
  const d = ref.indexOf('sha256:');
  if (d === 0) digest = ref;
  else if (d > 0 && ref[d - 1] === '@') digest = ref.slice(d);
  if (image === '' || image.startsWith('sha256:')) {
    const a = v.runtimeSpec?.annotations ?? {};
    image = a['io.kubernetes.cri.image-name'] ?? a['io.kubernetes.cri-o.Image'] ?? a['io.kubernetes.cri-o.ImageName'] ?? image;
  }
  const parsed = parseImageRef(image);
  // The image id: the config's image when it is an id, else the id-form image_ref, else image_id.
  const configImage = v.config?.image?.image ?? '';
  const imageId = bareImageId(configImage.startsWith('sha256:') ? configImage : d === 0 ? ref : status.image_id ?? '');
  const labels = keepLabels(status.labels, labelMaxLen);
  const sandboxId = sandbox?.id ?? status.labels['io.kubernetes.sandbox.id'] ?? '';
  if (sandboxId !== '') labels['io.kubernetes.sandbox.id'] = sandboxId;
  const meta = sandbox?.metadata;
  addPodLabels(labels, meta);
  return {
    fullId: status.id,
    name: status.metadata?.name ?? '',
    type,
    source: 'cri',
    image,
    imageRepository: parsed.repository,
    imageTag: parsed.tag,
    imageDigest: parsed.digest !== '' ? parsed.digest : digest,
    imageId,
    privileged,
    mounts: (status.mounts ?? []).map((m) => ({ source: m.host_path, dest: m.container_path, mode: '', rdwr: !m.readonly, propagation: PROPAGATION[m.propagation] ?? 'unknown' })),
    labels,
    podName: meta?.name ?? status.labels['io.kubernetes.pod.name'] ?? '',
    podNamespace: meta?.namespace ?? status.labels['io.kubernetes.pod.namespace'] ?? '',
    podUid: meta?.uid ?? status.labels['io.kubernetes.pod.uid'] ?? '',
    podSandboxId: sandboxId,
    ...sandboxFields(sandbox, sandboxInfo, labelMaxLen),
  };
}

/** The pod's name, namespace and uid as the labels kubelet gives a container. */
function addPodLabels(labels: Record<string, string>, meta: CriSandboxStatus['metadata']): void {
  if (!meta) return;
  labels['io.kubernetes.pod.uid'] = meta.uid;
  labels['io.kubernetes.pod.name'] = meta.name;
  labels['io.kubernetes.pod.namespace'] = meta.namespace;
}

/** What a pod's containers take from its sandbox: its labels, IP, CNI result and host namespaces. */
function sandboxFields(sandbox: CriSandboxStatus | undefined, sandboxInfo: Record<string, string>, labelMaxLen: number): Partial<ContainerInfo> {
  const ns = sandbox?.linux?.namespaces?.options;
  return {
    podLabels: keepLabels(sandbox?.labels, labelMaxLen),
    ip: sandbox?.network?.ip ?? '',
    cniJson: cniJson(sandboxInfo, sandbox),
    hostPid: ns?.pid === 'NODE',
    hostNetwork: ns?.network === 'NODE',
    hostIpc: ns?.ipc === 'NODE',
  };
}

/**
 * A pod sandbox (its pause process's container) from PodSandboxStatus: CRI has no container of
 * that id, yet the pause process runs in a cgroup of its own, and the bundle lookup of the pod's
 * other containers takes the pod's labels and IP from this description.
 */
export function infoFromCriSandbox(sandbox: CriSandboxStatus, info: Record<string, string>, type: string, labelMaxLen: number): Partial<ContainerInfo> {
  const v = parseInfo<VerboseInfo & { image?: string }>(info.info) ?? {};
  const meta = sandbox.metadata;
  const fields = sandboxFields(sandbox, info, labelMaxLen);
  const labels: Record<string, string> = { ...fields.podLabels, 'io.kubernetes.sandbox.id': sandbox.id };
  addPodLabels(labels, meta);
  // The pause image, where the runtime's verbose info names it (containerd's does).
  const image = typeof v.image === 'string' ? v.image : '';
  const parsed = parseImageRef(image);
  return {
    fullId: sandbox.id,
    name: meta?.name ?? '',
    type,
    source: 'cri',
    ...(image !== '' ? { image, imageRepository: parsed.repository, imageTag: parsed.tag, imageDigest: parsed.digest } : {}),
    privileged: v.config?.linux?.security_context?.privileged ?? v.privileged ?? false,
    labels,
    podName: meta?.name ?? '',
    podNamespace: meta?.namespace ?? '',
    podUid: meta?.uid ?? '',
    podSandboxId: sandbox.id,
    ...fields,
  };
}

/** The generated RuntimeService and ImageService client constructors (parsed per client: no module state). */
export function criServices(): { runtime: grpc.ServiceClientConstructor; image: grpc.ServiceClientConstructor } {
  const def = protoLoader.loadSync(protoPath('cri-v1.proto'), LOADER_OPTIONS);
  const pkg = grpc.loadPackageDefinition(def) as unknown as { runtime: { v1: Record<string, grpc.ServiceClientConstructor> } };
  return { runtime: pkg.runtime.v1.RuntimeService!, image: pkg.runtime.v1.ImageService! };
}

/** A unary call as a promise, cancelled by `signal`. */
export function unary<T>(stub: Stub, method: string, req: unknown, signal: AbortSignal): Promise<T> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(signal.reason as Error);
      return;
    }
    const call = stub[method]!(req, (err: grpc.ServiceError | null, res: T) => {
      signal.removeEventListener('abort', cancel);
      if (err) reject(err);
      else resolve(res);
    }) as grpc.ClientUnaryCall;
    const cancel = (): void => call.cancel();
    signal.addEventListener('abort', cancel, { once: true });
  });
}

function unixTarget(socket: string): string {
  return `unix://${socket}`;
}

/** One CRI socket. */
export class CriClient implements RuntimeClient {
  readonly engine = 'cri' as const;
  private readonly stub: Stub;
  /** container.type from the runtime's name: containerd, cri-o, else cri. */
  private type = 'cri';

  constructor(readonly socket: string, private readonly labelMaxLen = 100) {
    this.stub = new (criServices().runtime)(unixTarget(socket), grpc.credentials.createInsecure()) as Stub;
  }

  async probe(signal: AbortSignal): Promise<string> {
    const v = await unary<{ runtime_name: string; runtime_version: string }>(this.stub, 'Version', { version: 'v1' }, signal);
    this.type = v.runtime_name === 'containerd' || v.runtime_name === 'cri-o' ? v.runtime_name : 'cri';
    return `${v.runtime_name} ${v.runtime_version} (CRI v1)`;
  }

  async inspect(id: string, signal: AbortSignal): Promise<Partial<ContainerInfo> | undefined> {
    let full = id;
    if (id.length < 64) {
      // CRI filters by id prefix as the runtimes implement it.
      const list = await unary<{ containers: Array<{ id: string }> }>(this.stub, 'ListContainers', { filter: { id } }, signal);
      const hit = list.containers.find((c) => c.id.startsWith(id));
      if (hit === undefined) return undefined;
      full = hit.id;
    }
    let status: { status: CriContainerStatus | null; info: Record<string, string> };
    try {
      status = await unary(this.stub, 'ContainerStatus', { container_id: full, verbose: true }, signal);
    } catch (e) {
      if ((e as grpc.ServiceError).code === grpc.status.NOT_FOUND) return this.inspectSandbox(full, signal);
      throw e;
    }
    if (!status.status) return undefined;
    const sandboxId = status.status.labels['io.kubernetes.sandbox.id'] ?? '';
    let sandbox: { status: CriSandboxStatus | null; info: Record<string, string> } = { status: null, info: {} };
    const podSandboxId = sandboxId !== '' ? sandboxId : await this.sandboxOf(full, signal);
    if (podSandboxId !== '') {
      try {
        sandbox = await unary(this.stub, 'PodSandboxStatus', { pod_sandbox_id: podSandboxId, verbose: true }, signal);
      } catch (e) {
        if ((e as grpc.ServiceError).code !== grpc.status.NOT_FOUND) throw e;
      }
    }
    return infoFromCri(status.status, status.info, sandbox.status ?? undefined, sandbox.info, this.type, this.labelMaxLen);
  }

  /** Pod sandbox `full` described as a container; undefined when CRI has none of that id. */
  private async inspectSandbox(full: string, signal: AbortSignal): Promise<Partial<ContainerInfo> | undefined> {
    let sandbox: { status: CriSandboxStatus | null; info: Record<string, string> };
    try {
      sandbox = await unary(this.stub, 'PodSandboxStatus', { pod_sandbox_id: full, verbose: true }, signal);
    } catch (e) {
      if ((e as grpc.ServiceError).code === grpc.status.NOT_FOUND) return undefined;
      throw e;
    }
    return sandbox.status ? infoFromCriSandbox(sandbox.status, sandbox.info, this.type, this.labelMaxLen) : undefined;
  }

  private async sandboxOf(id: string, signal: AbortSignal): Promise<string> {
    const list = await unary<{ containers: Array<{ id: string; pod_sandbox_id: string }> }>(this.stub, 'ListContainers', { filter: { id } }, signal);
    return list.containers.find((c) => c.id === id)?.pod_sandbox_id ?? '';
  }

  watch(onEvent: (e: RuntimeEvent) => void, onEnd: (err?: Error) => void): () => void {
    const call = this.stub.GetContainerEvents!({}) as grpc.ClientReadableStream<{ container_id: string; container_event_type: string }>;
    return followGrpcStream(call, (e) => {
      const kind = e.container_event_type === 'CONTAINER_CREATED_EVENT' ? 'create' : e.container_event_type === 'CONTAINER_STARTED_EVENT' ? 'start'
        : e.container_event_type === 'CONTAINER_DELETED_EVENT' ? 'delete' : undefined;
      if (kind !== undefined) onEvent({ kind, id: e.container_id });
    }, onEnd);
  }

  close(): void {
    this.stub.close();
  }
}
