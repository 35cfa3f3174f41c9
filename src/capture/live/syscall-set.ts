// Which syscalls the sensor captures. Rules name event types (evt.type); the sensor takes syscall
// names and turns them into an in-kernel bitmap, so only what loaded rules and state tracking
// need ever leaves the kernel (Falco's "adaptive syscall set").
import { EC, EF } from '../../events/index.js';
import { EVENT_TABLE } from '../../events/index.js';
import { X64_SYSCALLS } from '../../events/index.js';

/** What the sensor decodes with parameters, apart from HIGH_VOLUME_SYSCALLS: evt.type names,
 *  plus procexit (process exit, not a syscall); what `saker capture` records. Every other x86-64
 *  syscall (X64_SYSCALLS) is captured too when asked for, as its libs event carrying only the
 *  return value, or as a generic event (evt.type is still its name). */
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
  'chown', 'lchown', 'fchown', 'fchownat', 'open_by_handle_at', 'close_range',
  'kill', 'tkill', 'tgkill', 'chroot', 'setsid', 'setreuid', 'setregid', 'setresgid',
  'pidfd_open', 'pidfd_getfd', 'process_vm_readv', 'process_vm_writev',
  'io_uring_setup', 'io_uring_enter', 'io_uring_register',
];

/** Decoded too, but only captured when a rule names them: every process makes many of these
 *  (data I/O, memory mappings), and evt.buffer copies are the costliest records there are. */
const HIGH_VOLUME_SYSCALLS: readonly string[] = [
  'read', 'write', 'pread', 'pwrite', 'readv', 'writev', 'preadv', 'pwritev', 'mmap', 'mprotect',
];

/** Every name the sensor decodes (sensor/src/loader/syscalls.c). */
export const DECODED_SYSCALLS: readonly string[] = [...SENSOR_SYSCALLS, ...HIGH_VOLUME_SYSCALLS];

/** Every name the sensor can capture: decoded or not. */
export const CAPTURABLE_SYSCALLS: readonly string[] = [...new Set([...DECODED_SYSCALLS, ...X64_SYSCALLS.map(([, , evtType]) => evtType)])];

const SUPPORTED = new Set(CAPTURABLE_SYSCALLS);
const DECODED = new Set(DECODED_SYSCALLS);
const DATA_IO = EC.IO_READ | EC.IO_WRITE;

/** What thread and fd state tracking needs whatever the rules: the supported syscalls whose
 *  events modify state in libsinsp (EF_MODIFIES_STATE), as Falco's base syscall set, minus
 *  send/recv (they only complete socket tuples, and dominate the event rate on busy hosts). */
export const STATE_SYSCALLS: readonly string[] = SENSOR_SYSCALLS.filter((name) =>
  EVENT_TABLE.some(
    (e) => e.name === name && (e.flags & EF.MODIFIES_STATE) !== 0 && (e.category & DATA_IO) === 0,
  ),
);

/** Falco's `base_syscalls` configuration: what is captured besides the syscalls rules name. */
export interface BaseSyscalls {
  /** Syscall names that replace STATE_SYSCALLS as the base set; "!name" entries remove one from
   *  the final set, even one the rules name. */
  customSet: readonly string[];
  /** Base the set on what the rules' syscalls need for state (sinsp_repair_state_sc_set) rather
   *  than on STATE_SYSCALLS; with a custom set, complete that set so. */
  repair: boolean;
}

const DEFAULT_BASE_SYSCALLS: BaseSyscalls = { customSet: [], repair: false };

export interface SyscallSelection {
  /** What the sensor captures, sorted. */
  syscalls: string[];
  /** custom_set entries naming no syscall the sensor decodes (Falco warns of these too). */
  invalid: string[];
  /** Syscalls the rules name that "!name" entries took out: those rules cannot fire live. */
  removedFromRules: string[];
}

/** The process-state syscalls repair always adds (libs' list, less what the sensor does not
 *  decode: setpgid and the 32-bit variants). */
