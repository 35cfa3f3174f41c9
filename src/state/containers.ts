// Containers: which container a thread is in, from its cgroup paths, and a registry of what is
// known about each container, filled by the runtimes (src/runtimes: their event streams, and
// lookups in the background) so the event path never waits. A cgroup names a container when a
// known layout says so (docker, podman, CRI-O, containerd, a kubepods hierarchy, containerd's
// /<namespace>/<id> with its task state, a runc id with runc's state) or a runtime knows its id:
// a leaf that only looks like a container id (64 hex digits) is looked up and counted, and stays
// the host until a runtime vouches for it.
import { existsSync } from 'node:fs';
import type { ContainerInfo } from './types.js';
import type { Thread } from './threads.js';

/** Full container ids are 64 hex digits; fields show the first 12. */
const FULL_ID_LENGTH = 64;
const SHORT_ID_LENGTH = 12;

export interface CgroupMatch {
  /** container.id: 12 chars for 64-hex ids, else the runtime's id (at most 12 chars). */
  id: string;
  /** container.full_id: the whole id from the cgroup path. */
  fullId: string;
  /** Runtime the layout belongs to: docker, cri-o, containerd, podman, cri (a kubepods path). */
  type: string;
  /** containerd namespace, for the containerd /<namespace>/<id> layout. */
  namespace?: string;
}

export interface ContainerIdOptions {
  /**
   * Whether `/<namespace>/<id>` names a containerd task. That layout also matches plenty of host
   * cgroups (this machine runs its processes under /process_api/<id>), so unlike the plugin it is
   * only accepted when containerd knows the task. Default: its runtime state directory exists.
   */
  isContainerdTask?: (namespace: string, id: string) => boolean;
  /** containerd's state directory, for the default check (default /run/containerd). */
  containerdState?: string;
  /** Whether runc knows container `id` (default: its state directory under `runcRoots`). */
  isRuncContainer?: (id: string) => boolean;
  /** runc state roots for the default check (default ['/run/runc']). */
  runcRoots?: readonly string[];
}

/** Container ids runc accepts (also keeps a cgroup-derived id from walking out of a state root). */
export const RUNC_ID = /^[A-Za-z0-9][A-Za-z0-9_+.-]*$/;

/**
 * Whether runc has a state directory for `id` under one of `roots`. runc makes it (root only) at
 * the start of `runc create`, before its init process joins the cgroup, and writes state.json
 * into it later: a short-lived container's exec can be read from the ring buffer after its
 * `runc delete`, so the agent must know the id from the first threads it saw there, when only
 * the directory may exist yet.
 */
function runcKnows(roots: readonly string[], id: string): boolean {
  if (!RUNC_ID.test(id)) return false;
  for (const root of roots) if (existsSync(`${root}/${id}`)) return true;
  return false;
}

const HEX = /^[0-9a-fA-F]+$/;

/**
 * Whether `cgroup` ends with <prefix><id><suffix> (runc.cpp match_one_container_id); returns
 * the id. A 64-hex id always counts; with `anyId`, shorter ids of other runtimes too, except
 * systemd units.
 */
function matchLayout(cgroup: string, prefix: string, suffix: string, anyId: boolean): string | undefined {
  let start = cgroup.lastIndexOf(prefix);
  if (start === -1) return undefined;
  start += prefix.length;
  const end = suffix === '' ? cgroup.length : cgroup.lastIndexOf(suffix);
  if (end === -1 || end < start) return undefined;
  const id = cgroup.slice(start, end);
  if (id.length === FULL_ID_LENGTH && HEX.test(id)) return id;
  if (id.length > FULL_ID_LENGTH || id.length === 0 || !anyId) return undefined;
  if (cgroup.endsWith('.service') || cgroup.endsWith('.slice') || cgroup.endsWith('.scope')) return undefined;
  return id;
}

interface Layout {
  prefix: string;
  suffix: string;
  type: string;
}

