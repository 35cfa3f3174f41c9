// The load-time checks Tetragon's loaders make beyond the CRD schema (pkg/selectors/kernel.go,
// pkg/sensors/tracing/{generickprobe,generictracepoint,genericlsm,tags,message}.go, the CRD's CEL
// rules): limits on selectors, actions, values and tags, operators valid for an argument's type,
// matchArgs indexes that name a declared argument, rateLimit only on Post, NotifyEnforcer only with
// one enforcer, return probes with a returnArg, list entries that are syscalls. Each problem is
// reported with the field path it is about.
import { NAMESPACES } from './schema.js';
import { readTracepointFormat, type TracepointField } from './tracefs.js';
import type { ArgSpec, ArgType, KprobeSpec, MatchArg, Selector, TracepointSpec, TracingPolicy } from './types.js';
import { syscallNumber } from './syscall-names.js';
import type { FieldPath } from './yaml-locate.js';

export type Report = (path: FieldPath, message: string, severity?: 'error' | 'warning') => void;

const MAX_SELECTORS = 5;
const MAX_ACTIONS = 3;
const MAX_TAGS = 16;
const MAX_MATCH_ARGS = 5;
const MAX_INT_VALUES = 4;
const MAX_MESSAGE = 256;

const INT_TYPES = new Set<ArgType>(['int', 'sint8', 'int8', 'uint8', 'sint16', 'int16', 'uint16', 'uint32', 'sint32', 'int32', 'ulong',
  'uint64', 'size_t', 'long', 'sint64', 'int64', 'syscall64', 'unsigned long', 'bpf_cmd']);
const STRING_TYPES = new Set<ArgType>(['string', 'char_buf', 'char_iovec', 'filename', 'fd', 'file', 'path', 'dentry', 'linux_binprm',
  'data_loc', 'net_device', 'sockaddr_un', 'const_buf']);
const CAP_TYPES = new Set<ArgType>(['kernel_cap_t', 'cap_inheritable', 'cap_permitted', 'cap_effective', 'capability']);

const INT_OPS = new Set(['Equal', 'NotEqual', 'GT', 'LT', 'GreaterThan', 'LessThan', 'Mask', 'InMap', 'NotInMap', 'InRange', 'NotInRange']);
const STRING_OPS = new Set(['Equal', 'NotEqual', 'Prefix', 'NotPrefix', 'Postfix', 'NotPostfix', 'SubString', 'SubStringIgnCase']);
const SOCK_OPS = new Set(['SAddr', 'NotSAddr', 'DAddr', 'NotDAddr', 'SPort', 'NotSPort', 'DPort', 'NotDPort', 'SPortPriv', 'NotSportPriv',
  'DPortPriv', 'NotDPortPriv', 'Protocol', 'Family', 'State']);
const SOCKADDR_OPS = new Set(['SAddr', 'NotSAddr', 'SPort', 'NotSPort', 'SPortPriv', 'NotSportPriv', 'Family']);
const VALUELESS_OPS = new Set(['SPortPriv', 'NotSportPriv', 'DPortPriv', 'NotDPortPriv']);

/** Whether `op` may filter an argument of type `type` (Tetragon's argument_types table). */
function operatorFits(op: string, type: ArgType): boolean {
  if (op === 'CelExpr') return true;
  if (INT_TYPES.has(type)) return INT_OPS.has(op);
  if (STRING_TYPES.has(type)) return STRING_OPS.has(op) || ((op === 'FileType' || op === 'NotFileType') && (type === 'file' || type === 'path'))
    || (type === 'sockaddr_un' && op === 'Family');
  if (type === 'sock' || type === 'socket' || type === 'skb') return SOCK_OPS.has(op);
  if (type === 'sockaddr') return SOCKADDR_OPS.has(op);
  if (CAP_TYPES.has(type)) return INT_OPS.has(op) || op === 'CapabilitiesGained';
  return op === 'Equal' || op === 'NotEqual';
}

export function isIntType(t: ArgType): boolean { return INT_TYPES.has(t); }

/** Environment of the checks: tracepoint formats (tracefs), replaceable in tests. */
export interface CheckEnv { tracepointFormat: (subsystem: string, event: string) => TracepointField[] | undefined }
export const DEFAULT_CHECK_ENV: CheckEnv = { tracepointFormat: (s, e) => readTracepointFormat(s, e) };

