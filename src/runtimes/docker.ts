// The Docker Engine API over its unix socket (HTTP, undici), and podman's Docker-compatible API
// on its own socket: container inspect for the fields (as the container plugin's docker and
// podman engines map them), image inspect for the digest, and the /events stream so a container
// is described at "create", before its first process starts. Docker's inspect waits for the
// container's lock, which `docker run` holds while it starts the container — until after the
// entrypoint's exec — so a container announced by "create" is read from the two files dockerd
// wrote at create (config.v2.json, hostconfig.json under its root directory, as GET /info names
// it) when they are there, and asked of the API otherwise.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'undici';
import type { ContainerInfo } from '../state/index.js';
import type { RuntimeClient, RuntimeEvent } from './client.js';
import { keepLabels } from './client.js';
import { bareImageId, parseImageRef } from './image-ref.js';

interface DockerMount {
  Source?: string;
  Destination?: string;
  Mode?: string;
  RW?: boolean;
  Propagation?: string;
}

/** The parts of GET /containers/{id}/json the fields read. */
export interface DockerInspect {
  Id?: string;
  /** config.v2.json spells it ID. */
  ID?: string;
  Name?: string;
  Created?: string;
  Image?: string;
  Config?: {
    Image?: string;
    Labels?: Record<string, string> | null;
    Healthcheck?: { Test?: string[] | null } | null;
  };
  HostConfig?: { Privileged?: boolean; PidMode?: string; NetworkMode?: string; IpcMode?: string };
  NetworkSettings?: { IPAddress?: string; Networks?: Record<string, { IPAddress?: string }> | null };
  Mounts?: DockerMount[] | null;
}

/** A healthcheck command as the plugin prints it: the Test list without its CMD / CMD-SHELL head. */
function healthcheckText(test: readonly string[] | null | undefined): string | undefined {
  if (!test || test.length < 2 || test[0] === 'NONE') return undefined;
  return test.slice(1).join(' ');
}