// In the plugin's engine order: podman, docker, cri, then containerd's own layout. Unlike the
// plugin, a bare 64-hex leaf is no layout (any process may make such a cgroup): docker's cgroupfs
// driver puts its containers under /docker/, kubepods hierarchies are checked apart.
const LAYOUTS: Layout[] = [
  { prefix: '/libpod-', suffix: '.scope', type: 'podman' },
  { prefix: '/libpod-', suffix: '.scope/container', type: 'podman' },
  { prefix: '/libpod-', suffix: '', type: 'podman' },
  { prefix: '/docker/', suffix: '', type: 'docker' },
  { prefix: '/docker-', suffix: '.scope', type: 'docker' },
  { prefix: '/crio-', suffix: '', type: 'cri-o' },
  { prefix: '/cri-containerd-', suffix: '.scope', type: 'containerd' },
  { prefix: '/crio-', suffix: '.scope', type: 'cri-o' },
  { prefix: ':cri-containerd:', suffix: '', type: 'containerd' },
];

const CONTAINERD_NS = /\/([A-Za-z0-9]+(?:[._-][A-Za-z0-9]+)*)\//;

/** container.id: full ids are shown by their first 12 characters. */
export function shortId(id: string): string {
  return id.length > SHORT_ID_LENGTH ? id.slice(0, SHORT_ID_LENGTH) : id;
}

/** The last component of a cgroup path. */
function leafOf(cgroup: string): string {
  return cgroup.slice(cgroup.lastIndexOf('/') + 1);
}

/** A leaf that looks like a full container id (64 hex digits): worth asking the runtimes about. */
function containerLikeLeaf(cgroup: string): string | undefined {
  const leaf = leafOf(cgroup);
  return leaf.length === FULL_ID_LENGTH && HEX.test(leaf) ? leaf : undefined;
}

/**
 * What a cgroup path's text says, which never changes for that path: the container its layout
 * names, or else what on disk would make it one (a containerd task, runc state) and a 64-hex leaf
 * a runtime may vouch for. The registry keeps it per path and re-checks only the disk.
 */
interface PathVerdict {
  match: CgroupMatch | undefined;
  /** containerd without CRI (ctr, nerdctl): /<namespace>/<id>, a container when containerd has the task. */
  containerd: { namespace: string; id: string } | undefined;
  /** A plain runc container's id as the leaf: a container when runc has state for it. */
  runc: string | undefined;
  /** A leaf that looks like a full container id under no layout. */
  leaf: string | undefined;
}

function classifyCgroupPath(cgroup: string): PathVerdict {
  const v: PathVerdict = { match: undefined, containerd: undefined, runc: undefined, leaf: undefined };
  if (cgroup.length === 0) return v;
  for (const l of LAYOUTS) {
    const id = matchLayout(cgroup, l.prefix, l.suffix, false);
    if (id === undefined || id.includes('/')) continue;
    v.match = { id: shortId(id), fullId: id, type: l.type };
    return v;
  }
  // A 64-hex leaf under a kubepods hierarchy (cgroupfs driver) is a CRI container.
  const leaf = containerLikeLeaf(cgroup);
  if (leaf !== undefined && /\/kubepods[/.-]/.test(cgroup)) {
    v.match = { id: shortId(leaf), fullId: leaf, type: 'cri' };
    return v;
  }
  v.leaf = leaf;
  const m = CONTAINERD_NS.exec(cgroup);
  if (m !== null) {
    const id = matchLayout(cgroup, m[0], '', true);
    if (id !== undefined && !id.includes('/')) v.containerd = { namespace: m[1]!, id };
  }
  const id = leafOf(cgroup);
  if (id !== '' && !id.endsWith('.slice') && !id.endsWith('.scope') && !id.endsWith('.service') && RUNC_ID.test(id)) v.runc = id;
  return v;
}

