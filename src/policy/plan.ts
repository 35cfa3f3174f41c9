// Which kernel attach point serves each hook of a policy, on this kernel and with what Saker's
// policy sensor implements: kprobes on syscalls and syscall tracepoints become entries of the
// raw_syscalls/sys_enter program (keyed by syscall number, the arguments in the same order, the
// event still a process_kprobe with Tetragon's `__x64_sys_X` function_name); sched_process_exec
// hooks run in the exec program. Everything else — kprobes on kernel functions, fentries, LSM
// hooks, uprobes, actions the kernel cannot honour from a tracepoint — is refused here, naming the
// hook and the kernel feature (or the Saker feature) it needs.
import type { KernelFeatures } from './features.js';
import { isIntType, type Report } from './checks.js';
import { PS } from './kernel-layout.js';
import { CONTAINER_SELECTOR_KEYS } from './workloads.js';
import { overrideErrorRefusal, overrideLimits, overrideRefusal, type OverrideHook } from './override.js';
import { parseSyscall } from './syscall-names.js';
import { X86_64_SYSCALLS } from './syscall-names.js';
import { autoType, type TracepointField } from './tracefs.js';
import type { ArgSpec, ArgType, Selector, TracepointSpec, TracingPolicy } from './types.js';
import type { FieldPath } from './yaml-locate.js';

/** Where a hook argument's value comes from in the policy sensor. */
type ArgSource =
  | { kind: 'sysarg'; index: number }   // syscall argument 0..5
  | { kind: 'sysnr' }                   // the syscall number (raw_syscalls id, __syscall_nr)
  | { kind: 'exec-path' }               // the new image's path at sched_process_exec
  | { kind: 'exec-pid' }                // pid / old_pid at sched_process_exec
  | { kind: 'none' };                   // nop: declared, never emitted

export interface PlannedArg {
  source: ArgSource;
  type: ArgType;
  label?: string;
  sizeArgIndex: number;
  spec: ArgSpec;
  /** String arguments: which of the sensor's string capture slots holds the value. */
  stringSlot?: number;
}

/** String capture slots per event in the policy sensor (PS_STR_ARGS). */
const STRING_SLOTS = 2;

export interface PlannedHook {
  policy: string;
  path: FieldPath;
  event: 'process_kprobe' | 'process_tracepoint';
  /** process_kprobe: Tetragon's function_name per syscall number (a list hook has several). */
  functionNames: Map<number, string>;
  subsys?: string;
  tpEvent?: string;
  /** Syscall hooks by number (empty: every syscall, raw_syscalls/sys_enter), or sched_process_exec. */
  attach: { kind: 'syscall'; nrs: number[] } | { kind: 'exec' };
  args: PlannedArg[];
  /** A return probe (kprobes on syscalls with return: true): the returnArg's type; served at syscall exit. */
  returnArg?: ArgType;
  /** A char_buf argument with returnCopy: read at syscall exit (the hook finishes there, as a return probe's). */
  returnCopy?: boolean;
  selectors: Selector[];
  message?: string;
  tags: string[];
}

export interface PolicyPlan { hooks: PlannedHook[] }

type Fields = (subsystem: string, event: string) => TracepointField[] | undefined;

const IN_KERNEL_INT_OPS = new Set(['Equal', 'NotEqual', 'GT', 'LT', 'GreaterThan', 'LessThan', 'Mask', 'InMap', 'NotInMap', 'InRange', 'NotInRange']);
const IN_KERNEL_STRING_OPS = new Set(['Equal', 'NotEqual', 'Prefix', 'NotPrefix', 'Postfix', 'NotPostfix']);
const STRING_ARG_TYPES = new Set<ArgType>(['string', 'filename']);
/** Argument types the sensor can read from a syscall's registers. */
const SYSCALL_ARG_TYPES = new Set<ArgType>(['string', 'filename', 'fd', 'sockaddr', 'char_buf', 'nop']);
/** Operators on a sockaddr argument evaluated in the kernel (on its family, port, IPv4 address). */
const IN_KERNEL_SOCKADDR_OPS = new Set(['SPort', 'NotSPort', 'SPortPriv', 'NotSportPriv', 'SAddr', 'NotSAddr', 'Family']);