export function checkPolicy(p: TracingPolicy, report: Report, env: CheckEnv = DEFAULT_CHECK_ENV): void {
  const spec = p.spec;
  if (p.kind === 'TracingPolicyNamespaced' && spec.hostSelector) {
    report(['spec', 'hostSelector'], 'a TracingPolicyNamespaced cannot have a hostSelector');
  }
  const host = spec.hostSelector;
  if (host && ((host.matchLabels && Object.keys(host.matchLabels).length > 0) || (host.matchExpressions && host.matchExpressions.length > 0))) {
    report(['spec', 'hostSelector'], 'hostSelector can only be null or {} (all host workloads), as Tetragon\'s CRD validation says');
  }
  if (spec.enforcers && spec.enforcers.length > 1) report(['spec', 'enforcers'], `only one enforcer is allowed (got ${spec.enforcers.length})`);
  for (const [i, o] of (spec.options ?? []).entries()) {
    if (o.name === 'policy-mode' && o.value !== 'enforce' && o.value !== 'monitor') {
      report(['spec', 'options', i, 'value'], `policy-mode must be "enforce" or "monitor" (got ${JSON.stringify(o.value ?? '')})`);
    }
    if (o.name === 'override-method' && o.value !== 'fmod-ret' && o.value !== 'override-return') {
      report(['spec', 'options', i, 'value'], `override-method must be "fmod-ret" or "override-return" (got ${JSON.stringify(o.value ?? '')})`);
    }
  }
  const lists = new Map<string, { type?: string; values?: string[] }>();
  for (const [i, l] of (spec.lists ?? []).entries()) {
    if (lists.has(l.name)) report(['spec', 'lists', i, 'name'], `list "${l.name}" is defined twice`);
    lists.set(l.name, l);
    if (l.type === 'syscalls' || l.type === undefined) {
      for (const [j, v] of (l.values ?? []).entries()) {
        if (syscallNumber(v) === undefined) report(['spec', 'lists', i, 'values', j], `list "${l.name}": "${v}" is not a syscall`);
      }
    }
  }
  const macros = spec.selectorsMacros ?? {};
  for (const [k, hook] of (spec.kprobes ?? []).entries()) checkKprobe(['spec', 'kprobes', k], hook, p, lists, macros, report);
  for (const [k, hook] of (spec.fentries ?? []).entries()) checkKprobe(['spec', 'fentries', k], hook, p, lists, macros, report);
  for (const [k, hook] of (spec.tracepoints ?? []).entries()) checkTracepoint(['spec', 'tracepoints', k], hook, p, lists, macros, report, env);
  for (const [k, hook] of (spec.lsmhooks ?? []).entries()) {
    const at: FieldPath = ['spec', 'lsmhooks', k];
    checkCommon(at, hook, report);
    for (const [i, a] of (hook.args ?? []).entries()) {
      if (a.index > 4) report([...at, 'args', i, 'index'], `LSM hook argument index ${a.index} is out of range (at most 4)`);
    }
    checkSelectors(at, hook.selectors, (m) => resolveByIndex(hook.args ?? [], m), p, lists, macros, report, { lsm: true });
  }
}

function checkCommon(at: FieldPath, hook: { message?: string; tags?: string[]; selectors?: Selector[] }, report: Report): void {
  if (hook.message !== undefined && hook.message.length === 1) report([...at, 'message'], 'message must be at least 2 characters long');
  if (hook.message !== undefined && hook.message.length > MAX_MESSAGE) {
    report([...at, 'message'], `message is longer than ${MAX_MESSAGE} characters and is truncated`, 'warning');
  }
  const tags = hook.tags ?? [];
  if (tags.length > MAX_TAGS) report([...at, 'tags'], `at most ${MAX_TAGS} tags per hook (got ${tags.length})`);
  for (const [i, t] of tags.entries()) {
    if (t.length < 2 || t.length > 128) report([...at, 'tags', i], `tag "${t}" must be 2 to 128 characters long`);
  }
  if ((hook.selectors ?? []).length > MAX_SELECTORS) {
    report([...at, 'selectors'], `at most ${MAX_SELECTORS} selectors per hook (got ${hook.selectors!.length})`);
  }
}

