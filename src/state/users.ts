// Users and groups per container, as libsinsp's sinsp_usergroup_manager keeps them: the host's
// from /etc/passwd and /etc/group (or a capture's user list), a container's from the files in
// its root (/proc/<pid>/root/etc/...), read when a process of that container first needs them.
// Lookups never touch the disk; the parser's credential updates (clone, execve, set*id) do.
import { readFileSync, readlinkSync } from 'node:fs';
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

function tryRead(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

export class UserTables {
  private readonly tables = new Map<string, Table>();
  private readonly hostRoot: string;
  private readonly procRoot: string;
  private readonly readFiles: boolean;
  private readonly rereadMs: number;
  private ownMntNs: string | undefined;

  constructor(opts: UserTablesOptions = {}) {
    this.hostRoot = (opts.hostRoot ?? '/').replace(/\/+$/, '');
    this.procRoot = opts.procRoot ?? '/proc';
    this.readFiles = opts.readFiles ?? true;
    this.rereadMs = opts.rereadMs ?? 5000;
  }

  private table(containerId: string): Table {
    let t = this.tables.get(containerId);
    if (t === undefined) {
      t = { users: new Map(), groups: new Map(), readAt: 0 };
      this.tables.set(containerId, t);
    }
    return t;
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
    this.table(containerId).users.set(u.uid, u);
  }

  removeUser(containerId: string, uid: number): void {
    this.tables.get(containerId)?.users.delete(uid);
  }

  addGroup(containerId: string, g: GroupInfo): void {
    if (g.name.startsWith('+') || g.name.startsWith('-')) return;
    this.table(containerId).groups.set(g.gid, g);
  }

  removeGroup(containerId: string, gid: number): void {
    this.tables.get(containerId)?.groups.delete(gid);
  }

  /** Forgets a container's tables (container removed). */
  dropContainer(containerId: string): void {
    if (containerId !== '') this.tables.delete(containerId);
  }

  /** Reads the host's /etc/passwd and /etc/group now (done lazily otherwise). */
  loadHost(): void {
    this.readInto(this.table(''), this.hostRoot);
  }

  /**
   * Makes sure `uid` of a process `pid` in `containerId` is known (sinsp_usergroup_manager::add_user):
   * reads the container's (or host's) passwd on a miss; uid 0 is "root" even without an entry.
   */
  noteUser(containerId: string, pid: number, uid: number): void {
    if (uid === NO_ID) return;
    const t = this.table(containerId);
    if (t.users.has(uid)) return;
    this.refresh(t, containerId, pid);
    // libsinsp's stand-in root has no shell: it prints as <NA>.
    if (!t.users.has(uid) && uid === 0) t.users.set(0, { uid: 0, gid: 0, name: 'root', home: '/root', shell: '<NA>' });
  }

  noteGroup(containerId: string, pid: number, gid: number): void {
    if (gid === NO_ID) return;
    const t = this.table(containerId);
    if (t.groups.has(gid)) return;
    this.refresh(t, containerId, pid);
    if (!t.groups.has(gid) && gid === 0) t.groups.set(0, { gid: 0, name: 'root' });
  }

  private refresh(t: Table, containerId: string, pid: number): void {
    if (!this.readFiles) return;
    const now = Date.now();
    if (t.readAt !== 0 && now - t.readAt < this.rereadMs) return;
    if (containerId === '') {
      this.readInto(t, this.hostRoot);
      return;
    }
    // A process sharing our mount namespace sees our files, not its container's.
    if (pid <= 0 || !this.ownMountNamespace(pid)) return;
    this.readInto(t, `${this.procRoot}/${pid}/root`);
  }

  private readInto(t: Table, root: string): void {
    t.readAt = Date.now();
    const passwd = tryRead(`${root}/etc/passwd`);
    if (passwd !== undefined) for (const u of parsePasswd(passwd)) t.users.set(u.uid, u);
    const group = tryRead(`${root}/etc/group`);
    if (group !== undefined) for (const g of parseGroup(group)) t.groups.set(g.gid, g);
  }

  private ownMountNamespace(pid: number): boolean {
    try {
      this.ownMntNs ??= readlinkSync(`${this.procRoot}/self/ns/mnt`);
      return readlinkSync(`${this.procRoot}/${pid}/ns/mnt`) !== this.ownMntNs;
    } catch {
      return false;
    }
  }
}