const REPAIR_PROCESS = ['clone', 'clone3', 'fork', 'vfork', 'execve', 'execveat', 'fchdir', 'chdir', 'capset',
  'chroot', 'setgid', 'setresgid', 'setresuid', 'setsid', 'setuid', 'prctl'];

/** Categories (EC bits) of the events of each syscall name. */
const CATEGORY = new Map<string, number>();
for (const e of EVENT_TABLE) if (e) CATEGORY.set(e.name, (CATEGORY.get(e.name) ?? 0) | e.category);

const ACCEPT_LISTEN = new Set(['accept', 'accept4', 'listen']);

/** `set` with the state syscalls its syscalls need (sinsp_repair_state_sc_set): the process
 *  set always; socket and close with any network syscall; bind with accept or listen; close with
 *  any file or I/O syscall; procexit always. */
function repaired(set: ReadonlySet<string>): Set<string> {
  const out = new Set(set);
  for (const name of REPAIR_PROCESS) out.add(name);
  let categories = 0;
  for (const name of set) categories |= CATEGORY.get(name) ?? 0;
  if (categories & EC.NET) out.add('socket').add('close');
  if ([...set].some((name) => ACCEPT_LISTEN.has(name))) out.add('bind');
  if (categories & (EC.FILE | DATA_IO | EC.IO_OTHER)) out.add('close');
  return out.add('procexit');
}

/**
 * The syscalls to capture for rules matching `eventTypes` (evt.type names), in the order Falco
 * applies `base_syscalls`: the supported rule syscalls plus the base set (STATE_SYSCALLS, or the
 * custom set's names); repair without custom names replaces that with the rule syscalls
 * repaired; "!name" entries are removed; repair with a custom set repairs the result; procexit
 * is always there (without it the thread table would only grow). Unlike Falco without -A,
 * high-volume syscalls the rules name (read, write, sendto ...) are kept: a rule that names
 * them asked for them.
 */
export function selectSyscalls(eventTypes: Iterable<string>, base: BaseSyscalls = DEFAULT_BASE_SYSCALLS): SyscallSelection {
  const rules = new Set<string>();
  for (const name of eventTypes) if (SUPPORTED.has(name)) rules.add(name);
  const positive: string[] = [];
  const negative: string[] = [];
  const invalid: string[] = [];
  for (const entry of base.customSet) {
    if (entry === '') continue;
    const name = entry.startsWith('!') ? entry.slice(1) : entry;
    if (!SUPPORTED.has(name)) invalid.push(entry);
    else (name === entry ? positive : negative).push(name);
  }
  let selected = new Set([...rules, ...(positive.length > 0 ? positive : STATE_SYSCALLS)]);
  if (base.repair && positive.length === 0) selected = repaired(rules);
  for (const name of negative) selected.delete(name);
  if (base.repair && base.customSet.length > 0) selected = repaired(selected);
  selected.add('procexit');
  return {
    syscalls: [...selected].sort(),
    invalid,
    removedFromRules: [...rules].filter((name) => !selected.has(name)).sort(),
  };
}

/** The syscall set for rules matching `eventTypes` (evt.type names) with the default base:
 *  the supported ones among them plus STATE_SYSCALLS, sorted. Unsupported names are left out
 *  (see unsupportedEventTypes). */
export function syscallsFor(eventTypes: Iterable<string>): string[] {
  return selectSyscalls(eventTypes).syscalls;
}

/** Event types rules ask for that the sensor cannot produce, for a warning. */
export function unsupportedEventTypes(eventTypes: Iterable<string>): string[] {
  const out = new Set<string>();
  for (const name of eventTypes) if (!SUPPORTED.has(name)) out.add(name);
  return [...out].sort();
}

/** Syscalls rules ask for that the sensor captures without their parameters (the event carries
 *  the return value at most): rules on them fire, but fields read from the parameters are empty. */
export function undecodedEventTypes(eventTypes: Iterable<string>): string[] {
  const out = new Set<string>();
  for (const name of eventTypes) if (SUPPORTED.has(name) && !DECODED.has(name)) out.add(name);
  return [...out].sort();
}