function checkKprobe(at: FieldPath, hook: KprobeSpec, p: TracingPolicy, lists: Map<string, unknown>, macros: Record<string, Selector>, report: Report): void {
  checkCommon(at, hook, report);
  if (hook.return && !hook.returnArg) report([...at, 'return'], 'return: true needs a returnArg');
  if (hook.call.startsWith('list:') && !lists.has(hook.call.slice(5))) report([...at, 'call'], `list "${hook.call.slice(5)}" is not defined`);
  for (const [i, a] of (hook.args ?? []).entries()) {
    if (a.type === 'auto' || a.type === 'syscall64') report([...at, 'args', i, 'type'], `argument type "${a.type}" is not valid for kprobes`);
  }
  const isSyscall = hook.syscall || hook.call.startsWith('list:');
  const overrides = (hook.selectors ?? []).some((s) => [...(s.matchActions ?? []), ...(s.matchReturnActions ?? [])].some((a) => a.action === 'Override'));
  if (overrides && !isSyscall && !hook.call.startsWith('security_')) {
    report([...at, 'call'], `override action can be used only with syscalls and security_ hooks (call "${hook.call}")`);
  }
  const hasReturnMatch = (hook.selectors ?? []).some((s) => (s.matchReturnArgs ?? []).length > 0 || (s.matchReturnActions ?? []).length > 0);
  if (hasReturnMatch && !hook.return) report([...at, 'selectors'], 'matchReturnArgs and matchReturnActions need return: true');
  checkSelectors(at, hook.selectors, (m) => resolveByIndex(hook.args ?? [], m), p, lists, macros, report, { returnArg: hook.returnArg });
}

function checkTracepoint(at: FieldPath, hook: TracepointSpec, p: TracingPolicy, lists: Map<string, unknown>, macros: Record<string, Selector>,
  report: Report, env: CheckEnv): void {
  checkCommon(at, hook, report);
  const args = hook.args ?? [];
  if (hook.raw) {
    for (const [i, a] of args.entries()) if (a.index > 5) report([...at, 'args', i, 'index'], `raw tracepoint argument index ${a.index} is out of range (at most 5)`);
  } else {
    const fields = env.tracepointFormat(hook.subsystem, hook.event);
    if (!fields) report([...at, 'event'], `tracepoint ${hook.subsystem}/${hook.event} does not exist on this kernel (or tracefs is not mounted)`);
    else {
      for (const [i, a] of args.entries()) {
        if (a.index >= fields.length) {
          report([...at, 'args', i, 'index'], `tracepoint ${hook.subsystem}/${hook.event} has ${fields.length} fields; index ${a.index} is out of range`);
        }
      }
    }
  }
  // Tetragon: a matchArgs index equal to some args[k].index means k, otherwise a position in args.
  const resolve = (m: MatchArg): ArgSpec | undefined => {
    if (m.args && m.args.length > 0) return args[m.args[0]!];
    const byField = args.find((a) => a.index === m.index);
    return byField ?? args[m.index ?? -1];
  };
  checkSelectors(at, hook.selectors, resolve, p, lists, macros, report, { tracepoint: true });
}

function resolveByIndex(args: readonly ArgSpec[], m: MatchArg): ArgSpec | undefined {
  if (m.args && m.args.length > 0) return args[m.args[0]!];
  return args.find((a) => a.index === m.index);
}

interface HookKind { lsm?: boolean; tracepoint?: boolean; returnArg?: ArgSpec }