/** Container fields from an inspect answer (and the image's repo digest, when known). */
export function infoFromDockerInspect(c: DockerInspect, type: 'docker' | 'podman', labelMaxLen: number, repoDigest = ''): Partial<ContainerInfo> {
  const image = c.Config?.Image ?? '';
  const ref = parseImageRef(image);
  const at = repoDigest.indexOf('@');
  const digest = ref.digest !== '' ? ref.digest : at === -1 ? '' : repoDigest.slice(at + 1);
  let ip = c.NetworkSettings?.IPAddress ?? '';
  if (ip === '') {
    for (const n of Object.values(c.NetworkSettings?.Networks ?? {})) {
      if (n.IPAddress) {
        ip = n.IPAddress;
        break;
      }
    }
  }
  const host = c.HostConfig ?? {};
  const fullId = c.Id ?? c.ID ?? '';
  const info: Partial<ContainerInfo> = {
    fullId,
    name: (c.Name ?? '').replace(/^\//, ''),
    type,
    source: type,
    image,
    imageRepository: ref.repository,
    imageTag: ref.tag,
    imageDigest: digest,
    imageId: bareImageId(c.Image ?? ''),
    privileged: host.Privileged ?? false,
    mounts: (c.Mounts ?? []).map((m) => ({ source: m.Source ?? '', dest: m.Destination ?? '', mode: m.Mode ?? '', rdwr: m.RW ?? false, propagation: m.Propagation ?? '' })),
    labels: keepLabels(c.Config?.Labels, labelMaxLen),
    ip,
    hostPid: host.PidMode === 'host',
    hostNetwork: host.NetworkMode === 'host',
    hostIpc: host.IpcMode === 'host',
  };
  const hc = healthcheckText(c.Config?.Healthcheck?.Test);
  if (hc !== undefined) info.healthcheck = hc;
  return info;
}

/** One Docker or podman socket. */
export class DockerClient implements RuntimeClient {
  readonly engine: 'docker' | 'podman';
  private readonly http: Client;
  private readonly digests = new Map<string, string>();
  /** dockerd's root directory (GET /info DockerRootDir) as this process sees it; '' = unknown. */
  private rootDir = '';

  constructor(readonly socket: string, engine: 'docker' | 'podman', private readonly labelMaxLen = 100, private readonly hostRoot = '') {
    this.engine = engine;
    // One connection is enough for lookups; the event stream gets its own client (watch).
    this.http = new Client('http://localhost', { socketPath: socket, pipelining: 1 });
  }

  private async json<T>(path: string, signal: AbortSignal, client = this.http): Promise<{ status: number; body: T | undefined }> {
    const res = await client.request({ path, method: 'GET', signal });
    if (res.statusCode !== 200) {
      await res.body.dump();
      return { status: res.statusCode, body: undefined };
    }
    return { status: 200, body: (await res.body.json()) as T };
  }

  async probe(signal: AbortSignal): Promise<string> {
    const r = await this.json<{ Version?: string; Components?: Array<{ Name?: string }> }>('/version', signal);
    if (r.body === undefined) throw new Error(`GET /version answered ${r.status}`);
    const podman = r.body.Components?.some((c) => (c.Name ?? '').toLowerCase().includes('podman')) ?? false;
    if (!podman && this.engine === 'docker') {
      const info = await this.json<{ DockerRootDir?: string }>('/info', signal);
      if (info.body?.DockerRootDir) this.rootDir = join(this.hostRoot || '/', info.body.DockerRootDir);
    }
    return `${podman ? 'podman' : this.engine} ${r.body.Version ?? '?'}`;
  }

  /** What dockerd wrote at create for container `id` (full id), without its lock; undefined when not there. */
  private fromDisk(id: string): DockerInspect | undefined {
    if (this.rootDir === '' || !/^[0-9a-f]{64}$/.test(id)) return undefined;
    try {
      const dir = join(this.rootDir, 'containers', id);
      const config = JSON.parse(readFileSync(join(dir, 'config.v2.json'), 'utf8')) as DockerInspect & {
        MountPoints?: Record<string, { Source?: string; Destination?: string; RW?: boolean; Propagation?: string; Mode?: string }>;
      };
      config.HostConfig = JSON.parse(readFileSync(join(dir, 'hostconfig.json'), 'utf8')) as DockerInspect['HostConfig'];
      config.Mounts = Object.values(config.MountPoints ?? {});
      return config;
    } catch {
      return undefined;
    }
  }

  async inspect(id: string, signal: AbortSignal): Promise<Partial<ContainerInfo> | undefined> {
    let c = this.fromDisk(id);
    if (c === undefined) {
      const r = await this.json<DockerInspect>(`/containers/${encodeURIComponent(id)}/json`, signal);
      if (r.status === 404) return undefined;
      if (r.body === undefined) throw new Error(`container inspect answered ${r.status}`);
      c = r.body;
    }
    const image = c.Config?.Image ?? '';
    const repoDigest = parseImageRef(image).digest === '' ? await this.repoDigest(c.Image ?? '', parseImageRef(image).repository, signal) : '';
    return infoFromDockerInspect(c, this.engine, this.labelMaxLen, repoDigest);
  }

  /**
   * The image's repo digest ("repo@sha256:..."), from image inspect; remembered per image, so a
   * container of a known image costs one request and is described sooner.
   */
  private async repoDigest(imageId: string, repository: string, signal: AbortSignal): Promise<string> {
    if (imageId === '') return '';
    const key = `${imageId} ${repository}`;
    const known = this.digests.get(key);
    if (known !== undefined) return known;
    const img = await this.json<{ RepoDigests?: string[] | null }>(`/images/${encodeURIComponent(imageId)}/json`, signal);
    const digests = img.body?.RepoDigests ?? [];
    const digest = digests.find((d) => d.startsWith(`${repository}@`)) ?? digests[0] ?? '';
    if (this.digests.size >= 1024) this.digests.clear();
    this.digests.set(key, digest);
    return digest;
  }

  watch(onEvent: (e: RuntimeEvent) => void, onEnd: (err?: Error) => void): () => void {
    const ac = new AbortController();
    const stream = new Client('http://localhost', { socketPath: this.socket, bodyTimeout: 0, headersTimeout: 0 });
    const filters = encodeURIComponent(JSON.stringify({ type: ['container'], event: ['create', 'start', 'destroy', 'remove'] }));
    void (async () => {
      try {
        const res = await stream.request({ path: `/events?filters=${filters}`, method: 'GET', signal: ac.signal });
        if (res.statusCode !== 200) throw new Error(`GET /events answered ${res.statusCode}`);
        let pending = '';
        for await (const chunk of res.body) {
          pending += String(chunk);
          let nl: number;
          while ((nl = pending.indexOf('\n')) !== -1) {
            const line = pending.slice(0, nl).trim();
            pending = pending.slice(nl + 1);
            if (line !== '') this.emit(line, onEvent);
          }
        }
        onEnd();
      } catch (e) {
        onEnd(ac.signal.aborted ? undefined : (e as Error));
      } finally {
        void stream.destroy().catch(() => undefined);
      }
    })();
    return () => ac.abort();
  }

  private emit(line: string, onEvent: (e: RuntimeEvent) => void): void {
    let e: { Action?: string; status?: string; id?: string; Actor?: { ID?: string } };
    try {
      e = JSON.parse(line) as typeof e;
    } catch {
      return; // a line the daemon garbled is skipped, the stream goes on
    }
    const action = e.Action ?? e.status ?? '';
    const id = e.Actor?.ID ?? e.id ?? '';
    if (id === '') return;
    if (action === 'create') onEvent({ kind: 'create', id });
    else if (action === 'start') onEvent({ kind: 'start', id });
    else if (action === 'destroy' || action === 'remove') onEvent({ kind: 'delete', id });
  }

  close(): void {
    void this.http.destroy().catch(() => undefined);
  }
}

