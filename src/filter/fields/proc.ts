// proc.* and thread.* fields: the process and thread that produced the event, and its ancestors.
import { type EventContext, type ThreadInfo, cmdline } from '../../state/model/index.js';
import { capsToString } from './caps.js';
import { indexArg, ofThread, simple, withArg } from './define.js';
import type { BoundField, FieldDef, FieldType, Value } from './types.js';

/** An fd type as libs names it: <NA> (the text) for a type it has no name for (sinsp_fdinfo::get_typestring). */
const typeString = (type: string | undefined): string | undefined => (type === 'unknown' ? '<NA>' : type);

const PPM_EXE_WRITABLE = 1 << 0;
const PPM_EXE_UPPER_LAYER = 1 << 1;
const PPM_EXE_FROM_MEMFD = 1 << 2;
const PPM_EXE_LOWER_LAYER = 1 << 3;

const parentOf = (ctx: EventContext, t: ThreadInfo): ThreadInfo | undefined => ctx.state.ancestor(t, 1);
const mainOf = (ctx: EventContext, t: ThreadInfo): ThreadInfo => ctx.state.mainThread(t) ?? t;

const ofParent = (name: string, type: FieldType, desc: string, get: (p: ThreadInfo) => Value | undefined): FieldDef =>
  ofThread(name, type, desc, (t, ctx) => {
    const p = parentOf(ctx, t);
    return p ? get(p) : undefined;
  });

/** The values of every ancestor from the parent up (outputs of the no-index ancestor form). */
function ancestorValues(ctx: EventContext, t: ThreadInfo, get: (a: ThreadInfo) => Value): string {
  const out: string[] = [];
  ctx.state.forEachAncestor(t, (a) => {
    out.push(String(get(a)));
    return true;
  });
  return out.join(' ');
}

function anyAncestor(ctx: EventContext, t: ThreadInfo, pred: (a: ThreadInfo) => boolean): boolean {
  let hit = false;
  ctx.state.forEachAncestor(t, (a) => !(hit = pred(a)));
  return hit;
}

/** Ancestor field: `[N]` selects one ancestor (0 = self); no index = any ancestor in filters. */
function ancestorField(name: string, type: FieldType, desc: string, get: (a: ThreadInfo) => Value): FieldDef {
  return withArg(name, type, desc, 'optional', (arg): BoundField => {
    if (arg === undefined) {
      return {
        // In outputs the no-index form prints every ancestor's value, space-separated.
        extract: (ctx) => (ctx.thread ? ancestorValues(ctx, ctx.thread, get) : undefined),
        anyAncestor: (ctx, pred) => (ctx.thread ? anyAncestor(ctx, ctx.thread, (a) => pred(get(a))) : false),
      };
    }
    const n = indexArg(name, arg);
    return {
      extract: (ctx) => {
        const a = ctx.thread && ctx.state.ancestor(ctx.thread, n);
        return a ? get(a) : undefined;
      },
    };
  }, { noRhs: true, noTransformer: true });
}

/** proc.env / proc.env[NAME]: the environment as a string, or one variable. */
function envField(name: string, desc: string, pick: (ctx: EventContext) => ThreadInfo | undefined, extra = {}): FieldDef {
  return withArg(name, 'string', desc, 'optional', (arg): BoundField => {
    if (arg === undefined) return { extract: (ctx) => pick(ctx)?.env.join(' ') };
    const prefix = `${arg}=`;
    return {
      extract: (ctx) => {
        const t = pick(ctx);
        if (!t) return undefined;
        for (const e of t.env) if (e.startsWith(prefix)) return e.slice(prefix.length);
        return undefined;
      },
    };
  }, extra);
}

const nsSince = (ctx: EventContext, since: bigint): number | undefined =>
  since > 0n ? Number(ctx.evt.ts - since) : undefined;

function argsField(name: string, desc: string): FieldDef {
  return withArg(name, 'string', desc, 'optional', (arg): BoundField => {
    if (arg === undefined) return { extract: (ctx) => ctx.thread?.args.join(' ') };
    const n = indexArg(name, arg);
    return { extract: (ctx) => ctx.thread?.args[n] };
  });
}