export function planPolicy(p: TracingPolicy, features: KernelFeatures, fields: Fields, report: Report): PolicyPlan {
  const hooks: PlannedHook[] = [];
  const spec = p.spec;
  const name = p.metadata.name;
  const lists = new Map((spec.lists ?? []).map((l) => [l.name, l]));
  const need = (at: FieldPath, what: string, feature: string, have: boolean): void => {
    report(at, `${what} needs ${feature}, which ${have ? 'Saker does not use yet' : 'this kernel does not provide'}`);
  };
  for (const [k, h] of (spec.kprobes ?? []).entries()) {
    const at: FieldPath = ['spec', 'kprobes', k];
    const list = h.call.startsWith('list:') ? lists.get(h.call.slice(5)) : undefined;
    if (list?.type === 'generated_ftrace') {
      need([...at, 'call'], `list ${list.name} (generated_ftrace)`, 'kprobes and ftrace\'s available_filter_functions', features.kprobes);
      continue;
    }
    const calls = list?.type === 'generated_syscalls' ? [...X86_64_SYSCALLS.keys()].map((n) => `sys_${n}`) : list ? (list.values ?? []) : [h.call];
    const nrs: number[] = [];
    const names = new Map<number, string>();
    let ok = true;
    for (const call of calls) {
      const sc = parseSyscall(call);
      const isSyscallHook = h.syscall || h.call.startsWith('list:') || call.startsWith('__sys_');
      if (sc && isSyscallHook && sc.nr !== undefined && (h.call.startsWith('list:') || fields('syscalls', `sys_enter_${sc.name}`) !== undefined || !fields('syscalls', 'sys_enter_read'))) {
        nrs.push(sc.nr);
        names.set(sc.nr, call.startsWith('__sys_') ? call : `__x64_sys_${sc.name}`);
      } else if (sc && sc.abi === 'i386') {
        report([...at, 'call'], `kprobe on ${call}: 32-bit (i386) syscalls are not captured by Saker's policy sensor`); ok = false;
      } else {
        if (h.return) need([...at, 'return'], `a return probe on kernel function ${call}`, 'kretprobes (CONFIG_KPROBES) or BPF trampolines (fexit)', features.kprobes || features.fentry);
        else need([...at, 'call'], `kprobe on kernel function ${call}`, 'kprobes (CONFIG_KPROBES) or BPF trampolines (fentry)', features.kprobes || features.fentry);
        ok = false;
      }
    }
    if (!ok || nrs.length === 0) continue;
    const returnArg = h.return ? h.returnArg?.type : undefined;
    if (h.return && !returnArg) continue; // reported by checks.ts
    if (returnArg && !isIntType(returnArg)) { report([...at, 'returnArg', 'type'], `a syscall returns a long: returnArg type ${returnArg} is not read at syscall exit by Saker's policy sensor`); continue; }
    const args = planArgs(at, h.args ?? [], (a) => ({ source: { kind: 'sysarg', index: a.index }, type: a.type }), report, (a) => a.index <= 5,
      { kprobe: true, returnProbe: returnArg !== undefined });
    if (!args) continue;
    const returnCopy = args.some((a) => a.type === 'char_buf' && a.spec.returnCopy);
    const selectors = expandMacros(h.selectors ?? [], spec.selectorsMacros);
    const overrideAt: OverrideHook = { nrs, name: (nr) => names.get(nr) ?? `syscall ${nr}`, returnProbe: returnArg !== undefined };
    if (!checkSelectorsSupported(at, selectors, (m) => args.find((a) => a.spec.index === (m.index ?? -1)) ?? (m.args ? args[m.args[0]!] : undefined), features, report, overrideAt, returnArg)) continue;
    const bufAt = args.findIndex((a) => a.type === 'char_buf');
    const overrideSel = selectors.findIndex((s) => (s.matchActions ?? []).some((a) => a.action === 'Override'));
    if (bufAt >= 0 && overrideSel >= 0) {
      report([...at, 'args', bufAt, 'type'], 'a char_buf argument on a hook that may Override: the event waits for the cgroup program, which cannot carry the bytes; drop the char_buf or the Override');
      continue;
    }
    hooks.push({ policy: name, path: at, event: 'process_kprobe', functionNames: names, attach: { kind: 'syscall', nrs }, args, returnArg, returnCopy, selectors, message: h.message, tags: h.tags ?? [] });
  }
  for (const [k] of (spec.fentries ?? []).entries()) need(['spec', 'fentries', k], 'an fentry hook', 'BPF trampolines (fentry/fexit)', features.fentry);
  for (const [k] of (spec.lsmhooks ?? []).entries()) need(['spec', 'lsmhooks', k], 'an LSM hook', 'BPF LSM (CONFIG_BPF_LSM with "bpf" in the lsm= list)', features.lsm);
  for (const [k] of (spec.uprobes ?? []).entries()) report(['spec', 'uprobes', k], 'uprobes are not implemented by Saker (the kernel supports them)');
  for (const [k] of (spec.usdts ?? []).entries()) report(['spec', 'usdts', k], 'USDT probes are not implemented by Saker (the kernel supports uprobes)');
  if (spec.loader) need(['spec', 'loader'], 'loader events', 'kprobes (perf_event_mmap_output)', features.kprobes);
  if (spec.enforcers && spec.enforcers.length > 0) {
    need(['spec', 'enforcers'], 'an enforcer (overriding a syscall\'s return value)', 'bpf_override_return (CONFIG_BPF_KPROBE_OVERRIDE) or fmod_ret on syscalls', features.overrideReturn || features.fmodRet);
  }
  for (const [k, h] of (spec.tracepoints ?? []).entries()) {
    const plan = planTracepoint(['spec', 'tracepoints', k], h, name, spec.selectorsMacros, features, fields, report);
    if (plan) hooks.push(plan);
  }
  checkWorkloadSelectors(p, report);
  return { hooks };
}