/** The container a verdict names, looking on disk for the state its candidates need. */
function probeCgroupPath(v: PathVerdict, opts: ContainerIdOptions): CgroupMatch | undefined {
  if (v.match !== undefined) return v.match;
  const c = v.containerd;
  if (c !== undefined) {
    const known = opts.isContainerdTask ?? ((ns: string, cid: string) => existsSync(`${opts.containerdState ?? '/run/containerd'}/io.containerd.runtime.v2.task/${ns}/${cid}`));
    if (known(c.namespace, c.id)) return { id: shortId(c.id), fullId: c.id, type: 'containerd', namespace: c.namespace };
  }
  const id = v.runc;
  if (id !== undefined) {
    const runc = opts.isRuncContainer ?? ((cid: string) => runcKnows(opts.runcRoots ?? ['/run/runc'], cid));
    if (runc(id)) return { id: shortId(id), fullId: id, type: 'runc' };
  }
  return undefined;
}

/** The container a single cgroup path belongs to by its layout, if any. */
export function matchCgroupPath(cgroup: string, opts: ContainerIdOptions = {}): CgroupMatch | undefined {
  return probeCgroupPath(classifyCgroupPath(cgroup), opts);
}

/** The container of a thread from its "subsys=path" cgroup entries: the first entry that matches. */
export function matchCgroups(cgroups: readonly string[], opts: ContainerIdOptions = {}): CgroupMatch | undefined {
  for (const entry of cgroups) {
    const eq = entry.indexOf('=');
    const m = matchCgroupPath(eq === -1 ? entry : entry.slice(eq + 1), opts);
    if (m !== undefined) return m;
  }
  return undefined;
}

/** The host's entry (the plugin's host_container_info): container.id is "host" for host processes. */
export const HOST_CONTAINER: ContainerInfo = Object.freeze({
  id: 'host', fullId: 'host', name: 'host', image: '', imageRepository: '', imageTag: '', imageDigest: '', type: 'host',
  privileged: false, mounts: [], labels: {}, podName: '', podNamespace: '', podUid: '', startTs: 0n,
});

/** A cgroup path that named no container when last checked. */
class UnmatchedPath {
  constructor(readonly until: number, readonly verdict: PathVerdict) {}
}

/** A container seen in cgroups but not yet described by its runtime. */
export function newContainerInfo(m: CgroupMatch): ContainerInfo {
  return {
    id: m.id, fullId: m.fullId, name: '', image: '', imageRepository: '', imageTag: '', imageDigest: '', type: m.type,
    privileged: undefined, mounts: [], labels: {}, podName: '', podNamespace: '', podUid: '', startTs: 0n,
  };
}

/** Looks up what the runtime knows about a container; resolves undefined when nothing knows it. */
export type ContainerLookup = (m: CgroupMatch) => Promise<Partial<ContainerInfo> | undefined>;

/**
 * What a quick lookup found. `provisional`: the runtime's API knows more than its files say
 * (podman's labels, digest, IP), so its lookups and events still run and complete the entry.
 */
export type QuickDescription = Partial<ContainerInfo> & { provisional?: boolean };

/**
 * A lookup cheap enough for the event path (a couple of small file reads, no process): what the
 * runtime left on disk about a container, or undefined when there is nothing there yet.
 */
export type QuickContainerLookup = (m: CgroupMatch) => QuickDescription | undefined;

