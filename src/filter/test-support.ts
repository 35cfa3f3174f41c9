// Builds event contexts for unit tests of fields, conditions and outputs with the real state:
// threads seeded as a capture's process list would seed them, events encoded in the libs layout
// and run through the state parser, exactly as the engine sees them.
import { encodeEvent, eventCode, type ParamValue, EventView } from '../events/index.js';
import { type FdSnapshot, type ThreadSnapshot, State, type EventContext } from '../state/index.js';

export function thread(over: Partial<ThreadSnapshot> & { tid: number }): ThreadSnapshot {
  return {
    pid: over.tid, ptid: 1, sid: over.tid, vpgid: over.tid, pgid: over.tid, vtid: over.tid, vpid: over.tid,
    comm: 'bash', exe: '/bin/bash', exepath: '/bin/bash', args: [], env: [], cwd: '/', tty: 0,
    loginuid: 0xffffffff, uid: 0, gid: 0, capPermitted: 0n, capEffective: 0n, capInheritable: 0n, cgroups: [],
    ...over,
  };
}

export function fileFd(fd: number, name: string, openFlags = 1): FdSnapshot {
  return { fd, type: 'file', name, openFlags };
}

/** A replay-mode State (no /proc, no host users) seeded with the given threads and root/root. */
export function testState(...threads: ThreadSnapshot[]): State {
  const s = new State({ hostUsers: false, containerLookup: false });
  s.users.addUser('', { uid: 0, gid: 0, name: 'root', home: '/root', shell: '/bin/bash' });
  s.users.addGroup('', { gid: 0, name: 'root' });
  s.loadSnapshots(threads);
  return s;
}

export interface EventOpts {
  ts?: bigint;
  num?: number;
}

let num = 0;

/** Runs event `name` (current exit layout) from thread `tid` through the state; returns its context. */
export function contextFor(state: State, name: string, tid: number, params: ParamValue[], o: EventOpts = {}): EventContext {
  const rec = encodeEvent({ ts: o.ts ?? 1_700_000_000_000_000_000n, tid, type: eventCode(name), params });
  const evt = new EventView().reset(rec, 0, o.num ?? ++num);
  return state.process(evt);
}
