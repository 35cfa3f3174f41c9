// The event path run once over synthetic events of the common syscalls, for the CLI's start-up
// snapshot (src/cli/snapshot.ts): V8 keeps in the snapshot the bytecode of every function that
// ran before it was taken, and nothing else, so a replay started from it would otherwise parse
// and compile the decoder, the state parsers and the field extractors function by function as
// its first events reach them, and the rule groups of the prepared rules on their first event.
// Everything made here is dropped, except what the ruleset keeps: its compiled groups, which
// are the rules' own and answer alike whatever events they saw first.
import { encodeEvent, eventCode, EVENT_TABLE, EventView, PT, type ParamValue } from '../events/index.js';
import type { Ruleset } from '../rules/index.js';
import { State, type EventContext, type ThreadSnapshot } from '../state/index.js';
import { Engine } from './engine.js';

/** Syscalls whose events replays and rules meet most: files, processes, network, fds (each has a
 *  current exit event: eventCode throws, and the snapshot's build fails, for one that has not). */
const SYSCALLS = [
  'openat', 'openat2', 'open', 'creat', 'close', 'read', 'write', 'execve', 'execveat', 'clone', 'clone3', 'fork', 'vfork',
  'connect', 'accept', 'accept4', 'socket', 'bind', 'listen', 'sendto', 'recvfrom', 'sendmsg', 'recvmsg', 'dup', 'dup2',
  'dup3', 'pipe', 'pipe2', 'rename', 'renameat', 'renameat2', 'unlink', 'unlinkat', 'mkdir', 'mkdirat', 'chdir', 'fchdir',
  'setuid', 'setgid', 'setns', 'unshare', 'ptrace', 'mmap', 'fcntl', 'chmod', 'fchmodat', 'symlinkat', 'linkat',
];
const TID = 100;
const FD = 3;
/** An AF_INET sockaddr (127.0.0.1:80) and a TCP tuple to it, as the sensor encodes them. */
const SOCKADDR = Buffer.from([2, 127, 0, 0, 1, 80, 0]);
const SOCKTUPLE = Buffer.from([2, 127, 0, 0, 1, 0x39, 0x30, 127, 0, 0, 1, 80, 0]);

function thread(tid: number, ptid: number, comm: string): ThreadSnapshot {
  return {
    tid, pid: tid, ptid, sid: tid, vpgid: tid, pgid: tid, vtid: tid, vpid: tid, comm, exe: comm, exepath: `/usr/bin/${comm}`, args: [],
    env: [], cwd: '/', uid: 0, gid: 0, loginuid: 0xffffffff, capPermitted: 0n, capEffective: 0n, capInheritable: 0n, cgroups: [], tty: 0,
  };
}

/** A plausible value for a parameter of type `type` (the event's result is a new fd). */
function value(type: number, index: number): ParamValue {
  switch (type) {
    case PT.CHARBUF: case PT.FSPATH: case PT.FSRELPATH: case PT.CHARBUFARRAY: case PT.CHARBUF_PAIR_ARRAY: return '/etc/hosts';
    case PT.BYTEBUF: return Buffer.from('x');
    case PT.SOCKADDR: return SOCKADDR;
    case PT.SOCKTUPLE: return SOCKTUPLE;
    case PT.FDLIST: case PT.DYN: case PT.IPV6ADDR: case PT.IPV6NET: case PT.IPADDR: case PT.IPNET: return null;
    case PT.FD: case PT.FD32: case PT.ERRNO: return index === 0 ? FD : -100;
    case PT.PID: case PT.PID32: return TID;
    default: return 0;
  }
}

/** What a warm-up ran: events, those a parser refused, and alerts the rules raised. */
export interface WarmUp {
  events: number;
  refused: number;
  alerts: number;
}

/** Runs each syscall's exit event, twice, through a state and an engine with `ruleset`. */
export function warmEventPath(ruleset: Ruleset<EventContext>): WarmUp {
  const done: WarmUp = { events: 0, refused: 0, alerts: 0 };
  const state = new State({ hostUsers: false, containerLookup: false });
  try {
    state.loadSnapshots([thread(1, 0, 'systemd'), thread(TID, 1, 'bash')]);
    const engine = new Engine(ruleset, state, () => void done.alerts++, { isoTime: false, hostname: 'warm-up' });
    const view = new EventView();
    const codes = SYSCALLS.map((name) => eventCode(name));
    let ts = 1n;
    for (let round = 0; round < 2; round++) {
      for (const code of codes) {
        const info = EVENT_TABLE[code]!;
        const record = encodeEvent({ ts: ts++, tid: TID, type: code, params: info.params.map((p, i) => value(p.type, i)) });
        done.events++;
        try {
          engine.process(view.reset(record, 0, done.events));
        } catch {
          // a synthetic event a parser refuses warms what ran before it all the same
          done.refused++;
        }
      }
    }
  } finally {
    state.close();
  }
  return done;
}