export interface ContainerRegistryOptions extends ContainerIdOptions {
  /** Background metadata lookup (src/runtimes); none means ids only. */
  lookup?: ContainerLookup;
  /** How many lookups run at once (default 2). */
  concurrency?: number;
  /** Lookups waiting at most (default 1024); more are dropped and counted, never queued without bound. */
  maxQueue?: number;
  /**
   * Tries per container while the runtime does not know it yet (default 7), the first retry after
   * `retryMs` (default 100 ms), each next one after twice as long. A container is usually seen
   * while its runtime is still creating it: retrying soon gives its first processes their
   * metadata, backing off still covers a slow runtime (about 6 s in all) without asking it often.
   */
  attempts?: number;
  retryMs?: number;
  /** Containers kept (default 4096); the least recently added go first. */
  maxContainers?: number;
  /**
   * Tried on the event path while a container is not yet described, at most `quickTries` times
   * (default 16) per container. A runtime such as runc writes its state before the entrypoint
   * starts, so the container's first exec already sees its metadata: rules about container
   * starts (container.privileged, mounts at proc.vpid=1) need it then, not a moment later.
   */
  quickLookup?: QuickContainerLookup;
  quickTries?: number;
  /** Called when a container leaves the table (removed, or evicted at the bound): whatever is kept
   *  per container elsewhere (its users) goes with it. */
  onRemove?: (id: string) => void;
  /**
   * Called when a runtime has described a container, or described it further (`saker capture`
   * writes each description into the capture, as the container plugin's async events).
   */
  onDescribed?: (info: ContainerInfo) => void;
  /**
   * How long a cgroup path that names no container is checked again (default 10 s) before it is
   * taken for the host for good: runc's state and a runtime's answer about an unknown id come a
   * moment after the first processes are seen there. Bounded by time, not by tries: runc init
   * clones a dozen Go threads into the container's cgroup before runc writes its state, and each
   * used up a try (the container's first exec then passed for the host). A check runs only on
   * clone, exec and chroot, and costs a few string tests for a host path.
   */
  recheckMs?: number;
  /** The clock (ms) for the re-checks (tests). */
  now?: () => number;
}

interface Pending {
  match: CgroupMatch;
  attempt: number;
}

/** The registry's counters (read by the agent's metrics). */
export interface ContainerRegistryStats {
  /** Lookups started, answered with a description, failed (error or timeout). */
  lookups: number;
  found: number;
  failed: number;
  /** Container-like ids (64 hex leaves) under no known layout, looked up before being trusted. */
  unknownIds: number;
  /** Lookups dropped because the queue was full. */
  dropped: number;
  /** Containers evicted from the table at its bound (maxContainers). */
  evicted: number;
}

export class ContainerRegistry {
  private readonly byId = new Map<string, ContainerInfo>();
  /** Per cgroup path: its match, or until when (ms) a path that matched nothing is checked again. */
  /** Per cgroup path: its container, or what its text says and until when (ms) the disk is checked again. */
  private readonly pathCache = new Map<string, CgroupMatch | UnmatchedPath>();
  private readonly queue: Pending[] = [];
  /** Containers described by a runtime, and quick lookups tried for those still undescribed. */
  private readonly described = new Set<string>();
  private readonly quickTried = new Map<string, number>();
  /** Full ids a runtime described, and unknown ids already asked about. */
  private readonly knownFullIds = new Map<string, string>();
  private readonly askedUnknown = new Set<string>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private running = 0;
  private closed = false;
  private readonly opts: ContainerRegistryOptions;
  /** Settles when no lookup is running or queued (tests, shutdown). */
  private idleWaiters: Array<() => void> = [];
  readonly stats: ContainerRegistryStats = { lookups: 0, found: 0, failed: 0, unknownIds: 0, dropped: 0, evicted: 0 };

  constructor(opts: ContainerRegistryOptions = {}) {
    this.opts = opts;
  }

  /** Sets the background lookup (the runtimes, once they have been probed). */
  setLookup(lookup: ContainerLookup | undefined, quickLookup?: QuickContainerLookup): void {
    this.opts.lookup = lookup;
    if (quickLookup !== undefined) this.opts.quickLookup = quickLookup;
  }

  /** The container `id` ('' = the host). */
  get(id: string): ContainerInfo | undefined {
    if (id === '') return HOST_CONTAINER;
    return this.byId.get(id);
  }

  /** Every container known. */
  all(): IterableIterator<ContainerInfo> {
    return this.byId.values();
  }

  /** Whether a runtime has described container `id` (short id). */
  isDescribed(id: string): boolean {
    return this.described.has(id);
  }

