// containerd's own gRPC API, for containers outside Kubernetes (ctr, nerdctl, Docker's
// containerd) and for its event service: /containers/create and /tasks/create are published
// before a task's entrypoint runs, for every namespace — CRI containers included, which is how
// the first process of a pod's container is described on a containerd without CRI events (1.6).
// The container's OCI spec (a JSON Any) gives mounts, privilege and host namespaces; its labels
// name CRI pods.
import * as grpc from '@grpc/grpc-js';
import protobuf from 'protobufjs';
import type { ContainerInfo } from '../state/index.js';
import type { RuntimeClient, RuntimeEvent } from './client.js';
import { followGrpcStream, keepLabels } from './client.js';
import { parseImageRef } from './image-ref.js';
import { criNames, infoFromOciSpec, type OciSpec } from './oci-spec.js';
import { protoPath } from './proto.js';

const GET = '/containerd.services.containers.v1.Containers/Get';
const SUBSCRIBE = '/containerd.services.events.v1.Events/Subscribe';
const VERSION = '/containerd.services.version.v1.Version/Version';
const NAMESPACE_HEADER = 'containerd-namespace';

/** Topics followed, and their payload types in containerd-api.proto. */
const TOPICS: Record<string, { type: string; kind: RuntimeEvent['kind'] }> = {
  '/containers/create': { type: 'ContainerCreate', kind: 'create' },
  '/tasks/create': { type: 'TaskCreate', kind: 'create' },
  '/tasks/start': { type: 'TaskStart', kind: 'start' },
  '/containers/delete': { type: 'ContainerDelete', kind: 'delete' },
};

const TO_OBJECT = { longs: String, enums: String, defaults: true, bytes: Buffer } as const;

export interface ContainerdContainer {
  id: string;
  labels: Record<string, string>;
  image: string;
  runtime?: { name: string } | null;
  spec?: { type_url: string; value: Buffer } | null;
}

interface Envelope {
  namespace: string;
  topic: string;
  event?: { value: Buffer } | null;
}

/** Container fields from a containerd container record. */
export function infoFromContainerd(c: ContainerdContainer, namespace: string, labelMaxLen: number): Partial<ContainerInfo> {
  let spec: OciSpec = {};
  if (c.spec && c.spec.value.length > 0) {
    try {
      spec = JSON.parse(c.spec.value.toString('utf8')) as OciSpec;
    } catch {
      // a spec that is not JSON (another runtime's) leaves the spec fields unknown
    }
  }
  const labels = keepLabels(c.labels, labelMaxLen);
  const ref = parseImageRef(c.image);
  return {
    fullId: c.id,
    name: c.id.length > 12 ? c.id.slice(0, 12) : c.id,
    type: 'containerd',
    source: `containerd/${namespace}`,
    image: c.image,
    imageRepository: ref.repository,
    imageTag: ref.tag,
    imageDigest: ref.digest,
    labels,
    ...infoFromOciSpec(spec),
    ...criNames(labels),
  };
}

/** One containerd socket. */
export class ContainerdClient implements RuntimeClient {
  readonly engine = 'containerd' as const;
  private readonly client: grpc.Client;
  private readonly root: protobuf.Root;

  constructor(readonly socket: string, private readonly labelMaxLen = 100) {
    this.client = new grpc.Client(`unix://${socket}`, grpc.credentials.createInsecure());
    this.root = protobuf.loadSync(protoPath('containerd-api.proto'));
  }

  private type(name: string): protobuf.Type {
    return this.root.lookupType(`containerd.saker.${name}`);
  }

  private codec(name: string): { ser: (v: unknown) => Buffer; de: (b: Buffer) => unknown } {
    const t = name === 'Empty' ? this.root.lookupType('google.protobuf.Empty') : this.type(name);
    return {
      ser: (v) => Buffer.from(t.encode(t.fromObject(v as Record<string, unknown>)).finish()),
      de: (b) => t.toObject(t.decode(b), TO_OBJECT),
    };
  }

  private call<T>(path: string, req: string, res: string, arg: unknown, signal: AbortSignal, namespace?: string): Promise<T> {
    const { ser } = this.codec(req);
    const { de } = this.codec(res);
    const md = new grpc.Metadata();
    if (namespace !== undefined) md.set(NAMESPACE_HEADER, namespace);
    return new Promise((resolve, reject) => {
      if (signal.aborted) {
        reject(signal.reason as Error);
        return;
      }
      const c = this.client.makeUnaryRequest(path, ser, de, arg, md, {}, (err, out) => {
        signal.removeEventListener('abort', cancel);
        if (err) reject(err);
        else resolve(out as T);
      });
      const cancel = (): void => c.cancel();
      signal.addEventListener('abort', cancel, { once: true });
    });
  }

  async probe(signal: AbortSignal): Promise<string> {
    const v = await this.call<{ version: string }>(VERSION, 'Empty', 'VersionResponse', {}, signal);
    return `containerd ${v.version}`;
  }

  async inspect(id: string, signal: AbortSignal, namespace = 'default'): Promise<Partial<ContainerInfo> | undefined> {
    try {
      const r = await this.call<{ container: ContainerdContainer | null }>(GET, 'GetContainerRequest', 'GetContainerResponse', { id }, signal, namespace);
      return r.container ? infoFromContainerd(r.container, namespace, this.labelMaxLen) : undefined;
    } catch (e) {
      if ((e as grpc.ServiceError).code === grpc.status.NOT_FOUND) return undefined;
      throw e;
    }
  }

  watch(onEvent: (e: RuntimeEvent) => void, onEnd: (err?: Error) => void): () => void {
    const sub = this.codec('SubscribeRequest');
    const env = this.codec('Envelope');
    const filters = Object.keys(TOPICS).map((t) => `topic=="${t}"`);
    const call = this.client.makeServerStreamRequest(SUBSCRIBE, sub.ser, env.de, { filters }, new grpc.Metadata(), {}) as grpc.ClientReadableStream<Envelope>;
    return followGrpcStream(call, (e) => {
      const topic = TOPICS[e.topic];
      if (topic === undefined || !e.event) return;
      // protobufjs names fields in camelCase (loadSync keeps no case): TaskCreate's container_id
      // is containerId here. Reading container_id dropped every task event, and with them the
      // second question at /tasks/create that CRI (whose store lags /containers/create) answers.
      let payload: { id?: string; containerId?: string };
      try {
        payload = this.type(topic.type).toObject(this.type(topic.type).decode(e.event.value), TO_OBJECT);
      } catch {
        return; // a payload that does not decode is skipped, the stream goes on
      }
      const id = payload.containerId ?? payload.id ?? '';
      if (id !== '') onEvent({ kind: topic.kind, id, namespace: e.namespace });
    }, onEnd);
  }

  close(): void {
    this.client.close();
  }
}