/** What a podSelector/containerSelector can be matched on (workloads.ts); anything else is refused. */
function checkWorkloadSelectors(p: TracingPolicy, report: Report): void {
  const cs = p.spec.containerSelector;
  const badKey = (k: string) => `containerSelector key "${k}": a container is matched on ${CONTAINER_SELECTOR_KEYS.join(' and ')} (Tetragon's container fields)`;
  for (const k of Object.keys(cs?.matchLabels ?? {})) if (!CONTAINER_SELECTOR_KEYS.includes(k)) report(['spec', 'containerSelector', 'matchLabels', k], badKey(k));
  for (const [i, e] of (cs?.matchExpressions ?? []).entries()) if (!CONTAINER_SELECTOR_KEYS.includes(e.key)) report(['spec', 'containerSelector', 'matchExpressions', i, 'key'], badKey(e.key));
}

function planTracepoint(at: FieldPath, h: TracepointSpec, policy: string, macros: Record<string, Selector> | undefined, features: KernelFeatures,
  fields: Fields, report: Report): PlannedHook | undefined {
  const tpFields = h.raw ? undefined : fields(h.subsystem, h.event);
  let attach: PlannedHook['attach'];
  let source: (a: ArgSpec) => { source: ArgSource; type: ArgType } | undefined;
  const autoOf = (a: ArgSpec, dflt: ArgType): ArgType => (a.type !== 'auto' ? a.type : tpFields?.[a.index] ? autoType(tpFields[a.index]!) : dflt);
  if (h.subsystem === 'syscalls' && h.event.startsWith('sys_enter_') && !h.raw) {
    const sc = parseSyscall(h.event.slice('sys_enter_'.length));
    if (!sc || sc.nr === undefined) { report([...at, 'event'], `tracepoint ${h.subsystem}/${h.event}: unknown syscall`); return undefined; }
    attach = { kind: 'syscall', nrs: [sc.nr] };
    source = (a) => a.index === 4 ? { source: { kind: 'sysnr' }, type: autoOf(a, 'int32') }
      : a.index >= 5 && a.index <= 10 ? { source: { kind: 'sysarg', index: a.index - 5 }, type: autoOf(a, 'uint64') } : undefined;
  } else if (h.subsystem === 'raw_syscalls' && h.event === 'sys_enter') {
    attach = { kind: 'syscall', nrs: [] };
    source = (a) => h.raw ? (a.index === 1 ? { source: { kind: 'sysnr' }, type: a.type === 'auto' ? 'int64' : a.type } : undefined)
      : a.index === 4 ? { source: { kind: 'sysnr' }, type: a.type === 'auto' ? 'int64' : a.type }
        : a.index === 5 ? { source: { kind: 'sysarg', index: 0 }, type: a.type === 'auto' ? 'uint64' : a.type } : undefined;
  } else if (h.subsystem === 'sched' && h.event === 'sched_process_exec') {
    attach = { kind: 'exec' };
    source = (a) => h.raw
      ? (a.index === 2 ? { source: { kind: 'exec-path' }, type: a.type === 'auto' ? 'linux_binprm' : a.type } : a.index === 1 ? { source: { kind: 'exec-pid' }, type: a.type === 'auto' ? 'int32' : a.type } : undefined)
      : (a.index === 4 ? { source: { kind: 'exec-path' }, type: a.type === 'auto' ? 'string' : a.type } : a.index === 5 || a.index === 6 ? { source: { kind: 'exec-pid' }, type: autoOf(a, 'int32') } : undefined);
  } else {
    report([...at, 'event'], `tracepoint ${h.subsystem}/${h.event}${h.raw ? ' (raw)' : ''}: Saker's policy sensor serves syscalls/sys_enter_*, raw_syscalls/sys_enter and sched/sched_process_exec`);
    return undefined;
  }
  const args = planArgs(at, h.args ?? [], source, report, () => true, { kprobe: false, returnProbe: false });
  if (!args) return undefined;
  const selectors = expandMacros(h.selectors ?? [], macros);
  const resolve = (m: { index?: number; args?: number[] }) => (m.args ? args[m.args[0]!] : args.find((a) => a.spec.index === m.index) ?? args[m.index ?? -1]);
  if (!checkSelectorsSupported(at, selectors, resolve, features, report, { name: String, returnProbe: false })) return undefined;
  return { policy, path: at, event: 'process_tracepoint', functionNames: new Map(), subsys: h.subsystem, tpEvent: h.event, attach, args, selectors, message: h.message, tags: h.tags ?? [] };
}