  /**
   * Adds or updates a container from elsewhere (a runtime's event stream, a capture's container
   * events, tests). An id a runtime vouches for makes its cgroups a container from now on.
   */
  put(info: ContainerInfo): void {
    const known = this.byId.get(info.id);
    // A runtime's description keeps the start time the kernel gave.
    if (known !== undefined && info.startTs === 0n) info.startTs = known.startTs;
    info.described = true;
    this.byId.set(info.id, info);
    this.described.add(info.id);
    this.quickTried.delete(info.id);
    if (!this.knownFullIds.has(info.fullId)) {
      this.knownFullIds.set(info.fullId, info.type);
      // Paths waiting for a re-check may name this container now.
      for (const [path, m] of this.pathCache) if (m instanceof UnmatchedPath && path.endsWith(info.fullId)) this.pathCache.delete(path);
    }
    this.bound();
    this.opts.onDescribed?.(info);
  }

  /**
   * Adds container `m` as a runtime described it: `found` over an undescribed container's
   * defaults, its type if it names one, else the match's.
   */
  putDescribed(m: CgroupMatch, found: Partial<ContainerInfo>): void {
    this.put({ ...newContainerInfo({ ...m, type: found.type ?? m.type }), ...found, id: m.id });
  }

  remove(id: string): void {
    const info = this.byId.get(id);
    if (info === undefined) return;
    this.knownFullIds.delete(info.fullId);
    this.byId.delete(id);
    this.described.delete(id);
    this.quickTried.delete(id);
    this.opts.onRemove?.(id);
  }

  /** Containers known now, and lookups waiting (for metrics). */
  get sizes(): { containers: number; queued: number; pathCache: number } {
    return { containers: this.byId.size, queued: this.queue.length, pathCache: this.pathCache.size };
  }

  /** The match for one cgroup path, cached; paths that match nothing yet are re-checked for a while. */
  private matchPath(path: string): CgroupMatch | undefined {
    const cached = this.pathCache.get(path);
    if (cached !== undefined && !(cached instanceof UnmatchedPath)) return cached;
    const now = (this.opts.now ?? Date.now)();
    if (cached !== undefined && now >= cached.until) return undefined;
    // Within the re-check time only the disk is looked at again: the text's verdict is kept.
    const verdict = cached?.verdict ?? classifyCgroupPath(path);
    let m = probeCgroupPath(verdict, this.opts);
    const leaf = m === undefined ? verdict.leaf : undefined;
    if (leaf !== undefined) {
      const type = this.knownFullIds.get(leaf);
      if (type !== undefined) m = { id: shortId(leaf), fullId: leaf, type };
      else this.askAboutUnknown(leaf);
    }
    if (this.pathCache.size > 16384) this.pathCache.clear();
    if (m !== undefined) this.pathCache.set(path, m);
    else if (cached === undefined) this.pathCache.set(path, new UnmatchedPath(now + (this.opts.recheckMs ?? 10_000), verdict));
    return m;
  }

  /** A container-like id under no known layout: counted, and asked of the runtimes once. */
  private askAboutUnknown(fullId: string): void {
    if (this.askedUnknown.has(fullId)) return;
    if (this.askedUnknown.size > 4096) this.askedUnknown.clear();
    this.askedUnknown.add(fullId);
    this.stats.unknownIds++;
    this.enqueue({ match: { id: shortId(fullId), fullId, type: 'unknown' }, attempt: 0 });
  }

  /**
   * Sets `t.containerId` from its cgroups (the plugin does this on clone, execve and chroot) and
   * starts a metadata lookup the first time a container is seen.
   */
  resolve(t: Thread): void {
    let match: CgroupMatch | undefined;
    for (const entry of t.cgroups) {
      const eq = entry.indexOf('=');
      match = this.matchPath(eq === -1 ? entry : entry.slice(eq + 1));
      if (match !== undefined) break;
    }
    if (match === undefined) {
      t.containerId = '';
      return;
    }
    t.containerId = match.id;
    let info = this.byId.get(match.id);
    if (info === undefined) {
      info = newContainerInfo(match);
      this.byId.set(match.id, info);
      this.bound();
      this.enqueue({ match, attempt: 0 });
    }
    // container.start_ts is the pid namespace's init start, from the kernel.
    if (info.startTs === 0n && t.pidnsInitStartTs !== 0n) info.startTs = t.pidnsInitStartTs;
    if (!this.described.has(match.id)) this.tryQuick(match, info);
  }

