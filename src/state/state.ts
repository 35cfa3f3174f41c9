// The system state the engine keeps: threads and fds from events and /proc or a capture's
// tables, users and groups, containers. The one object the engine creates; field extractors
// read it through StateView and the EventContext that process() returns.
import type { EventView } from '../events/index.js';
import type { ContainerInfo, EventContext, GroupInfo, OpenPath, StateView, ThreadInfo, UserInfo } from './types.js';
import { containerInfoFromJson } from './container-metadata.js';
import { ContainerRegistry, type ContainerLookup } from './containers.js';
import type { StateContext } from './event-handler.js';
import { StateParser, fdNameFromEvent } from './state-parser.js';
import { ProcScanner, bootTimeNs, type ProcScanStats } from './proc-scan.js';
import { loadSnapshots, type ThreadSnapshot } from './snapshot.js';
import { DEFAULT_MAX_THREADS, type Thread, ThreadTable, cwdOf } from './threads.js';
import { UserTables, type UserTablesOptions } from './users.js';
import { AgentFieldScope, type FieldScopeOptions } from './field-scope.js';
import { HostNames } from './host-names.js';
import { NetworkInterfaces, hostInterfaces, type InterfaceAddress } from './interfaces.js';
import { WatchedFiles } from './watched-files.js';
import { OpenedPaths } from './opened-paths.js';
import { isOpenExit, openPath } from './open-names.js';

export interface StateOptions {
  /**
   * A live system (default false, i.e. replaying a capture): threads missing from the table are
   * read from /proc, idle threads that have exited are purged, container users are read through
   * /proc/<pid>/root and container metadata is asked of the runtimes.
   */
  live?: boolean;
  /** Where procfs is mounted (default /proc). */
  procRoot?: string;
  /** Root of the host filesystem for /etc/passwd and /etc/group (default '/'). */
  hostRoot?: string;
  /** Read the host's /etc/passwd and /etc/group for users not otherwise known (default true). */
  hostUsers?: boolean;
  /** Thread table size (default 262144, libsinsp's). */
  maxThreads?: number;
  /** Idle-thread purge period and idle time, in ns (default 300 s each, Falco's). */
  purgeIntervalNs?: number;
  threadTimeoutNs?: number;
  /** Boot time in ns since the epoch (default: from /proc/uptime when live, else 0). */
  bootTs?: bigint;
  /**
   * Container metadata lookup (live only). The runtimes (src/runtimes ContainerRuntimes.attach)
   * set theirs on `containers` once probed; this is for a lookup of one's own, false for none.
   */
  containerLookup?: ContainerLookup | false;
  /** runc state roots, to recognise plain runc containers by their cgroup (default ['/run/runc']). */
  runcRoots?: string[];
  /** containerd state directory, used to recognise /<namespace>/<id> cgroups (default /run/containerd). */
  containerdState?: string;
  /** Field rendering and host name for this state's events (see FieldScope). */
  fields?: FieldScopeOptions;
  /** A runtime described a container, or described it further (ContainerRegistryOptions.onDescribed). */
  onContainerDescribed?: (info: ContainerInfo) => void;
  /** A container's users and groups read from its files, new or changed (UserTablesOptions.onContainerEntries). */
  onContainerUsers?: UserTablesOptions['onContainerEntries'];
}

/** State.bounds: sizes of the bounded tables and the counts of what their bounds dropped. */
export interface StateBounds {
  threads: number;
  threadsMax: number;
  threadsDropped: number;
  fds: number;
  fdsMax: number;
  fdsDropped: number;
  untrackedTids: number;
  untrackedHits: number;
  containers: number;
  containersEvicted: number;
  containerLookupsQueued: number;
  containerLookupsDropped: number;
  cgroupPathCache: number;
  userTables: number;
  userTablesDropped: number;
  usersDropped: number;
  userFilesRefused: number;
  userReadsDropped: number;
  dnsAddresses: number;
  dnsAddressesDropped: number;
}

export class State implements StateView {
  readonly threads: ThreadTable;
  readonly users: UserTables;
  readonly containers: ContainerRegistry;
  readonly parser: StateParser;
  readonly live: boolean;
  readonly hostNames = new HostNames();
  readonly scope: AgentFieldScope;
  private readonly scanner: ProcScanner | undefined;
  private readonly procRoot: string;
  private readonly hostRoot: string;
  private ifs: NetworkInterfaces | undefined;

