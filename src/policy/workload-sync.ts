// Keeps the policy sensor's workloads map in step with the containers the agent knows: for each
// policy with a podSelector/containerSelector (or a namespaced one), the mount namespace of every
// container it selects. The kernel's hooks of such a policy run only for tasks in those mount
// namespaces. A container joins when the agent sees a process of it exec (its first one is
// already running by then: the policy applies from the agent's sight of it on, as Tetragon's
// policy filter applies from its pod watcher's); its metadata is read again at each exec, so a
// container described late (a runtime's API answering after the event) is matched on the full
// description. A reload clears every policy's entries and sends them again. The host's mount
// namespace is never a container's: a process the state already places in a container can still
// be in the host's (runc's init for `runc exec` joins the cgroup before the namespaces), and
// sending it would apply the policy to every host process.
import { readdirSync, readlinkSync } from 'node:fs';
import { hostNamespaceInode } from './compile.js';
import type { TracingPolicy } from './types.js';
import { policySelects, selectsWorkloads, type WorkloadView } from './workloads.js';

/** What the sync reads of the agent's state (its State satisfies it). */
export interface WorkloadTable {
  thread(tid: number): { containerId: string } | undefined;
  container(id: string): WorkloadView | undefined;
}

export interface WorkloadSender {
  /** Clears the entries of `clear` (policy slots), then adds each [slot, mount namespace]. */
  workloads(clear: readonly number[], add: ReadonlyArray<readonly [number, number]>): Promise<void>;
}

interface Known { mntns: number; signature: string }

/** The mount namespace inode of process `pid`, 0 when it has gone. */
function mntnsOf(procRoot: string, pid: number): number {
  try {
    return Number(/\[(\d+)\]/.exec(readlinkSync(`${procRoot}/${pid}/ns/mnt`))?.[1] ?? 0);
  } catch {
    return 0;
  }
}

/** The host's mount namespace: pid 1's, or the agent's own where pid 1's cannot be read (as compile.ts's host_ns). */
function hostMountNamespace(procRoot: string): number {
  try {
    return hostNamespaceInode(procRoot, 2);
  } catch {
    return 0;
  }
}

function signatureOf(c: WorkloadView): string {
  return JSON.stringify([c.name, c.imageRepository, c.podName, c.podNamespace, c.labels]);
}

export class WorkloadSync {
  private readonly known = new Map<string, Known>();
  private policies: Array<{ slot: number; policy: TracingPolicy }> = [];
  private readonly hostMntns: number;

  /** `procRoot`: the host's procfs (under HOST_ROOT in a DaemonSet): the pids are the host's. */
  constructor(private readonly table: WorkloadTable, private readonly sender: WorkloadSender, private readonly procRoot = '/proc') {
    this.hostMntns = hostMountNamespace(procRoot);
  }

  /** Process `pid`'s mount namespace, 0 when it has gone or is still the host's. */
  private readMntns(pid: number): number {
    const mntns = mntnsOf(this.procRoot, pid);
    return mntns === this.hostMntns ? 0 : mntns;
  }

  /** A new set of policies (`slot` per policy): every slot's entries cleared, the selected containers sent. */
  async reset(policies: ReadonlyArray<{ slot: number; policy: TracingPolicy }>, pids: readonly number[] = listPids(this.procRoot)): Promise<void> {
    this.policies = policies.filter((p) => selectsWorkloads(p.policy));
    for (const pid of pids) this.learn(pid);
    const add: Array<[number, number]> = [];
    for (const [id, k] of this.known) {
      const c = this.table.container(id);
      if (c) add.push(...this.selecting(c).map((slot) => [slot, k.mntns] as [number, number]));
    }
    await this.sender.workloads(policies.map((p) => p.slot), add);
  }

  /** A process of a container the agent saw exec: that container, if new or newly described, joins the policies selecting it. */
  observe(tid: number): Promise<void> | undefined {
    if (this.policies.length === 0) return undefined;
    const k = this.learn(tid);
    if (!k) return undefined;
    return this.sender.workloads([], k.slots.map((slot) => [slot, k.mntns] as const));
  }

  /** Records thread `tid`'s container; returns what to send when it is new or its description changed. */
  private learn(tid: number): { mntns: number; slots: number[] } | undefined {
    const id = this.table.thread(tid)?.containerId;
    if (!id || id === 'host') return undefined;
    const c = this.table.container(id);
    if (!c) return undefined; // not described yet: the next exec in it tries again
    const signature = signatureOf(c);
    const prev = this.known.get(id);
    if (prev?.signature === signature) return undefined;
    // the exec'd process may be gone already (a short `runc exec`): any live process of the container will do
    const mntns = prev?.mntns || this.readMntns(tid) || this.memberMntns(id);
    if (!mntns) return undefined;
    this.known.set(id, { mntns, signature });
    return { mntns, slots: this.selecting(c) };
  }

  /** The mount namespace of some live process of container `id` (a walk of /proc: once per container at most). */
  private memberMntns(id: string): number {
    for (const pid of listPids(this.procRoot)) {
      if (this.table.thread(pid)?.containerId !== id) continue;
      const mntns = this.readMntns(pid);
      if (mntns) return mntns;
    }
    return 0;
  }

  private selecting(c: WorkloadView): number[] {
    return this.policies.filter((p) => policySelects(p.policy, c)).map((p) => p.slot);
  }
}

function listPids(procRoot: string): number[] {
  return readdirSync(procRoot).filter((n) => /^\d+$/.test(n)).map(Number);
}