export const PROC_FIELDS: FieldDef[] = [
  ofThread('proc.exe', 'string', 'First command-line argument (argv[0]) of the process.', (t) => t.exe),
  ofParent('proc.pexe', 'string', 'proc.exe of the parent process.', (p) => p.exe),
  ancestorField('proc.aexe', 'string', 'proc.exe of an ancestor: [N] (0 = self), or any ancestor without index.', (a) => a.exe),
  ofThread('proc.exepath', 'string', 'Full path of the executable, symlinks resolved.', (t) => t.exepath),
  ofParent('proc.pexepath', 'string', 'proc.exepath of the parent process.', (p) => p.exepath),
  ancestorField('proc.aexepath', 'string', 'proc.exepath of an ancestor: [N], or any ancestor.', (a) => a.exepath),
  ofThread('proc.name', 'string', 'Process name (task comm, up to 16 chars).', (t) => t.comm),
  ofParent('proc.pname', 'string', 'proc.name of the parent process.', (p) => p.comm),
  ancestorField('proc.aname', 'string', 'proc.name of an ancestor: [N] (0 = self, 1 = parent), or any ancestor.', (a) => a.comm),
  argsField('proc.args', 'Command-line arguments after argv[0], space-separated; [N] for one.'),
  ofThread('proc.cmdline', 'string', 'proc.name followed by proc.args.', (t) => cmdline(t)),
  ofParent('proc.pcmdline', 'string', 'proc.cmdline of the parent process.', (p) => cmdline(p)),
  ancestorField('proc.acmdline', 'string', 'proc.cmdline of an ancestor: [N], or any ancestor.', (a) => cmdline(a)),
  ofThread('proc.cmdnargs', 'uint', 'Number of command-line arguments.', (t) => t.args.length),
  ofThread('proc.cmdlenargs', 'uint', 'Total length of the command-line arguments.', (t) => t.args.reduce((s, a) => s + a.length, 0)),
  ofThread('proc.exeline', 'string', 'proc.exe followed by proc.args.', (t) => `${t.exe} ${t.args.join(' ')}`),
  envField('proc.env', 'Environment as NAME=value pairs, space-separated; [NAME] for one variable.', (ctx) => ctx.thread),
  envField('proc.penv', 'proc.env of the parent process.', (ctx) => (ctx.thread ? parentOf(ctx, ctx.thread) : undefined)),
  ofThread('proc.cwd', 'string', 'Current working directory.', (t, ctx) => ctx.state.cwd(t)),
  ofThread('proc.tty', 'uint', 'Controlling terminal (0 when none).', (t) => t.tty),
  ofThread('proc.pid', 'int', 'Process id.', (t) => t.pid),
  // The parent thread may be any thread of the parent process (a Go runtime forks from whichever
  // thread runs): proc.ppid is that process's pid, as /proc/PID/status PPid and libsinsp say.
  ofParent('proc.ppid', 'int', 'Parent process id.', (p) => p.pid),
  ancestorField('proc.apid', 'int', 'Pid of an ancestor: [N], or any ancestor.', (a) => a.pid),
  // -1 (a thread the table gave no namespace ids) has no value (sinsp_filtercheck_thread.cpp TYPE_VPID, TYPE_VTID).
  ofThread('proc.vpid', 'int', 'Process id in its pid namespace.', (t) => (t.vpid === -1 ? undefined : t.vpid)),
  ofParent('proc.pvpid', 'int', 'proc.vpid of the parent process.', (p) => p.vpid),
  ofThread('proc.sid', 'int', 'Session id.', (t) => t.sid),
  ofThread('proc.sname', 'string', 'Name of the session leader.', (t, ctx) => ctx.state.sessionLeader(t)?.comm ?? ''),
  ofThread('proc.sid.exe', 'string', 'proc.exe of the session leader.', (t, ctx) => ctx.state.sessionLeader(t)?.exe ?? ''),
  ofThread('proc.sid.exepath', 'string', 'proc.exepath of the session leader.', (t, ctx) => ctx.state.sessionLeader(t)?.exepath ?? ''),
  ofThread('proc.vpgid', 'int', 'Process group id in its pid namespace.', (t) => t.vpgid),
  ofThread('proc.vpgid.name', 'string', 'Name of the process group leader (virtual pgid).', (t, ctx) => ctx.state.vpgidLeader(t)?.comm ?? ''),
  ofThread('proc.vpgid.exe', 'string', 'proc.exe of the process group leader (virtual pgid).', (t, ctx) => ctx.state.vpgidLeader(t)?.exe ?? ''),
  ofThread('proc.vpgid.exepath', 'string', 'proc.exepath of the process group leader (virtual pgid).', (t, ctx) => ctx.state.vpgidLeader(t)?.exepath ?? ''),
  ofThread('proc.pgid', 'int', 'Process group id.', (t) => t.pgid),
  ofThread('proc.pgid.name', 'string', 'Name of the process group leader.', (t, ctx) => ctx.state.pgidLeader(t)?.comm ?? ''),
  ofThread('proc.pgid.exe', 'string', 'proc.exe of the process group leader.', (t, ctx) => ctx.state.pgidLeader(t)?.exe ?? ''),
  ofThread('proc.pgid.exepath', 'string', 'proc.exepath of the process group leader.', (t, ctx) => ctx.state.pgidLeader(t)?.exepath ?? ''),
  // libs reads the event's own thread (sinsp_filtercheck_thread.cpp TYPE_DURATION): a thread's
  // first event says 0, not the time since its process started.
  ofThread('proc.duration', 'reltime', 'Nanoseconds since the thread started (libs: the event thread, not the main thread).', (t, ctx) => nsSince(ctx, t.cloneTs)),
  ofThread('proc.ppid.duration', 'reltime', 'Nanoseconds since the parent process started.', (t, ctx) => {
    const p = parentOf(ctx, t);
    return p ? nsSince(ctx, p.cloneTs) : undefined;
  }),
  // libs types these two RELTIME, but they are epoch timestamps past 2^53: Saker keeps them as
  // abstime (a bigint) so that they print and compare to the nanosecond, as libs' uint64 does.
  // proc.pid.ts: the thread's own clone time (libs: tinfo->m_clone_ts, none when 0); proc.ppid.ts:
  // the clone time of the parent *thread* (by ptid, not the parent process), printed even when 0
  // (sinsp_filtercheck_thread.cpp TYPE_PID_CLONE_TS / TYPE_PPID_CLONE_TS).
  ofThread('proc.pid.ts', 'abstime', 'Process start time, ns since the epoch.', (t) => (t.cloneTs > 0n ? t.cloneTs : undefined)),
  ofThread('proc.ppid.ts', 'abstime', 'Parent process start time, ns since the epoch.', (t, ctx) => ctx.state.thread(t.ptid)?.cloneTs),
  ofThread('proc.is_exe_writable', 'bool', 'True when the executable is writable by the process user.', (t) => (t.exeFlags & PPM_EXE_WRITABLE) !== 0),
  ofThread('proc.is_exe_upper_layer', 'bool', 'True when the executable is in the upper layer of an overlayfs (written in the container).', (t) => (t.exeFlags & PPM_EXE_UPPER_LAYER) !== 0),
  ofThread('proc.is_exe_lower_layer', 'bool', 'True when the executable is in a lower (image) layer of an overlayfs.', (t) => (t.exeFlags & PPM_EXE_LOWER_LAYER) !== 0),
  ofThread('proc.is_exe_from_memfd', 'bool', 'True when the executable is an anonymous memfd file.', (t) => (t.exeFlags & PPM_EXE_FROM_MEMFD) !== 0),
  // The session id is the one the process's own pid namespace gives (the driver reads it there), so
  // libs compares it with the vpid (sinsp_filtercheck_thread.cpp TYPE_IS_SID_LEADER): a container's
  // init leads session 1.
  ofThread('proc.is_sid_leader', 'bool', 'True when the process leads its session.', (t) => t.vpid === t.sid),
  ofThread('proc.is_vpgid_leader', 'bool', 'True when the process leads its (virtual) process group.', (t) => t.vpid === t.vpgid),
  ofThread('proc.is_pgid_leader', 'bool', 'True when the process leads its process group.', (t) => t.pid === t.pgid),
  ofThread('proc.exe_ino', 'int', 'Inode of the executable.', (t) => (t.exeIno === 0 ? undefined : t.exeIno)),
  ofThread('proc.exe_ino.ctime', 'abstime', 'Inode change time of the executable, ns since the epoch.', (t) => (t.exeInoCtime === 0n ? undefined : t.exeInoCtime)),
  ofThread('proc.exe_ino.mtime', 'abstime', 'Modification time of the executable, ns since the epoch.', (t) => (t.exeInoMtime === 0n ? undefined : t.exeInoMtime)),
  ofThread('proc.exe_ino.ctime_duration_proc_start', 'abstime', 'Nanoseconds from the executable inode change to the process start.', (t, ctx) => {
    const start = mainOf(ctx, t).cloneTs;
    return t.exeInoCtime > 0n && start > 0n ? start - t.exeInoCtime : undefined;
  }),
  ofThread('proc.exe_ino.ctime_duration_pidns_start', 'abstime', 'Nanoseconds from the pid namespace start to the executable inode change.', (t) =>
    t.exeInoCtime > 0n && t.pidnsInitStartTs > 0n ? t.exeInoCtime - t.pidnsInitStartTs : undefined),
  ofThread('proc.pidns_init_start_ts', 'uint', 'Start time of the pid namespace, ns since the epoch.', (t) => (t.pidnsInitStartTs === 0n ? undefined : Number(t.pidnsInitStartTs))),
  // libs counts the main thread's table: a thread whose process is unknown (a placeholder, pid -1)
  // has none, so 0 even for the fds it opened itself (threadinfo.cpp get_fd_opencount).
  ofThread('proc.fdopencount', 'uint', 'Number of open fds of the process.', (t, ctx) => (ctx.state.mainThread(t) === undefined ? 0 : t.shared.fds.size)),
  ofThread('thread.cap_permitted', 'string', 'Permitted capabilities.', (t) => capsToString(t.capPermitted)),
  ofThread('thread.cap_inheritable', 'string', 'Inheritable capabilities.', (t) => capsToString(t.capInheritable)),
  ofThread('thread.cap_effective', 'string', 'Effective capabilities.', (t) => capsToString(t.capEffective)),
  // The event's thread id even where no thread is known (an async event's 0 or 1), as libs does
  // (sinsp_filtercheck_thread.cpp TYPE_TID: evt->get_tid(), within [-1, UINT32_MAX]).
  simple('thread.tid', 'int', 'Thread id.', (ctx) => (ctx.thread ? ctx.thread.tid : ctx.evt.tid >= -1 && ctx.evt.tid <= 0xffffffff ? ctx.evt.tid : undefined)),
  ofThread('thread.ismain', 'bool', 'True for the main thread of the process.', (t) => t.tid === t.pid),
  ofThread('thread.vtid', 'int', 'Thread id in its pid namespace.', (t) => (t.vtid === -1 ? undefined : t.vtid)),
  ofThread('thread.cgroups', 'string', 'All cgroups of the thread.', (t) => (t.cgroups.length === 0 ? undefined : t.cgroups.join(' '))),
  withArg('thread.cgroup', 'string', 'The cgroup of the thread for one subsystem, e.g. thread.cgroup.cpuacct.', 'required', (arg): BoundField => {
    const prefix = `${arg}=`;
    return { extract: (ctx) => { const c = ctx.thread?.cgroups.find((x) => x.startsWith(prefix)); return c?.slice(prefix.length); } };
  }, { dottedArg: true }),
  ofThread('proc.stdin.type', 'string', 'Type of fd 0.', (t) => typeString(t.shared.fds.get(0)?.type)),
  ofThread('proc.stdout.type', 'string', 'Type of fd 1.', (t) => typeString(t.shared.fds.get(1)?.type)),
  ofThread('proc.stderr.type', 'string', 'Type of fd 2.', (t) => typeString(t.shared.fds.get(2)?.type)),
  ofThread('proc.stdin.name', 'string', 'Name of fd 0.', (t) => t.shared.fds.get(0)?.name),
  ofThread('proc.stdout.name', 'string', 'Name of fd 1.', (t) => t.shared.fds.get(1)?.name),
  ofThread('proc.stderr.name', 'string', 'Name of fd 2.', (t) => t.shared.fds.get(2)?.name),
];
