// Builds event contexts for unit tests of fields, conditions and outputs: a thread table held in
// a Map and events encoded in the libs layout, exactly as the engine sees them.
import { encodeEvent, eventCode, type ParamValue } from '../events/encode.js';
import { EventView } from '../events/event.js';
import type { ContainerInfo, EventContext, FdInfo, GroupInfo, StateView, ThreadInfo, UserInfo } from '../state/types.js';

export function thread(over: Partial<ThreadInfo> & { tid: number }): ThreadInfo {
  return {
    pid: over.tid, ptid: 1, sid: over.tid, vpgid: over.tid, pgid: over.tid, vtid: over.tid, vpid: over.tid,
    comm: 'bash', exe: '/bin/bash', exepath: '/bin/bash', args: [], env: [], cwd: '/', tty: 0,
    loginuid: 0xffffffff, uid: 0, gid: 0, capPermitted: 0n, capEffective: 0n, capInheritable: 0n, exeFlags: 0,
    exeIno: 0, exeInoCtime: 0n, exeInoMtime: 0n, cloneTs: 0n, lastExecTs: 0n, pidnsInitStartTs: 0n, cgroups: [],
    containerId: '', shared: { fds: new Map() },
    ...over,
  };
}

export function fileFd(name: string, over: Partial<FdInfo> = {}): FdInfo {
  return { type: 'file', name, nameRaw: name, openFlags: 1, dev: 0, ino: 0, cloexec: false, ...over };
}

export class TestState implements StateView {
  threads = new Map<number, ThreadInfo>();
  users = new Map<number, UserInfo>([[0, { uid: 0, gid: 0, name: 'root', home: '/root', shell: '/bin/bash' }]]);
  groups = new Map<number, GroupInfo>([[0, { gid: 0, name: 'root' }]]);
  containers = new Map<string, ContainerInfo>();

  add(...ts: ThreadInfo[]): this {
    for (const t of ts) this.threads.set(t.tid, t);
    return this;
  }
  thread(tid: number): ThreadInfo | undefined {
    return this.threads.get(tid);
  }
  user(uid: number): UserInfo | undefined {
    return this.users.get(uid);
  }
  group(gid: number): GroupInfo | undefined {
    return this.groups.get(gid);
  }
  container(id: string): ContainerInfo | undefined {
    return this.containers.get(id);
  }
}

export interface EventOpts {
  ts?: bigint;
  fdNum?: number;
  fd?: FdInfo;
  num?: number;
}

/** A context for event `name` (current exit layout) from thread `tid` with the given params. */
export function contextFor(state: TestState, name: string, tid: number, params: ParamValue[], o: EventOpts = {}): EventContext {
  const rec = encodeEvent({ ts: o.ts ?? 1_700_000_000_000_000_000n, tid, type: eventCode(name), params });
  const evt = new EventView().reset(rec, 0, o.num ?? 1);
  return { evt, thread: state.thread(tid), fdNum: o.fdNum ?? -1, fd: o.fd, fdNameChanged: false, state };
}