  private tryQuick(match: CgroupMatch, info: ContainerInfo): void {
    const quick = this.opts.quickLookup;
    if (quick === undefined) return;
    const tries = this.quickTried.get(match.id) ?? 0;
    if (tries >= (this.opts.quickTries ?? 16)) return;
    this.quickTried.set(match.id, tries + 1);
    const found = quick(match);
    if (found === undefined) return;
    const { provisional, ...fields } = found;
    if (provisional !== true) {
      this.describe(match.id, info, fields);
      return;
    }
    // Enough for the event path now; no more quick tries, the runtime's answer completes it.
    Object.assign(info, fields, { id: info.id, startTs: info.startTs, described: true });
    this.quickTried.set(match.id, Infinity);
    if (!this.knownFullIds.has(info.fullId)) this.knownFullIds.set(info.fullId, info.type);
    this.opts.onDescribed?.(info);
  }

  private describe(id: string, info: ContainerInfo, found: Partial<ContainerInfo>): void {
    Object.assign(info, found, { id: info.id, startTs: info.startTs, described: true });
    this.described.add(id);
    this.quickTried.delete(id);
    if (!this.knownFullIds.has(info.fullId)) this.knownFullIds.set(info.fullId, info.type);
    this.opts.onDescribed?.(info);
  }

  private bound(): void {
    const max = this.opts.maxContainers ?? 4096;
    while (this.byId.size > max) {
      this.stats.evicted++;
      this.remove(this.byId.keys().next().value as string);
    }
  }

  private enqueue(p: Pending): void {
    if (this.opts.lookup === undefined || this.closed) return;
    if (this.queue.length >= (this.opts.maxQueue ?? 1024)) {
      this.stats.dropped++;
      return;
    }
    this.queue.push(p);
    this.pump();
  }

  private pump(): void {
    const lookup = this.opts.lookup;
    if (lookup === undefined) return;
    while (!this.closed && this.running < (this.opts.concurrency ?? 2) && this.queue.length > 0) {
      const p = this.queue.shift()!;
      // Described meanwhile (a runtime event, a quick lookup): nothing to ask; evicted while it
      // waited (a known layout's container that left the table): nothing to describe.
      if (this.described.has(p.match.id)) continue;
      if (p.match.type !== 'unknown' && !this.byId.has(p.match.id)) continue;
      this.running++;
      this.stats.lookups++;
      lookup(p.match)
        .then((found) => {
          if (found !== undefined) {
            this.stats.found++;
            if (p.match.type === 'unknown') {
              this.putDescribed(p.match, found);
              return;
            }
            const info = this.byId.get(p.match.id);
            if (info !== undefined) this.describe(p.match.id, info, found);
          } else this.retry(p);
        }, () => {
          this.stats.failed++;
          this.retry(p);
        })
        .finally(() => {
          this.running--;
          this.pump();
          this.settle();
        });
    }
    this.settle();
  }

  private retry(p: Pending): void {
    // An id no runtime knows is asked once: it stays the host.
    if (p.match.type === 'unknown') return;
    if (this.closed || p.attempt + 1 >= (this.opts.attempts ?? 7) || this.described.has(p.match.id)) return;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      this.enqueue({ match: p.match, attempt: p.attempt + 1 });
    }, (this.opts.retryMs ?? 100) * 2 ** p.attempt);
    timer.unref();
    this.timers.add(timer);
  }

  private settle(): void {
    if (this.running > 0 || this.queue.length > 0 || this.timers.size > 0) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of waiters) w();
  }

  /** Resolves once every started lookup (and retry) has finished. */
  idle(): Promise<void> {
    return new Promise((resolve) => {
      // Retry timers do not hold the process open; whoever waits here does.
      const keepAlive = setInterval(() => undefined, 1 << 30);
      this.idleWaiters.push(() => {
        clearInterval(keepAlive);
        resolve();
      });
      this.settle();
    });
  }

  /** Stops background lookups. */
  close(): void {
    this.closed = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.queue.length = 0;
    this.settle();
  }
}
