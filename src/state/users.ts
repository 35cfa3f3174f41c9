// Users and groups per container, as libsinsp's sinsp_usergroup_manager keeps them: the host's
// from /etc/passwd and /etc/group (or a capture's user list), a container's from the files in
// its root (/proc/<pid>/root/etc/...), read when a process of that container first needs them.
// Lookups never touch the disk; the parser's credential updates (clone, execve, set*id) do: the
// host's files synchronously, a container's (which the container controls) safely and off the
// event loop (container-files.ts), one container at a time, the result applied when it arrives.
// Bounded: at most maxContainers tables (the oldest dropped first) and maxUsersPerContainer
// users and groups each; every drop and refused file is counted.
import { existsSync, readlinkSync, statSync, type Stats } from 'node:fs';
import { readEtcFile, readEtcFileSync, type EtcRead } from './container-files.js';
import type { GroupInfo, UserInfo } from './types.js';
import { NO_ID } from './ppm.js';

export interface UserTablesOptions {
  /** Root of the host filesystem whose /etc/passwd is the host's (default '/'). */
  hostRoot?: string;
  /** Where procfs is (default '/proc'): container files are read through /proc/<pid>/root. */
  procRoot?: string;
  /** Read files at all (default true); off, only added users (capture user lists, events) exist. */
  readFiles?: boolean;
  /** Minimum time between two re-reads of one container's files after a miss (ms, default 5000). */
  rereadMs?: number;
  /** Container tables kept at most (default 4096); past it the oldest is dropped. */
  maxContainers?: number;
  /** Users, and groups, kept per table at most (default 65536); past it new ones are not added. */
  maxUsersPerContainer?: number;
  /** Container reads waiting at most (default 1024); past it a read is not queued (retried later). */
  maxQueued?: number;
  /**
   * Called with every entry of a container's files each time they are read (libs' usergroup
   * manager notifies the new and changed ones as useradded/groupadded events: `saker capture`
   * writes those).
   */
  onContainerEntries?: (containerId: string, users: readonly UserInfo[], groups: readonly GroupInfo[]) => void;
}

/** What the user tables have dropped or refused, for metrics. */
export interface UserTableCounts {
  containers: number;
  containersDropped: number;
  usersDropped: number;
  filesRefused: number;
  readsQueued: number;
  readsDropped: number;
}

interface Table {
  users: Map<number, UserInfo>;
  groups: Map<number, GroupInfo>;
  /** Date.now() of the last read of the backing files, 0 if never. */
  readAt: number;
}

/** Parses /etc/passwd text: name:passwd:uid:gid:gecos:home:shell. NSS (+/-) and malformed lines are skipped. */
export function parsePasswd(text: string): UserInfo[] {
  const out: UserInfo[] = [];
  for (const line of text.split('\n')) {
    const f = line.split(':');
    if (f.length < 7) continue;
    const name = f[0]!;
    if (name.startsWith('+') || name.startsWith('-')) continue;
    const uid = parseId(f[2]!);
    const gid = parseId(f[3]!);
    if (uid === undefined || gid === undefined) continue;
    out.push({ uid, gid, name, home: f[5]!, shell: f[6]!.replace(/\r$/, '') });
  }
  return out;
}

/** Parses /etc/group text: name:passwd:gid:members. */
export function parseGroup(text: string): GroupInfo[] {
  const out: GroupInfo[] = [];
  for (const line of text.split('\n')) {
    const f = line.split(':');
    if (f.length < 4) continue;
    const name = f[0]!;
    if (name.startsWith('+') || name.startsWith('-')) continue;
    const gid = parseId(f[2]!);
    if (gid === undefined) continue;
    out.push({ gid, name });
  }
  return out;
}

function parseId(s: string): number | undefined {
  if (!/^\d{1,10}$/.test(s)) return undefined;
  const n = Number(s);
  return n <= 0xffffffff ? n : undefined;
}