function checkSelectors(at: FieldPath, selectors: Selector[] | undefined, resolve: (m: MatchArg) => ArgSpec | undefined, p: TracingPolicy,
  lists: Map<string, unknown>, macros: Record<string, Selector>, report: Report, kind: HookKind): void {
  for (const [s, sel] of (selectors ?? []).entries()) {
    const sat: FieldPath = [...at, 'selectors', s];
    for (const [i, name] of (sel.macros ?? []).entries()) {
      const macro = macros[name];
      if (!macro) { report([...sat, 'macros', i], `selector macro "${name}" is not defined in spec.selectorsMacros`); continue; }
      for (const field of Object.keys(macro)) {
        if ((sel as Record<string, unknown>)[field] !== undefined) report([...sat, 'macros', i], `field ${field} is set both in the selector and in macro "${name}"`);
      }
    }
    const matchArgs = sel.matchArgs ?? [];
    if (matchArgs.length + (sel.matchData ?? []).length > MAX_MATCH_ARGS) {
      report([...sat, 'matchArgs'], `at most ${MAX_MATCH_ARGS} matchArgs and matchData per selector (got ${matchArgs.length + (sel.matchData ?? []).length})`);
    }
    for (const [i, m] of matchArgs.entries()) {
      const arg = resolve(m);
      if (!arg) { report([...sat, 'matchArgs', i, 'index'], `argFilter for unknown index ${m.index ?? m.args?.[0]}`); continue; }
      checkMatchValues([...sat, 'matchArgs', i], m, kind.tracepoint && arg.type === 'auto' ? 'uint64' : arg.type, lists, report);
    }
    if (kind.lsm && (sel.matchReturnArgs ?? []).length > 0) report([...sat, 'matchReturnArgs'], 'LSM hooks do not support matchReturnArgs');
    for (const [i, m] of (sel.matchReturnArgs ?? []).entries()) {
      if (kind.returnArg) checkMatchValues([...sat, 'matchReturnArgs', i], m, kind.returnArg.type, lists, report);
    }
    for (const [i, m] of (sel.matchPIDs ?? []).entries()) {
      if (m.values.length > MAX_INT_VALUES) report([...sat, 'matchPIDs', i, 'values'], `at most ${MAX_INT_VALUES} values in matchPIDs (got ${m.values.length})`);
    }
    for (const key of ['matchBinaries', 'matchParentBinaries'] as const) {
      for (const [i, m] of (sel[key] ?? []).entries()) {
        if (m.followChildren && m.operator !== 'In' && m.operator !== 'NotIn') report([...sat, key, i, 'followChildren'], 'followChildren works only with In and NotIn');
        for (const [j, v] of m.values.entries()) if (v.length > 255) report([...sat, key, i, 'values', j], 'binary path longer than 255 characters');
      }
    }
    if ((sel.matchNamespaces ?? []).length > 10) report([...sat, 'matchNamespaces'], 'at most 10 matchNamespaces per selector');
    for (const [i, m] of (sel.matchNamespaces ?? []).entries()) {
      if (m.values.length > MAX_INT_VALUES) report([...sat, 'matchNamespaces', i, 'values'], `at most ${MAX_INT_VALUES} values in matchNamespaces`);
      for (const [j, v] of m.values.entries()) {
        if (v !== 'host_ns' && !/^\d+$/.test(v)) report([...sat, 'matchNamespaces', i, 'values', j], `namespace value "${v}" is neither an inode number nor host_ns`);
      }
    }
    if ((sel.matchNamespaceChanges ?? []).length > 1) report([...sat, 'matchNamespaceChanges'], 'at most one matchNamespaceChanges per selector');
    for (const [i, m] of (sel.matchNamespaceChanges ?? []).entries()) {
      for (const [j, v] of m.values.entries()) {
        if (namespaceChangeIndex(v) === undefined) report([...sat, 'matchNamespaceChanges', i, 'values', j], `unknown namespace "${v}" (one of ${NAMESPACES.join(', ')})`);
      }
    }
    for (const key of ['matchCapabilities', 'matchCapabilityChanges'] as const) {
      for (const [i, m] of (sel[key] ?? []).entries()) {
        for (const [j, v] of m.values.entries()) if (capabilityNumber(v) === undefined) report([...sat, key, i, 'values', j], `unknown capability "${v}"`);
      }
    }
    checkActions([...sat, 'matchActions'], sel.matchActions ?? [], p, report, kind);
    checkActions([...sat, 'matchReturnActions'], sel.matchReturnActions ?? [], p, report, kind);
  }
}

