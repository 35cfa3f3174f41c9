// Which syscalls the sensor captures. Rules name event types (evt.type); the sensor takes syscall
// names and turns them into an in-kernel bitmap, so only what loaded rules and state tracking
// need ever leaves the kernel (Falco's "adaptive syscall set").
import { EC, EF } from '../../events/event-info.js';
import { EVENT_TABLE } from '../../events/event-table.js';

/** Everything the sensor can decode: syscall names, plus procexit (process exit, not a syscall).
 *  Must match sensor/src/loader/syscalls.c (checked by syscalls.test.ts). */
export const SENSOR_SYSCALLS: readonly string[] = [
  'execve', 'execveat', 'clone', 'clone3', 'fork', 'vfork', 'procexit',
  'open', 'openat', 'openat2', 'creat', 'close', 'dup', 'dup2', 'dup3',
  'link', 'linkat', 'symlink', 'symlinkat', 'rename', 'renameat', 'renameat2',
  'unlink', 'unlinkat', 'mkdir', 'mkdirat', 'rmdir', 'chmod', 'fchmod', 'fchmodat',
  'chdir', 'fchdir', 'pipe', 'pipe2', 'fcntl', 'memfd_create',
  'socket', 'connect', 'accept', 'accept4', 'bind', 'listen',
  'sendto', 'sendmsg', 'recvfrom', 'recvmsg', 'socketpair',
  'unshare', 'setns', 'ptrace', 'mount', 'umount2', 'bpf', 'setuid', 'setgid', 'setresuid',
  'init_module', 'finit_module', 'userfaultfd', 'prctl', 'capset',
];

const SUPPORTED = new Set(SENSOR_SYSCALLS);
const DATA_IO = EC.IO_READ | EC.IO_WRITE;

/** What thread and fd state tracking needs whatever the rules: the supported syscalls whose
 *  events modify state in libsinsp (EF_MODIFIES_STATE), as Falco's base syscall set, minus
 *  send/recv (they only complete socket tuples, and dominate the event rate on busy hosts). */
export const STATE_SYSCALLS: readonly string[] = SENSOR_SYSCALLS.filter((name) =>
  EVENT_TABLE.some(
    (e) => e.name === name && (e.flags & EF.MODIFIES_STATE) !== 0 && (e.category & DATA_IO) === 0,
  ),
);

/** The syscall set for rules matching `eventTypes` (evt.type names): the supported ones among
 *  them plus STATE_SYSCALLS, sorted. Unsupported names are left out (see unsupportedEventTypes). */
export function syscallsFor(eventTypes: Iterable<string>): string[] {
  const out = new Set(STATE_SYSCALLS);
  for (const name of eventTypes) if (SUPPORTED.has(name)) out.add(name);
  return [...out].sort();
}

/** The same from libs event codes (e.g. a rule index keyed by code). */
export function syscallsForCodes(codes: Iterable<number>): string[] {
  const names: string[] = [];
  for (const c of codes) {
    const e = EVENT_TABLE[c];
    if (e) names.push(e.name);
  }
  return syscallsFor(names);
}

/** Event types rules ask for that the sensor cannot produce, for a warning. */
export function unsupportedEventTypes(eventTypes: Iterable<string>): string[] {
  const out = new Set<string>();
  for (const name of eventTypes) if (!SUPPORTED.has(name)) out.add(name);
  return [...out].sort();
}