export class UserTables {
  private readonly tables = new Map<string, Table>();
  private readonly hostRoot: string;
  private readonly procRoot: string;
  private readonly readFiles: boolean;
  private readonly rereadMs: number;
  private readonly maxContainers: number;
  private readonly maxUsers: number;
  private readonly maxQueued: number;
  private readonly onContainerEntries: UserTablesOptions['onContainerEntries'];
  private ownMntNs: string | undefined;
  private hostRootDir: Stats | undefined;
  /** Container reads to do, in order, one at a time (container id -> root). */
  private readonly queue = new Map<string, string>();
  private reading: Promise<void> | undefined;
  private readonly counts = { containersDropped: 0, usersDropped: 0, filesRefused: 0, readsDropped: 0 };

  constructor(opts: UserTablesOptions = {}) {
    this.hostRoot = (opts.hostRoot ?? '/').replace(/\/+$/, '');
    this.procRoot = opts.procRoot ?? '/proc';
    this.readFiles = opts.readFiles ?? true;
    this.rereadMs = opts.rereadMs ?? 5000;
    this.maxContainers = opts.maxContainers ?? 4096;
    this.maxUsers = opts.maxUsersPerContainer ?? 65536;
    this.maxQueued = opts.maxQueued ?? 1024;
    this.onContainerEntries = opts.onContainerEntries;
  }

  /** Table sizes and what was dropped or refused so far. */
  get stats(): UserTableCounts {
    return { containers: this.tables.size, readsQueued: this.queue.size, ...this.counts };
  }

  /** Settles once no container read is queued or running (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.reading !== undefined) await this.reading;
  }

  private table(containerId: string): Table {
    let t = this.tables.get(containerId);
    if (t === undefined) {
      if (containerId !== '' && this.tables.size >= this.maxContainers) this.dropOldest();
      t = { users: new Map(), groups: new Map(), readAt: 0 };
      this.tables.set(containerId, t);
    }
    return t;
  }

  /** Drops the container table made first (Map order); never the host's. */
  private dropOldest(): void {
    for (const id of this.tables.keys()) {
      if (id === '') continue;
      this.tables.delete(id);
      this.queue.delete(id);
      this.counts.containersDropped++;
      return;
    }
  }

  private setUser(t: Table, u: UserInfo): void {
    if (t.users.size >= this.maxUsers && !t.users.has(u.uid)) {
      this.counts.usersDropped++;
      return;
    }
    t.users.set(u.uid, u);
  }

  private setGroup(t: Table, g: GroupInfo): void {
    if (t.groups.size >= this.maxUsers && !t.groups.has(g.gid)) {
      this.counts.usersDropped++;
      return;
    }
    t.groups.set(g.gid, g);
  }

  /** The user `uid` in container `containerId` ('' = host), if known. */
  user(uid: number, containerId: string): UserInfo | undefined {
    return this.tables.get(containerId)?.users.get(uid);
  }

  group(gid: number, containerId: string): GroupInfo | undefined {
    return this.tables.get(containerId)?.groups.get(gid);
  }

  /** Adds or replaces a user (capture user lists, useradded events). */
  addUser(containerId: string, u: UserInfo): void {
    if (u.name.startsWith('+') || u.name.startsWith('-')) return;
    this.setUser(this.table(containerId), u);
  }

  removeUser(containerId: string, uid: number): void {
    this.tables.get(containerId)?.users.delete(uid);
  }

  addGroup(containerId: string, g: GroupInfo): void {
    if (g.name.startsWith('+') || g.name.startsWith('-')) return;
    this.setGroup(this.table(containerId), g);
  }

  removeGroup(containerId: string, gid: number): void {
    this.tables.get(containerId)?.groups.delete(gid);
  }

  /** Forgets a container's tables (container removed). */
  dropContainer(containerId: string): void {
    if (containerId === '') return;
    this.tables.delete(containerId);
    this.queue.delete(containerId);
  }

  /** Reads the host's /etc/passwd and /etc/group now (done lazily otherwise). */
  loadHost(): void {
    const t = this.table('');
    t.readAt = Date.now();
    this.apply(t, readEtcFileSync(this.hostRoot, 'passwd'), readEtcFileSync(this.hostRoot, 'group'));
  }

