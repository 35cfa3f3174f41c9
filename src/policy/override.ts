// Override on a kernel without bpf_override_return, fmod_ret on syscalls or BPF LSM (this
// project's): the syscalls whose work passes a cgroup BPF hook can still be denied. The policy
// sensor's syscall-entry program evaluates the selectors as for any action and marks the thread;
// the cgroup program of that syscall (attached to the root cgroup) takes the mark and fails the
// call, with the policy's errno where the kernel lets a cgroup program set it (bpf_set_retval),
// else EPERM. What this cannot cover is refused or said at load, never silently ignored.
import type { KernelFeatures } from './features.js';

interface CgroupDenial {
  /** the cgroup attach points that deny it */
  hooks: string;
  /** what the hook does not see, said at load */
  limit?: string;
}

/** x86-64 syscall number -> the cgroup programs that deny it. */
const DENIED_BY_CGROUP: ReadonlyMap<number, CgroupDenial> = new Map([
  [41, { hooks: 'cgroup/sock_create', limit: 'only AF_INET and AF_INET6 sockets pass cgroup/sock_create; other families are created' }],
  [42, { hooks: 'cgroup/connect4|6', limit: 'only AF_INET and AF_INET6 connects pass cgroup/connect4|6; other families connect' }],
  [44, { hooks: 'cgroup/sendmsg4|6', limit: 'only datagrams sent with an address (UDP, not TCP or a connected socket) pass cgroup/sendmsg4|6; others are sent' }],
  [46, { hooks: 'cgroup/sendmsg4|6', limit: 'only datagrams sent with an address (UDP, not TCP or a connected socket) pass cgroup/sendmsg4|6; others are sent' }],
  [49, { hooks: 'cgroup/bind4|6', limit: 'only AF_INET and AF_INET6 binds pass cgroup/bind4|6; other families bind' }],
  [307, { hooks: 'cgroup/sendmsg4|6', limit: 'only datagrams sent with an address (UDP, not TCP or a connected socket) pass cgroup/sendmsg4|6; others are sent' }],
]);

const ERRNO_MAX = 4095;

export interface OverrideHook {
  /** syscall numbers the hook runs on; undefined: not a syscall kprobe (a tracepoint) */
  nrs?: readonly number[];
  /** Tetragon's name of each syscall, for the messages */
  name: (nr: number) => string;
  returnProbe: boolean;
}

/** Why Override cannot be honoured on this hook, or undefined when it can. */
export function overrideRefusal(hook: OverrideHook, features: KernelFeatures): string | undefined {
  if (!hook.nrs) {
    return 'Override on a tracepoint does nothing in Tetragon (its override runs for kprobes and LSM hooks only); use a kprobe on the syscall (syscall: true)';
  }
  if (hook.returnProbe) {
    return 'Override on a return probe is not implemented by Saker\'s policy sensor: the cgroup program that denies the call runs before the syscall returns, so decide at entry (drop return: true)';
  }
  const other = hook.nrs.filter((nr) => !DENIED_BY_CGROUP.has(nr));
  if (other.length > 0) {
    return `Override on ${other.map(hook.name).join(', ')} needs bpf_override_return (CONFIG_BPF_KPROBE_OVERRIDE), fmod_ret on syscalls or BPF LSM, which this kernel does not provide; `
      + 'Saker overrides socket, connect, bind, sendto, sendmsg and sendmmsg through cgroup BPF programs; use Sigkill';
  }
  if (!features.cgroupSock) return 'Override needs cgroup sock_addr BPF programs (cgroup/connect4 ...), which this kernel does not provide';
  if (!features.cgroup2) return 'Override needs a mounted cgroup v2 hierarchy to attach its cgroup BPF programs to; none is mounted';
  return undefined;
}

/** Why this argError cannot be returned, or undefined. */
export function overrideErrorRefusal(argError: number | undefined): string | undefined {
  if (argError === undefined || argError === 0) {
    return 'Override with argError 0 (skip the call and report success) cannot be done by a cgroup program, which can only deny; give a negative errno';
  }
  if (argError > 0 || argError < -ERRNO_MAX) return `argError ${argError} is not a negative errno (-${ERRNO_MAX}..-1)`;
  return undefined;
}

/** What an honoured Override will not do as written (said at load as warnings). */
export function overrideLimits(hook: OverrideHook, argError: number, features: KernelFeatures): string[] {
  const out: string[] = [];
  if (!features.cgroupSetRetval && argError !== -1) {
    out.push(`this kernel does not let cgroup programs set the errno (bpf_set_retval): the call fails with EPERM, not ${-argError}`);
  }
  const limits = new Set((hook.nrs ?? []).map((nr) => DENIED_BY_CGROUP.get(nr)?.limit).filter((l): l is string => l !== undefined));
  for (const l of limits) out.push(`Override through cgroup BPF programs: ${l}`);
  return out;
}