function checkMatchValues(at: FieldPath, m: MatchArg, type: ArgType, lists: Map<string, unknown>, report: Report): void {
  if (!operatorFits(m.operator, type)) { report([...at, 'operator'], `operator ${m.operator} is not supported for argument type ${type}`); return; }
  const values = m.values ?? [];
  if (values.length === 0 && !VALUELESS_OPS.has(m.operator)) report([...at, 'values'], `operator ${m.operator} needs values`);
  if (INT_TYPES.has(type) && m.operator !== 'InMap' && m.operator !== 'NotInMap' && values.length > MAX_INT_VALUES) {
    report([...at, 'values'], `at most ${MAX_INT_VALUES} values for ${m.operator} (use InMap for more; got ${values.length})`);
  }
  for (const [j, v] of values.entries()) {
    const vat: FieldPath = [...at, 'values', j];
    if (m.operator === 'Prefix' || m.operator === 'NotPrefix') { if (v.length > 256) report(vat, 'prefix values are at most 256 characters'); continue; }
    if (m.operator === 'Postfix' || m.operator === 'NotPostfix') { if (v.replace(/\0$/, '').length > 127) report(vat, 'postfix values are at most 127 characters'); continue; }
    if (SOCK_OPS.has(m.operator)) { const why = sockValueProblem(m.operator, v); if (why) report(vat, why); continue; }
    if (!INT_TYPES.has(type) && !CAP_TYPES.has(type)) continue;
    if (m.operator === 'InMap' || m.operator === 'NotInMap') {
      if (v.startsWith('list:')) { if (!lists.has(v.slice(5))) report(vat, `list "${v.slice(5)}" is not defined`); continue; }
      if (!/^(-?(0x[0-9a-f]+|\d+))(:(-?(0x[0-9a-f]+|\d+)))?$/i.test(v)) report(vat, `"${v}" is not an integer or a range a:b`);
      continue;
    }
    if (m.operator === 'InRange' || m.operator === 'NotInRange') { if (!/^-?\d+:-?\d+$/.test(v)) report(vat, `"${v}" is not a range min:max`); continue; }
    if (CAP_TYPES.has(type) && v.split(',').every((c) => capabilityNumber(c.trim()) !== undefined)) continue;
    if (parseIntValue(v) === undefined) report(vat, `"${v}" is not an integer (decimal, 0x hex or 0 octal)`);
  }
}

const PORT = /^(\d{1,5})(:(\d{1,5}))?$/;
const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})(\/(\d{1,2}))?$/;
const IPV6 = /^[0-9a-f:.]*:[0-9a-f:.]*(\/\d{1,3})?$/i;
const SOCKET_FAMILIES = new Set(['AF_UNIX', 'AF_LOCAL', 'AF_INET', 'AF_INET6', 'AF_NETLINK', 'AF_PACKET']);

/** A value of a socket operator: a port or port range, an address or CIDR, a family. */
function sockValueProblem(op: string, v: string): string | undefined {
  if (op.includes('Port')) {
    const m = PORT.exec(v);
    return m && Number(m[1]) <= 65535 && Number(m[3] ?? 0) <= 65535 ? undefined : `"${v}" is not a port (0-65535) or a port range a:b`;
  }
  if (op.includes('Addr')) {
    const m = IPV4.exec(v);
    if (m) return [1, 2, 3, 4].every((i) => Number(m[i]) <= 255) && Number(m[6] ?? 32) <= 32 ? undefined : `"${v}" is not an IPv4 address or CIDR`;
    return IPV6.test(v) ? undefined : `"${v}" is not an IP address or CIDR`;
  }
  if (op === 'Family') return SOCKET_FAMILIES.has(v) || /^\d+$/.test(v) ? undefined : `"${v}" is not a socket family (AF_INET, AF_INET6, AF_UNIX ... or a number)`;
  return undefined;
}

/** Tetragon's integer values: decimal, 0x hex, 0 octal, optionally negative. */
export function parseIntValue(v: string): bigint | undefined {
  const m = /^(-?)(0x[0-9a-f]+|0[0-7]*|[1-9]\d*)$/i.exec(v.trim());
  if (!m) return undefined;
  const body = m[2]!;
  const n = body.startsWith('0x') || body.startsWith('0X') ? BigInt(body) : body.length > 1 && body.startsWith('0') ? BigInt(`0o${body.slice(1)}`) : BigInt(body);
  return m[1] ? -n : n;
}