  constructor(opts: StateOptions = {}) {
    this.live = opts.live ?? false;
    const procRoot = opts.procRoot ?? '/proc';
    this.procRoot = procRoot;
    this.hostRoot = (opts.hostRoot ?? '').replace(/\/+$/, '');
    const bootTs = opts.bootTs ?? (this.live ? bootTimeNs(procRoot) : 0n);
    this.threads = new ThreadTable({ maxThreads: opts.maxThreads ?? DEFAULT_MAX_THREADS, selfPid: this.live ? process.pid : -1 });
    this.users = new UserTables({ hostRoot: opts.hostRoot, procRoot, readFiles: opts.hostUsers ?? true, onContainerEntries: opts.onContainerUsers });
    const lookup = this.live && typeof opts.containerLookup === 'function' ? opts.containerLookup : undefined;
    this.containers = new ContainerRegistry({
      lookup, containerdState: opts.containerdState, runcRoots: opts.runcRoots,
      onRemove: (id) => {
        this.users.dropContainer(id);
        this.parser.watchedFiles?.forget(id);
      },
      onDescribed: opts.onContainerDescribed,
    });
    this.scanner = this.live ? new ProcScanner({ procRoot, bootTs }) : undefined;
    const scanner = this.scanner;
    this.scope = new AgentFieldScope(opts.fields);
    this.parser = new StateParser({
      threads: this.threads,
      view: this,
      scope: this.scope,
      bootTs,
      readThread: scanner === undefined ? undefined : (tid) => scanner.readThread(tid),
      onProcessChange: (t) => this.containers.resolve(t),
      onCredentials: (t) => this.noteCredentials(t),
      onUserEvent: (added, cid, uid, gid, name, home, shell) => {
        if (added) this.users.addUser(cid, { uid, gid, name, home, shell });
        else this.users.removeUser(cid, uid);
      },
      onContainerEvent: (added, json) => {
        const info = containerInfoFromJson(json);
        if (info === undefined) return;
        if (added) this.containers.put(info);
        else this.containers.remove(info.id);
      },
      onGroupEvent: (added, cid, gid, name) => {
        if (added) this.users.addGroup(cid, { gid, name });
        else this.users.removeGroup(cid, gid);
      },
      purge: scanner === undefined ? undefined : {
        intervalNs: opts.purgeIntervalNs ?? 300e9,
        timeoutNs: opts.threadTimeoutNs ?? 300e9,
        isAlive: (t) => scanner.isAlive(t.pid, t.tid),
      },
    });
    if (this.live) this.parser.openedPaths = new OpenedPaths(procRoot, this.hostRoot, this.threads);
  }

  /** Updates the state for one event and returns the context to evaluate rules in. */
  process(evt: EventView): StateContext {
    return this.parser.process(evt);
  }

  /** Seeds the tables from /proc (live start-up). Returns what the scan found. */
  bootstrapFromProc(): ProcScanStats {
    const scanner = this.scanner ?? new ProcScanner();
    const snaps = scanner.scanAll();
    this.loadSnapshots(snaps);
    return scanner.stats;
  }

  /** Seeds the tables from thread snapshots (a capture's process and fd lists, or a scan). */
  loadSnapshots(snaps: Iterable<ThreadSnapshot>): number {
    return loadSnapshots(this.threads, snaps, {
      interfaces: this.interfaces,
      onThread: (t) => {
        this.containers.resolve(t);
        this.noteCredentials(t);
      },
    }).length;
  }

  private noteCredentials(t: Thread): void {
    const parentPid = this.threads.get(t.ptid)?.pid ?? -1;
    this.users.noteUser(t.containerId, t.pid, t.uid, parentPid);
    this.users.noteGroup(t.containerId, t.pid, t.gid, parentPid);
  }

  // --- StateView -----------------------------------------------------------------------------

  thread(tid: number): Thread | undefined {
    return this.threads.get(tid);
  }

  user(uid: number, containerId: string): UserInfo | undefined {
    return this.users.user(uid, containerId);
  }

  group(gid: number, containerId: string): GroupInfo | undefined {
    return this.users.group(gid, containerId);
  }

  container(id: string): ContainerInfo | undefined {
    return this.containers.get(id);
  }

  // --- Helpers for field extractors ------------------------------------------------------------

