// The container runtimes an agent talks to: at start every configured socket that exists is
// probed (within engine_timeout; a socket that does not answer is skipped and said so), then the
// set feeds one ContainerRegistry — its event streams describe containers as they are created,
// before their first process runs where the runtime announces them that early, and its lookups
// answer the registry's questions about containers first seen in a cgroup. Every lookup has a
// deadline, so a hung runtime costs a timeout (counted), never a stalled event path; the
// registry's queue is bounded. Per-instance state only: one set per agent.
import { statSync } from 'node:fs';
import type { ContainerInfo } from '../state/index.js';
import { shortId, type CgroupMatch, type ContainerRegistry, type QuickContainerLookup } from '../state/index.js';
import type { Metrics } from '../metrics/index.js';
import type { RuntimeClient, RuntimeEvent } from './client.js';
import type { EngineName, RuntimesConfig } from './config.js';
import { ContainerdClient } from './containerd.js';
import { CriClient } from './cri.js';
import { DockerClient } from './docker.js';
import { podOwners } from './k8s-owner.js';
import { podmanDiskLookup } from './podman.js';
import { runcStateLookup } from './runc.js';
import { containerdBundleLookup, containerdStateDirs } from './containerd-bundle.js';

/** How long a container the runtime deleted stays described. */
const DELETE_GRACE_MS = 30_000;

/** containerd's namespace for the containers its CRI plugin makes. */
const CRI_NAMESPACE = 'k8s.io';

export type LookupOutcome = 'found' | 'not_found' | 'error' | 'timeout';

export interface RuntimeFound {
  engine: EngineName;
  socket: string;
  version: string;
}

export interface RuntimeSkipped {
  engine: EngineName;
  socket: string;
  reason: string;
}

export interface RuntimeSetOptions {
  /** Operational messages (which runtimes were found, streams that ended). */
  log?: (msg: string) => void;
  /** Clients made by the caller instead of from the configuration (tests). */
  clients?: RuntimeClient[];
}

function isSocket(path: string): boolean {
  try {
    return statSync(path).isSocket();
  } catch {
    return false;
  }
}

function makeClient(engine: EngineName, socket: string, labelMaxLen: number, hostRoot: string): RuntimeClient {
  switch (engine) {
    case 'docker':
    case 'podman':
      return new DockerClient(socket, engine, labelMaxLen, hostRoot);
    case 'cri':
      return new CriClient(socket, labelMaxLen);
    case 'containerd':
      return new ContainerdClient(socket, labelMaxLen);
  }
}

/** Which engines may know a container, by the runtime its cgroup layout names, in asking order. */
const ASK: Record<string, readonly EngineName[]> = {
  docker: ['docker'],
  podman: ['podman', 'docker'],
  cri: ['cri', 'containerd'],
  'cri-o': ['cri'],
  containerd: ['cri', 'containerd'],
  unknown: ['docker', 'podman', 'cri', 'containerd'],
};

/** Derived fields every description gets: the k8s owners from the pod's name and labels. */
function complete(info: Partial<ContainerInfo>): Partial<ContainerInfo> {
  if (info.podName !== undefined && info.podName !== '') {
    const owners = podOwners(info.podName, info.podLabels);
    info.rsName = owners.replicaSet;
    info.deploymentName = owners.deployment;
  }
  return info;
}

export class ContainerRuntimes {
  readonly found: RuntimeFound[] = [];
  readonly skipped: RuntimeSkipped[] = [];
  private readonly clients: RuntimeClient[] = [];
  private readonly stops: Array<() => void> = [];
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly counts = new Map<string, number>();
  /**
   * Ids an event-driven lookup is running for (a runtime announces a container several times),
   * and whether another event came meanwhile: a lookup that found nothing then asks again.
   */
  private readonly inflight = new Map<string, boolean>();
  /**
   * The question being asked about a container (by short id), from its create event or from the
   * registry: the other path waits for the same answer instead of asking again (a slow first
   * answer, e.g. an image's digest, otherwise costs a second lookup of the same container).
   */
  private readonly asking = new Map<string, Promise<Partial<ContainerInfo> | undefined>>();
  private registry: ContainerRegistry | undefined;
  private closed = false;
  private readonly log: (msg: string) => void;

  constructor(private readonly config: RuntimesConfig, private readonly opts: RuntimeSetOptions = {}) {
    this.log = opts.log ?? (() => undefined);
  }

  /** A set already probed (start() done). */
  static async start(config: RuntimesConfig, opts: RuntimeSetOptions = {}): Promise<ContainerRuntimes> {
    const set = new ContainerRuntimes(config, opts);
    await set.start();
    return set;
  }