function checkActions(at: FieldPath, actions: ReadonlyArray<{ action: string; rateLimit?: string; rateLimitScope?: string; argSig?: number }>,
  p: TracingPolicy, report: Report, kind: HookKind): void {
  if (actions.length > MAX_ACTIONS) report(at, `at most ${MAX_ACTIONS} actions per selector (got ${actions.length})`);
  for (const [i, a] of actions.entries()) {
    if (a.rateLimit !== undefined) {
      if (a.action !== 'Post') report([...at, i, 'rateLimit'], `rateLimit is only valid on Post (action ${a.action})`);
      else if (parseRateLimit(a.rateLimit) === undefined) report([...at, i, 'rateLimit'], `rateLimit "${a.rateLimit}" is not a duration like 5, 10s, 2m or 1h`);
    }
    if (a.rateLimitScope !== undefined && !['thread', 'process', 'global'].includes(a.rateLimitScope)) {
      report([...at, i, 'rateLimitScope'], `rateLimitScope must be thread, process or global (got "${a.rateLimitScope}")`);
    }
    if (a.action === 'NotifyEnforcer' && (p.spec.enforcers ?? []).length === 0) report([...at, i, 'action'], 'NotifyEnforcer action needs spec.enforcers');
    if (a.action === 'Signal' && (a.argSig === undefined || a.argSig < 1 || a.argSig > 64)) report([...at, i, 'argSig'], 'Signal needs argSig, a signal number 1-64');
    if (kind.lsm && ['GetUrl', 'DnsLookup', 'TrackSock', 'UntrackSock', 'NotifyEnforcer'].includes(a.action)) {
      report([...at, i, 'action'], `LSM hooks do not support the ${a.action} action`);
    }
    if (a.action === 'Set') report([...at, i, 'action'], 'the Set action is only valid on USDT probes');
  }
}

/** A Post rateLimit ("5" seconds, "10s", "2m", "1h") in milliseconds. */
export function parseRateLimit(v: string): number | undefined {
  const m = /^(\d+)([smh]?)$/.exec(v.trim());
  if (!m) return undefined;
  return Number(m[1]) * (m[2] === 'm' ? 60_000 : m[2] === 'h' ? 3_600_000 : 1000);
}

const CAPS = ['CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_DAC_READ_SEARCH', 'CAP_FOWNER', 'CAP_FSETID', 'CAP_KILL', 'CAP_SETGID', 'CAP_SETUID',
  'CAP_SETPCAP', 'CAP_LINUX_IMMUTABLE', 'CAP_NET_BIND_SERVICE', 'CAP_NET_BROADCAST', 'CAP_NET_ADMIN', 'CAP_NET_RAW', 'CAP_IPC_LOCK',
  'CAP_IPC_OWNER', 'CAP_SYS_MODULE', 'CAP_SYS_RAWIO', 'CAP_SYS_CHROOT', 'CAP_SYS_PTRACE', 'CAP_SYS_PACCT', 'CAP_SYS_ADMIN', 'CAP_SYS_BOOT',
  'CAP_SYS_NICE', 'CAP_SYS_RESOURCE', 'CAP_SYS_TIME', 'CAP_SYS_TTY_CONFIG', 'CAP_MKNOD', 'CAP_LEASE', 'CAP_AUDIT_WRITE', 'CAP_AUDIT_CONTROL',
  'CAP_SETFCAP', 'CAP_MAC_OVERRIDE', 'CAP_MAC_ADMIN', 'CAP_SYSLOG', 'CAP_WAKE_ALARM', 'CAP_BLOCK_SUSPEND', 'CAP_AUDIT_READ', 'CAP_PERFMON',
  'CAP_BPF', 'CAP_CHECKPOINT_RESTORE'] as const;

/** Capability names by number (Tetragon's CapabilitiesType enum names). */
export const CAPABILITY_NAMES: readonly string[] = CAPS;

export function capabilityNumber(name: string): number | undefined {
  const i = CAPS.indexOf(name as (typeof CAPS)[number]);
  if (i >= 0) return i;
  return /^\d+$/.test(name) && Number(name) < CAPS.length ? Number(name) : undefined;
}

/** A matchNamespaceChanges value's namespace (NAMESPACES order, as the kernel's): Tetragon compares them case-insensitively. */
export function namespaceChangeIndex(v: string): number | undefined {
  const i = NAMESPACES.findIndex((n) => n.toLowerCase() === v.toLowerCase());
  return i >= 0 ? i : undefined;
}