  /** The main thread of `t`'s process. */
  mainThread(t: ThreadInfo): Thread | undefined {
    return this.threads.mainThread(t as Thread);
  }

  /** The n-th ancestor process (proc.aname[n]); 0 is the process itself, 1 the parent. */
  ancestor(t: ThreadInfo, n: number): Thread | undefined {
    return this.threads.ancestor(t as Thread, n);
  }

  /** Visits the ancestors by ptid from the parent up, loop-safe (proc.aname without index). */
  forEachAncestor(t: ThreadInfo, visit: (a: ThreadInfo) => boolean): void {
    this.threads.forEachAncestor(t as Thread, visit);
  }

  /** The session leader (proc.sname, proc.sid.exe ...). */
  sessionLeader(t: ThreadInfo): Thread | undefined {
    return this.threads.oldestMatchingAncestor(t as Thread, (x) => x.sid, true);
  }

  /** The leader of the virtual process group (proc.vpgid.name ...). */
  vpgidLeader(t: ThreadInfo): Thread | undefined {
    return this.threads.oldestMatchingAncestor(t as Thread, (x) => x.vpgid, true);
  }

  /** The leader of the process group (proc.pgid.name ...). */
  pgidLeader(t: ThreadInfo): Thread | undefined {
    return this.threads.oldestMatchingAncestor(t as Thread, (x) => x.pgid, false);
  }

  /** proc.cwd: the process working directory ('./' when unknown). */
  cwd(t: ThreadInfo): string {
    return cwdOf(t as Thread);
  }

  /** fd.name for an fd-creating event that created none (a failed open or connect). */
  fdNameFromEvent(ctx: EventContext): string | undefined {
    return fdNameFromEvent(ctx.evt, ctx.thread as Thread | undefined, this.parser.paths);
  }

  /** An open-family exit event's path parameter, from the parser's path cache. */
  openPath(ctx: EventContext): OpenPath | undefined {
    return isOpenExit(ctx.evt.type) ? openPath(ctx.evt, this.parser.paths) : undefined;
  }

  /**
   * Every bounded table's size and what its bound dropped, for metrics (the agent registers
   * them): threads, fds over all processes, untracked tids, containers and their lookup queue,
   * the cgroup path cache, user tables.
   */
  get bounds(): StateBounds {
    const c = this.containers.sizes;
    const u = this.users.stats;
    const b = this.parser.fdBudget;
    return {
      threads: this.threads.threads.size, threadsMax: this.threads.maxThreads, threadsDropped: this.threads.droppedFull,
      fds: b.total, fdsMax: b.max, fdsDropped: b.dropped,
      untrackedTids: this.parser.untracked.size, untrackedHits: this.parser.untracked.hits,
      containers: c.containers, containersEvicted: this.containers.stats.evicted,
      containerLookupsQueued: c.queued, containerLookupsDropped: this.containers.stats.dropped, cgroupPathCache: c.pathCache,
      userTables: u.containers, userTablesDropped: u.containersDropped, usersDropped: u.usersDropped,
      userFilesRefused: u.filesRefused, userReadsDropped: u.readsDropped,
      dnsAddresses: this.hostNames.addresses, dnsAddressesDropped: this.hostNames.addressesDropped,
    };
  }

  /**
   * Watches the files the rules name exactly (live only), so that an open cannot hide which of
   * them it opened by changing its path in memory after the kernel read it (watched-files.ts).
   */
  watchFiles(paths: Iterable<string>): void {
    if (!this.live) return;
    const list = [...paths];
    this.parser.watchedFiles = list.length > 0 ? new WatchedFiles(list, this.procRoot, this.hostRoot) : undefined;
  }

  /** Settles once the container users read off the event loop so far are in the tables. */
  usersRead(): Promise<void> {
    return this.users.idle();
  }

  /** The interfaces in force: a capture's once set, else the host's (read on first use). */
  get interfaces(): NetworkInterfaces {
    return (this.ifs ??= hostInterfaces());
  }

  /** Back to the host's interfaces (read again on next use). */
  useHostInterfaces(): void {
    this.ifs = undefined;
  }

  /** Replaces the interfaces in force (a capture's interface list). */
  setInterfaces(list: readonly InterfaceAddress[]): void {
    this.ifs = new NetworkInterfaces(list);
  }

  /** Stops background work (container metadata lookups, name resolution). */
  close(): void {
    this.containers.close();
    this.hostNames.stop();
  }
}
