// The sensor's open prefilter simulated on a recorded capture: the events the kernel would have
// sent had the prefilter been on while it was recorded. Opens are decided by openSendReason (the
// kernel's mirror); closes of dropped fds are dropped; a dropped open is sent again just before a
// consumer event on its fd (pf_replay), with the consumer's thread; the fds a clone's child
// inherits keep their mark. Processes are told apart by thread id with clone children linked to
// their parent (the kernel keys by fd table and open file, which a capture does not show).
import { existsSync, statSync } from 'node:fs';
import { openSendReason, type OpenPrefilterTable } from '../capture/live/index.js';
import { EVENT_TABLE, EventView, PT } from '../events/index.js';

/** Open-family exit events the kernel decides on, with the index of their path parameter and
 *  of their flags parameter. */
const PREFILTERED: Record<string, { path: number; flags: number }> = {
  PPME_SYSCALL_OPEN_X: { path: 1, flags: 2 },
  PPME_SYSCALL_OPENAT_2_X: { path: 2, flags: 3 },
  PPME_SYSCALL_OPENAT2_X: { path: 2, flags: 3 },
};
const OPEN_PARAMS = new Map<number, { path: number; flags: number }>();
EVENT_TABLE.forEach((e, code) => {
  const p = e && PREFILTERED[e.id];
  if (p) OPEN_PARAMS.set(code, p);
});
const CLOSE_X = EVENT_TABLE.findIndex((e) => e?.id === 'PPME_SYSCALL_CLOSE_X');
const CLONE_CHILD_PTID = new Map<number, number>(); // clone-family exit code -> ptid parameter index
EVENT_TABLE.forEach((e, code) => {
  if (e && /^PPME_SYSCALL_(CLONE_20|FORK_20|VFORK_20|CLONE3)_X$/.test(e.id)) CLONE_CHILD_PTID.set(code, e.params.findIndex((p) => p.name === 'ptid'));
});
const DIRECTORY = 1024; // PPM O_DIRECTORY
/** The kernel marks dropped fds below this in a bitmap per fd table (PF_FD_BITS in
 *  sensor/src/bpf/maps.bpf.h); the close of a higher one is sent. */
const MARKED_FDS = 1024;

export interface PrefilterReplay {
  events: Buffer[];
  droppedOpens: number;
  droppedCloses: number;
  replayed: number;
}

/** `events` (records in capture order) as the kernel would have sent them under `table`;
 *  `tgids`: thread id -> process id from the capture's process table (completed from clones). */
export function prefilterCapture(table: OpenPrefilterTable, events: readonly Buffer[], tgids: Map<number, number>): PrefilterReplay {
  const view = new EventView();
  /** Per thread, its dropped fds and the open records that made them. */
  const dropped = new Map<number, Map<number, Buffer>>();
  const consumers = new Set(table.consumers);
  const out: Buffer[] = [];
  let droppedOpens = 0, droppedCloses = 0, replayed = 0;
  const fdsOf = (tid: number): Map<number, Buffer> => {
    let m = dropped.get(tid);
    if (!m) dropped.set(tid, (m = new Map<number, Buffer>()));
    return m;
  };
  events.forEach((rec, i) => {
    view.reset(rec, 0, i + 1);
    const thread = Number(rec.readBigUInt64LE(8));
    const type = view.type;
    const ptidAt = CLONE_CHILD_PTID.get(type);
    if (ptidAt !== undefined && view.int(0) === 0 && view.hasParam(4)) tgids.set(thread, view.int(4));
    const tid = tgids.get(thread) ?? thread; // the process: its threads share the fd table
    const open = OPEN_PARAMS.get(type);
    if (open) {
      const res = view.int(0);
      const path = view.bytes(open.path);
      const name = path.length > 0 && path[path.length - 1] === 0 ? path.subarray(0, path.length - 1) : path;
      const flags = view.uint(open.flags);
      const text = name.toString('latin1');
      // a directory is always sent: the capture does not say, the file system here does
      const dir = res >= 0 && ((flags & DIRECTORY) !== 0 || (existsSync(text) && statSync(text).isDirectory()));
      if (openSendReason(table, name, flags, res, dir) === undefined) {
        droppedOpens++;
        if (res >= 0) fdsOf(tid).set(res, rec);
        return;
      }
      if (res >= 0) dropped.get(tid)?.delete(res);
      out.push(rec);
      return;
    }
    if (type === CLOSE_X && table.closes) {
      const fd = view.int(1);
      if (fd < MARKED_FDS && dropped.get(tid)?.delete(fd)) {
        droppedCloses++;
        return;
      }
    }
    const info = EVENT_TABLE[type];
    if (info && consumers.has(info.name)) {
      const fdParam = info.params.findIndex((p, k) => k > 0 && p.type === PT.FD);
      const fd = fdParam > 0 && view.hasParam(fdParam) ? view.int(fdParam) : -1;
      const openRec = dropped.get(tid)?.get(fd);
      if (openRec) {
        const again = Buffer.from(openRec);
        again.writeBigUInt64LE(BigInt(thread), 8);
        again.writeBigUInt64LE(rec.readBigUInt64LE(0) - 1n, 0);
        out.push(again);
        dropped.get(tid)!.delete(fd);
        replayed++;
      }
    }
    if (ptidAt !== undefined && ptidAt >= 0 && view.int(0) === 0 && view.hasParam(ptidAt)) {
      const ptid = view.int(ptidAt);
      const parent = dropped.get(tgids.get(ptid) ?? ptid);
      if (parent && parent.size > 0 && (tgids.get(ptid) ?? ptid) !== tid) dropped.set(tid, new Map(parent));
    }
    // any other fd the engine learns of (a result that is an fd) loses its mark, as pf_forget
    if (info && info.params[0]?.type === PT.FD && view.hasParam(0) && view.int(0) >= 0) dropped.get(tid)?.delete(view.int(0));
    out.push(rec);
  });
  return { events: out, droppedOpens, droppedCloses, replayed };
}