/** Where a hook reads char_buf arguments: syscall kprobes only, and whether the hook is a return probe. */
interface BufferSupport { kprobe: boolean; returnProbe: boolean }

/** Why this char_buf argument cannot be read, or undefined; maxData said as a warning. */
function charBufRefusal(a: ArgSpec, bufs: BufferSupport, earlier: boolean): string | undefined {
  if (!bufs.kprobe) return 'char_buf is read by Saker\'s policy sensor on syscall kprobes only';
  if (earlier) return 'Saker\'s policy sensor captures one char_buf argument per hook';
  if (a.returnCopy) return undefined;
  if (a.sizeArgIndex < 1 || a.sizeArgIndex > 6) return 'char_buf needs sizeArgIndex (1-based: the syscall argument holding the byte count) or returnCopy (the return value\'s count, read at exit)';
  if (bufs.returnProbe) return 'char_buf with sizeArgIndex is read at syscall entry, and this hook finishes at exit (return: true): use returnCopy';
  return undefined;
}

function planArgs(at: FieldPath, specs: readonly ArgSpec[], source: (a: ArgSpec) => { source: ArgSource; type: ArgType } | undefined, report: Report,
  inRange: (a: ArgSpec) => boolean, bufs: BufferSupport): PlannedArg[] | undefined {
  const out: PlannedArg[] = [];
  let strings = 0;
  let buffers = 0;
  for (const [i, a] of specs.entries()) {
    const s = inRange(a) ? source(a) : undefined;
    if (!s) { report([...at, 'args', i, 'index'], `argument index ${a.index} is not available at this hook in Saker's policy sensor`); return undefined; }
    const type = s.type;
    if (a.type === 'nop') { out.push({ source: { kind: 'none' }, type, sizeArgIndex: 0, spec: a }); continue; }
    const fromRegs = s.source.kind === 'sysarg' || s.source.kind === 'sysnr';
    if (fromRegs && type === 'char_buf') {
      const why = charBufRefusal(a, bufs, buffers++ > 0);
      if (why) { report([...at, 'args', i, a.returnCopy || a.sizeArgIndex === 0 ? 'type' : 'sizeArgIndex'], why); return undefined; }
      if (a.maxData) report([...at, 'args', i, 'maxData'], `Saker's policy sensor captures at most ${PS.BUF} bytes of a char_buf; a longer one is reported as truncated_bytes_arg with its orig_size`, 'warning');
    }
    if (fromRegs && !isIntType(type) && !SYSCALL_ARG_TYPES.has(type)) {
      report([...at, 'args', i, 'type'], `argument type ${type} cannot be read from a syscall tracepoint by Saker's policy sensor`); return undefined;
    }
    // a sockaddr's bytes are captured in a string slot too (the event shows its address)
    const isString = type === 'string' || type === 'filename' || type === 'linux_binprm' || type === 'sockaddr';
    if (isString && strings >= STRING_SLOTS) {
      report([...at, 'args', i, 'type'], `Saker's policy sensor captures at most ${STRING_SLOTS} string arguments per hook`); return undefined;
    }
    if (a.resolve !== '' || a.btfType) { report([...at, 'args', i, 'resolve'], 'resolve/btfType need BTF-typed kernel arguments (kprobes, fentry or LSM)'); return undefined; }
    if (a.returnCopy && type !== 'char_buf') { report([...at, 'args', i, 'returnCopy'], `returnCopy applies to char_buf arguments in Saker's policy sensor, not ${type}`); return undefined; }
    out.push({ source: s.source, type, label: a.label, sizeArgIndex: a.sizeArgIndex, spec: a, stringSlot: isString ? strings++ : undefined });
  }
  return out;
}