  /** Probes the configured sockets (those that exist) and keeps the runtimes that answer. */
  async start(): Promise<void> {
    const { config, opts } = this;
    const candidates: RuntimeClient[] = opts.clients ?? [];
    if (opts.clients === undefined) {
      for (const [engine, e] of Object.entries(config.engines) as Array<[EngineName, RuntimesConfig['engines'][EngineName]]>) {
        if (!e.enabled) continue;
        for (const socket of e.sockets) if (isSocket(socket)) candidates.push(makeClient(engine, socket, config.labelMaxLen, config.hostRoot));
      }
    }
    await Promise.all(candidates.map(async (c) => {
      const signal = config.engineTimeoutMs > 0 ? AbortSignal.timeout(config.engineTimeoutMs) : new AbortController().signal;
      try {
        const version = await c.probe(signal);
        this.clients.push(c);
        this.found.push({ engine: c.engine, socket: c.socket, version });
      } catch (e) {
        const reason = signal.aborted ? `no answer within ${config.engineTimeoutMs} ms` : (e as Error).message;
        this.count(c.engine, signal.aborted ? 'timeout' : 'error');
        this.skipped.push({ engine: c.engine, socket: c.socket, reason });
        c.close();
      }
    }));
  }

  /** One line for the start-up log: which runtimes answer, which sockets were skipped and why. */
  summary(): string {
    const found = this.found.map((f) => `${f.engine} (${f.version}) at ${f.socket}`);
    const skipped = this.skipped.map((s) => `${s.engine} at ${s.socket}: ${s.reason}`);
    return `container runtimes: ${found.length > 0 ? found.join(', ') : 'none found'}` +
      `${skipped.length > 0 ? `; skipped ${skipped.join(', ')}` : ''}; runc state in ${this.config.runcRoots.join(', ')}`;
  }

  /** Lookups by runtime and outcome, e.g. "docker found=3 timeout=1". */
  countsText(): string {
    const by = new Map<string, string[]>();
    for (const [k, n] of [...this.counts].sort()) {
      const [runtime, outcome] = k.split('|') as [string, string];
      by.set(runtime, [...(by.get(runtime) ?? []), `${outcome}=${n}`]);
    }
    return [...by].map(([r, o]) => `${r} ${o.join(' ')}`).join(', ') || 'none';
  }

  /** Lookups by runtime and outcome, for the metrics registry. */
  lookupCounts(): Array<{ runtime: string; outcome: string; value: number }> {
    return [...this.counts].map(([k, value]) => {
      const [runtime, outcome] = k.split('|') as [string, string];
      return { runtime, outcome, value };
    });
  }

  /** Registers saker_container_lookups_total{runtime,outcome} and the registry's counters. */
  register(metrics: Metrics): void {
    metrics.counter({
      name: 'saker_container_lookups_total', help: 'Container metadata lookups by runtime and outcome (found, not_found, error, timeout).',
      labelNames: ['runtime', 'outcome'] as const,
      read: () => this.lookupCounts().map((c) => ({ labels: { runtime: c.runtime, outcome: c.outcome }, value: c.value })),
    });
    metrics.counter({
      name: 'saker_container_unknown_ids_total', help: 'Cgroups named like a container id under no known runtime layout, looked up before being trusted.',
      read: () => this.registry?.stats.unknownIds ?? 0,
    });
    metrics.counter({
      name: 'saker_container_lookups_dropped_total', help: 'Container lookups dropped because the lookup queue was full.',
      read: () => this.registry?.stats.dropped ?? 0,
    });
  }

  private count(runtime: string, outcome: LookupOutcome): void {
    const k = `${runtime}|${outcome}`;
    this.counts.set(k, (this.counts.get(k) ?? 0) + 1);
  }

  /** Feeds `registry`: its lookups, runc's and podman's files on the event path, and the runtimes' event streams. */
  attach(registry: ContainerRegistry): void {
    this.registry = registry;
    const containerdSockets = [...this.config.engines.containerd.sockets, ...this.config.engines.cri.sockets];
    const quick: Record<string, { read: QuickContainerLookup; counted: string }> = {
      runc: { read: runcStateLookup(this.config.runcRoots), counted: 'runc' },
      // Podman's and containerd's files are counted apart from their APIs' answers.
      podman: { read: podmanDiskLookup(this.config.runcRoots), counted: 'podman-state' },
      containerd: { read: containerdBundleLookup(containerdStateDirs(containerdSockets), (id) => registry.get(id)), counted: 'containerd-bundle' },
    };
    quick.cri = quick.containerd!;
    registry.setLookup((m) => this.lookup(m), (m) => {
      const q = quick[m.type];
      if (q === undefined) return undefined;
      const info = q.read(m);
      this.count(q.counted, info === undefined ? 'not_found' : 'found');
      if (info !== undefined) complete(info); // the k8s owners from the pod's name and labels
      return info;
    });
    for (const c of this.clients) this.follow(c);
  }

