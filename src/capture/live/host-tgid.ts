// The agent's thread-group id as the kernel's initial pid namespace numbers it. The sensor's
// in-kernel self-exclusion compares host tgids (bpf_get_current_pid_tgid), so an agent running in
// its own pid namespace must not pass process.pid: there it is a small number (often 1) that names
// some unrelated host process, whose events would then vanish in the kernel.
import { readFileSync, readlinkSync } from 'node:fs';

/** The inode of the initial pid namespace (PROC_PID_INIT_INO in the kernel's proc_ns.h). */
const INIT_PID_NS = 'pid:[4026531836]';

function readlinkOr(path: string): string | undefined {
  try {
    return readlinkSync(path);
  } catch {
    return undefined;
  }
}

/** The NSpid line of a /proc/<pid>/status text: the pid in each namespace, outermost first. */
export function parseNsPid(status: string): number[] {
  const m = /^NSpid:\s*([\d\s]+)$/m.exec(status);
  if (m === null) return [];
  return m[1]!.trim().split(/\s+/).map(Number).filter((n) => Number.isInteger(n) && n > 0);
}

/**
 * This process's host tgid, or undefined when it cannot be known from here (the agent is in a
 * child pid namespace and its /proc belongs to that namespace). `procRoot` is where procfs is.
 */
export function hostTgid(procRoot = '/proc', pid = process.pid): number | undefined {
  // In the initial namespace our own pid is the host's.
  if (readlinkOr(`${procRoot}/self/ns/pid`) === INIT_PID_NS) return pid;
  let status: string;
  try {
    status = readFileSync(`${procRoot}/self/status`, 'latin1');
  } catch {
    return undefined;
  }
  const ids = parseNsPid(status);
  // NSpid starts at the namespace of the procfs mount: its first entry is a host pid only when that
  // procfs is the initial namespace's.
  if (ids.length >= 2 && procfsIsInitial(procRoot)) return ids[0];
  return undefined;
}

/**
 * Whether the procfs at `procRoot` numbers the initial pid namespace: its pid 1's namespace link
 * says so, or, where reading that link across namespaces is refused (EACCES), its pid 2 is the
 * kernel's kthreadd, which has no parent (PPid 0) and exists only in the initial namespace.
 */
function procfsIsInitial(procRoot: string): boolean {
  const link = readlinkOr(`${procRoot}/1/ns/pid`);
  if (link !== undefined) return link === INIT_PID_NS;
  try {
    const st = readFileSync(`${procRoot}/2/status`, 'latin1');
    return /^Name:\s*kthreadd$/m.test(st) && /^PPid:\s*0$/m.test(st);
  } catch {
    return false;
  }
}