function expandMacros(selectors: readonly Selector[], macros: Record<string, Selector> | undefined): Selector[] {
  return selectors.map((s) => {
    if (!s.macros || !macros) return s;
    let merged: Selector = { ...s };
    for (const m of s.macros) merged = { ...macros[m], ...merged };
    delete merged.macros;
    return merged;
  });
}

/** What Saker's policy sensor evaluates in the kernel; anything else is refused with the reason. */
function checkSelectorsSupported(at: FieldPath, selectors: readonly Selector[], resolve: (m: { index?: number; args?: number[] }) => PlannedArg | undefined,
  features: KernelFeatures, report: Report, overrideAt: OverrideHook, returnArg?: ArgType): boolean {
  let ok = true;
  const refuse = (p: FieldPath, msg: string): void => { report(p, msg); ok = false; };
  for (const [s, sel] of selectors.entries()) {
    const sat: FieldPath = [...at, 'selectors', s];
    for (const [i, m] of (sel.matchArgs ?? []).entries()) {
      const arg = resolve(m);
      if (!arg) continue; // reported by checks.ts
      const ops = STRING_ARG_TYPES.has(arg.type) ? IN_KERNEL_STRING_OPS : isIntType(arg.type) ? IN_KERNEL_INT_OPS
        : arg.type === 'sockaddr' ? IN_KERNEL_SOCKADDR_OPS : undefined;
      if (!ops || !ops.has(m.operator)) refuse([...sat, 'matchArgs', i, 'operator'], `operator ${m.operator} on a ${arg.type} argument is not evaluated by Saker's policy sensor`);
      else if (arg.type === 'sockaddr' && (m.operator === 'SAddr' || m.operator === 'NotSAddr')) {
        const v6 = (m.values ?? []).findIndex((v) => v.includes(':'));
        if (v6 >= 0) refuse([...sat, 'matchArgs', i, 'values', v6], `${m.operator} on an IPv6 address is not evaluated by Saker's policy sensor (IPv4 addresses and CIDRs are)`);
      }
    }
    if ((sel.matchData ?? []).length > 0) refuse([...sat, 'matchData'], 'matchData needs data arguments read through BTF (kprobes/fentry)');
    const retArgs = sel.matchReturnArgs ?? [];
    if (retArgs.length > 0 && !returnArg) refuse([...sat, 'matchReturnArgs'], 'matchReturnArgs needs a return probe (return: true on a syscall kprobe)');
    if (retArgs.length > 1) refuse([...sat, 'matchReturnArgs'], 'Saker\'s policy sensor takes one matchReturnArgs entry per selector');
    for (const [i, m] of retArgs.entries()) {
      if (!IN_KERNEL_INT_OPS.has(m.operator)) refuse([...sat, 'matchReturnArgs', i, 'operator'], `operator ${m.operator} on a return value is not evaluated by Saker's policy sensor`);
      else if (m.values?.some((v) => v.startsWith('list:'))) refuse([...sat, 'matchReturnArgs', i, 'values'], 'list: values on a return value are not evaluated by Saker\'s policy sensor');
    }
    if ((sel.matchCapabilityChanges ?? []).length > 1) refuse([...sat, 'matchCapabilityChanges'], 'Saker\'s policy sensor takes one matchCapabilityChanges entry per selector');
    if ((sel.matchWorkloads ?? []).length > 0) {
      refuse([...sat, 'matchWorkloads'], 'matchWorkloads (workload selectors per selector) is not implemented by Saker\'s policy sensor; the policy\'s podSelector, containerSelector and hostSelector are: one policy per workload set');
    }
    for (const key of ['matchBinaries', 'matchParentBinaries'] as const) {
      for (const [i, m] of (sel[key] ?? []).entries()) {
        if (m.values.length > 4) refuse([...sat, key, i, 'values'], 'Saker\'s policy sensor compares at most 4 binary paths per selector');
      }
    }
    const actionLists = [...(sel.matchActions ?? []).map((a, i) => ['matchActions', i, a] as const), ...(sel.matchReturnActions ?? []).map((a, i) => ['matchReturnActions', i, a] as const)];
    for (const [list, i, a] of actionLists) {
      const ap: FieldPath = [...sat, list, i, 'action'];
      switch (a.action) {
        case 'Post': case 'NoPost': break;
        case 'Sigkill': case 'Signal':
          if (!features.sendSignal) refuse(ap, `${a.action} needs bpf_send_signal, which this kernel does not provide`);
          break;
        case 'Override': {
          const hookWhy = overrideRefusal(overrideAt, features);
          const errorWhy = hookWhy ? undefined : overrideErrorRefusal(a.argError);
          if (hookWhy) refuse(ap, hookWhy);
          else if (errorWhy) refuse([...sat, list, i, 'argError'], errorWhy);
          else for (const w of overrideLimits(overrideAt, a.argError!, features)) report(ap, w, 'warning');
          break;
        }
        case 'NotifyEnforcer':
          refuse(ap, 'NotifyEnforcer needs an enforcer program (bpf_override_return or fmod_ret on syscalls), which this kernel does not provide');
          break;
        default:
          refuse(ap, `the ${a.action} action is not implemented by Saker`);
      }
      if (a.kernelStackTrace || a.userStackTrace) refuse([...sat, list, i], 'stack traces are not collected by Saker\'s policy sensor');
      if (a.imaHash) refuse([...sat, list, i, 'imaHash'], 'imaHash needs BPF LSM (bpf_ima_file_hash)');
    }
  }
  return ok;
}