  private follow(c: RuntimeClient): void {
    let ended = false;
    const stop = c.watch((e) => this.onEvent(c, e), (err) => {
      // CRI runtimes without GetContainerEvents (containerd < 1.7) say so here; containerd's
      // own event service covers them.
      if (!this.closed && !ended) this.log(`${c.engine} events at ${c.socket} ended${err ? `: ${err.message}` : ''}`);
      ended = true;
    });
    this.stops.push(stop);
  }

  private onEvent(c: RuntimeClient, e: RuntimeEvent): void {
    const reg = this.registry;
    if (reg === undefined || this.closed) return;
    const id = shortId(e.id);
    if (e.kind === 'delete') {
      // Kept a while: the container's last processes still exit (and are reported) after the
      // runtime deleted it, and a forgotten id would be looked up again in vain.
      const t = setTimeout(() => {
        this.timers.delete(t);
        reg.remove(id);
      }, DELETE_GRACE_MS);
      t.unref();
      this.timers.add(t);
      return;
    }
    // A start is always worth a description; other events only when hooked.
    if (reg.isDescribed(id) || (e.kind !== 'start' && !this.config.hooks.includes(e.kind))) return;
    if (this.inflight.has(id)) {
      this.inflight.set(id, true);
      return;
    }
    this.inflight.set(id, false);
    this.describeFromEvent(c, e, id);
  }

  private describeFromEvent(c: RuntimeClient, e: RuntimeEvent, id: string): void {
    const reg = this.registry!;
    // containerd's CRI namespace: only the CRI client knows the pod (sandbox labels, IP, CNI).
    // Until it knows the container (its store lags containerd's at /containers/create), the next
    // event (/tasks/create, before the task starts) asks again.
    const order: RuntimeClient[] = c.engine === 'containerd' && e.namespace === CRI_NAMESPACE ? this.criFirst(c) : [c];
    void this.askOnce(id, () => this.ask(order, e.id, e.namespace)).then((info) => {
      const again = this.inflight.get(id) === true;
      this.inflight.delete(id);
      if (this.closed) return;
      if (info === undefined) {
        // The runtime announced it again while we asked (containerd: /containers/create, then
        // /tasks/create once CRI knows it): ask once more.
        if (again && !reg.isDescribed(id)) {
          this.inflight.set(id, false);
          this.describeFromEvent(c, e, id);
        }
        return;
      }
      reg.putDescribed({ id, fullId: e.id, type: c.engine }, info);
    });
  }

  /** Asks `clients` in order, each within the lookup deadline; the first description wins. */
  private async ask(clients: readonly RuntimeClient[], id: string, namespace?: string): Promise<Partial<ContainerInfo> | undefined> {
    for (const c of clients) {
      const signal = AbortSignal.timeout(this.config.lookupTimeoutMs);
      try {
        const info = await c.inspect(id, signal, namespace);
        this.count(c.engine, info === undefined ? 'not_found' : 'found');
        if (info !== undefined) return complete(info);
      } catch {
        this.count(c.engine, signal.aborted ? 'timeout' : 'error');
      }
    }
    return undefined;
  }

  /** The registry's lookup: the runtimes the cgroup layout names, in order. */
  lookup(m: CgroupMatch): Promise<Partial<ContainerInfo> | undefined> {
    const engines = ASK[m.type] ?? [];
    // containerd keeps CRI containers in its k8s.io namespace.
    const ns = m.namespace ?? (m.type === 'cri' || m.type === 'containerd' ? CRI_NAMESPACE : undefined);
    let clients = engines.flatMap((e) => this.clients.filter((c) => c.engine === e));
    if (ns === CRI_NAMESPACE && clients.some((c) => c.engine === 'cri')) clients = clients.filter((c) => c.engine !== 'containerd');
    return this.askOnce(m.id, () => this.ask(clients, m.fullId, ns));
  }

  /**
   * The answer to the question under way about container `id`, if that one describes it; else
   * `ask`'s. A question that found nothing may have begun before the runtime knew the container
   * (containerd's CRI store lags its /containers/create event), so it is asked again, now.
   */
  private async askOnce(id: string, ask: () => Promise<Partial<ContainerInfo> | undefined>): Promise<Partial<ContainerInfo> | undefined> {
    const under = this.asking.get(id);
    if (under !== undefined) {
      const info = await under;
      if (info !== undefined) return info;
    }
    const p = ask().finally(() => {
      if (this.asking.get(id) === p) this.asking.delete(id);
    });
    this.asking.set(id, p);
    return p;
  }

  /** The CRI clients, else containerd's own answer (labels only) when no CRI socket answers. */
  private criFirst(containerd: RuntimeClient): RuntimeClient[] {
    const cri = this.clients.filter((x) => x.engine === 'cri');
    return cri.length > 0 ? cri : [containerd];
  }

  close(): void {
    this.closed = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    for (const s of this.stops) s();
    for (const c of this.clients) c.close();
  }
}
