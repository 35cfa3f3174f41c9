// Tetragon's process object from Saker's state: exec ids from the node name, the exec (or clone)
// time and the pid; the parent's exec id from the parent in the thread table; pod and container
// from the container registry; capabilities by name. What the state lacks (a process that exited
// before it was seen) comes from the policy sensor's record, flagged as Tetragon flags it.
import { CAPABILITY_NAMES } from './checks.js';
import { execId, joinArguments, type PodInfo, type ProcessInfo } from './tetragon-json.js';

/** What the policy side reads of a thread (a subset of state's ThreadInfo). */
interface ThreadView {
  tid: number;
  pid: number;
  ptid: number;
  exepath: string;
  args: string[];
  cwd: string;
  uid: number;
  loginuid: number;
  capPermitted: bigint;
  capEffective: bigint;
  capInheritable: bigint;
  cloneTs: bigint;
  lastExecTs: bigint;
  containerId: string;
}

interface ContainerView {
  id: string;
  fullId: string;
  name: string;
  image: string;
  imageRepository: string;
  imageDigest: string;
  type: string;
  labels: Record<string, string>;
  podName: string;
  podNamespace: string;
}

/** The process table as the policy side sees it: the agent's State satisfies it. */
export interface ProcessTable {
  thread(tid: number): ThreadView | undefined;
  container(id: string): ContainerView | undefined;
}

function capNames(mask: bigint): string[] {
  const out: string[] = [];
  for (let i = 0; i < CAPABILITY_NAMES.length; i++) if ((mask >> BigInt(i)) & 1n) out.push(CAPABILITY_NAMES[i]!);
  return out;
}

function podOf(c: ContainerView | undefined): { pod?: PodInfo; docker?: string } {
  if (!c) return {};
  const full = c.fullId || c.id;
  const runtime = c.type === 'docker' ? 'docker' : c.type === 'cri-o' ? 'cri-o' : 'containerd';
  const pod: PodInfo | undefined = c.podName || c.podNamespace ? {
    namespace: c.podNamespace, name: c.podName, workload: c.podName,
    container: { id: `${runtime}://${full}`, name: c.name, image: c.image ? { id: c.imageDigest ? `${c.image.split(':')[0]}@${c.imageDigest}` : undefined, name: c.image } : undefined },
    labels: Object.keys(c.labels).length > 0 ? c.labels : undefined,
  } : undefined;
  return { pod, docker: full.slice(0, 31) };
}

export class ProcessInfoBuilder {
  constructor(private readonly table: ProcessTable, private readonly nodeName: string, private readonly withCreds = false) {}

  /** The process of thread group `pid` (thread `tid` for hook events), or undefined if unknown. */
  fromTable(pid: number, tid?: number): ProcessInfo | undefined {
    const t = this.table.thread(pid) ?? (tid !== undefined ? this.table.thread(tid) : undefined);
    if (!t) return undefined;
    const start = t.lastExecTs || t.cloneTs;
    const parent = t.ptid > 0 ? this.table.thread(t.ptid) : undefined;
    const container = t.containerId && t.containerId !== 'host' ? this.table.container(t.containerId) : undefined;
    return {
      execId: execId(this.nodeName, start, t.pid),
      pid: t.pid,
      uid: t.uid,
      cwd: t.cwd.length > 1 ? t.cwd.replace(/\/+$/, '') : t.cwd,
      binary: t.exepath,
      arguments: joinArguments(t.args),
      flags: `execve${t.cwd === '/' ? ' rootcwd' : ''}${t.lastExecTs ? '' : ' clone'}`,
      startTime: start,
      auid: t.loginuid >>> 0,
      ...podOf(container),
      parentExecId: parent ? execId(this.nodeName, parent.lastExecTs || parent.cloneTs, parent.pid) : undefined,
      // cap and process_credentials only with --enable-process-cred in Tetragon
      cap: this.withCreds ? { permitted: capNames(t.capPermitted), effective: capNames(t.capEffective), inheritable: capNames(t.capInheritable) } : undefined,
      tid: tid ?? t.pid,
    };
  }

  parentOf(p: ProcessInfo): ProcessInfo | undefined {
    const t = this.table.thread(p.pid);
    return t && t.ptid > 0 ? this.fromTable(t.ptid) : undefined;
  }

  /** A process the table does not know: what the sensor recorded, flagged `unknown` as Tetragon does. */
  fromRecord(r: { tgid: number; tid: number; uid: number; exe: string; startWallNs: bigint }): ProcessInfo {
    return {
      execId: execId(this.nodeName, r.startWallNs, r.tgid), pid: r.tgid, uid: r.uid, cwd: '', binary: r.exe, arguments: '',
      flags: 'unknown', startTime: r.startWallNs, auid: 4294967295, tid: r.tid,
    };
  }
}