  /**
   * Makes sure `uid` of a process `pid` in `containerId` is known (sinsp_usergroup_manager::add_user):
   * reads the container's (or host's) passwd on a miss; uid 0 is "root" even without an entry.
   * `parentPid`: its parent's, read through when `pid` has already exited (a short-lived process
   * usually has by the time the agent hears of it).
   */
  noteUser(containerId: string, pid: number, uid: number, parentPid = -1): void {
    if (uid === NO_ID) return;
    const t = this.table(containerId);
    if (t.users.has(uid)) return;
    this.refresh(t, containerId, pid, parentPid);
    // libsinsp's stand-in root has no shell: it prints as <NA>.
    if (!t.users.has(uid) && uid === 0) t.users.set(0, { uid: 0, gid: 0, name: 'root', home: '/root', shell: '<NA>' });
  }

  noteGroup(containerId: string, pid: number, gid: number, parentPid = -1): void {
    if (gid === NO_ID) return;
    const t = this.table(containerId);
    if (t.groups.has(gid)) return;
    this.refresh(t, containerId, pid, parentPid);
    if (!t.groups.has(gid) && gid === 0) t.groups.set(0, { gid: 0, name: 'root' });
  }

  private refresh(t: Table, containerId: string, pid: number, parentPid: number): void {
    if (!this.readFiles) return;
    const now = Date.now();
    if (t.readAt !== 0 && now - t.readAt < this.rereadMs) return;
    if (containerId === '') {
      this.loadHost();
      return;
    }
    // A process sharing our mount namespace, or not yet in its container's root, sees the host's
    // files, not its container's; one that has exited shows none.
    const via = this.seesContainerRoot(pid) ? pid : this.seesContainerRoot(parentPid) ? parentPid : -1;
    if (via < 0) return;
    t.readAt = now;
    this.enqueue(containerId, `${this.procRoot}/${via}/root`);
  }

  private enqueue(containerId: string, root: string): void {
    if (this.queue.has(containerId)) return;
    if (this.queue.size >= this.maxQueued) {
      this.counts.readsDropped++;
      const t = this.tables.get(containerId);
      if (t !== undefined) t.readAt = 0; // retried on the next miss
      return;
    }
    this.queue.set(containerId, root);
    this.reading ??= this.drain().finally(() => (this.reading = undefined));
  }

  /** Reads the queued containers' files one at a time: at most one pool thread is ever held. */
  private async drain(): Promise<void> {
    for (;;) {
      const next = this.queue.entries().next();
      if (next.done === true) return;
      const [id, root] = next.value;
      const passwd = await readEtcFile(root, 'passwd');
      const group = await readEtcFile(root, 'group');
      this.queue.delete(id);
      const t = this.tables.get(id); // dropped meanwhile: nothing to fill
      if (t === undefined) continue;
      // The process whose root this was exited before the read (a short-lived one usually is):
      // nothing was learnt, so the next miss may read again at once, through another process.
      if (passwd.refused === 'missing' && !existsSync(root)) t.readAt = 0;
      else this.apply(t, passwd, group, id);
    }
  }

  private apply(t: Table, passwd: EtcRead, group: EtcRead, containerId = ''): void {
    for (const r of [passwd, group]) if (r.refused !== undefined && r.refused !== 'missing') this.counts.filesRefused++;
    const users = passwd.text === undefined ? [] : parsePasswd(passwd.text);
    const groups = group.text === undefined ? [] : parseGroup(group.text);
    for (const u of users) this.setUser(t, u);
    for (const g of groups) this.setGroup(t, g);
    if (containerId !== '' && users.length + groups.length > 0) this.onContainerEntries?.(containerId, users, groups);
  }

  /**
   * Whether process `pid` shows its container's files: it is in another mount namespace than
   * ours and its root is not the host's. A runtime's init (runc init) enters the container's
   * mount namespace before it pivots into the container's root: read through then, the host's
   * /etc/passwd would pass for the container's.
   */
  private seesContainerRoot(pid: number): boolean {
    if (pid <= 0) return false;
    try {
      this.ownMntNs ??= readlinkSync(`${this.procRoot}/self/ns/mnt`);
      if (readlinkSync(`${this.procRoot}/${pid}/ns/mnt`) === this.ownMntNs) return false;
      const root = statSync(`${this.procRoot}/${pid}/root/`);
      // (the host's root, mounted at HOST_ROOT when the agent runs in a container)
      this.hostRootDir ??= statSync(this.hostRoot === '' ? '/' : this.hostRoot);
      return root.ino !== this.hostRootDir.ino || root.dev !== this.hostRootDir.dev;
    } catch {
      return false;
    }
  }
}
