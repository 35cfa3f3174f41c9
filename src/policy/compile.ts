// Compiles loaded policies into the policy sensor's map contents (kernel-layout.ts): one hook
// entry per planned hook, its selectors in order, and per syscall number the hooks to run. The
// result is data, so adding, changing or removing a policy is a map update, never a program
// rebuild. Hook ids alternate between two banks across generations: a reload writes the new
// generation's hooks beside the old ones, then switches each syscall's list in one update, then
// clears the old bank, so no syscall ever sees half a policy.
import { readlinkSync } from 'node:fs';
import { capabilityNumber, namespaceChangeIndex, parseIntValue, parseRateLimit } from './checks.js';
import { ACTION, FIELD, encodeHook, encodeNrHooks, encodeSelector, encodeStrSet, KIND, OP, PS, SIZE, SOURCE, type MatchArgValue, type SelectorValue } from './kernel-layout.js';
import type { LoadedPolicy } from './load.js';
import type { PlannedHook } from './plan.js';
import { parseSyscall } from './syscall-names.js';
import type { ArgType, MatchArg, Selector, TracingPolicy } from './types.js';
import { selectsWorkloads } from './workloads.js';
import { X86_64_SYSCALLS } from './syscall-names.js';

const NS_INDEX: Record<string, number> = { Uts: 0, Ipc: 1, Mnt: 2, Pid: 3, PidForChildren: 4, Net: 5, Time: 6, TimeForChildren: 7, Cgroup: 8, User: 9 };
const NS_PROC = ['uts', 'ipc', 'mnt', 'pid', 'pid_for_children', 'net', 'time', 'time_for_children', 'cgroup', 'user'];

/**
 * Inode of the host's namespace `i` (NS_INDEX order): pid 1's in the host's procfs `procRoot`
 * (HOST_ROOT/proc in a DaemonSet without hostPID, where the agent's own /proc/1 is its
 * container's init), or where pid 1 cannot be read (a sandbox that hides it) the agent's own,
 * which then runs in the host's namespaces.
 */
export function hostNamespaceInode(procRoot: string, i: number): number {
  for (const path of [`${procRoot}/1/ns/${NS_PROC[i]}`, `/proc/self/ns/${NS_PROC[i]}`]) {
    try {
      return Number(/\[(\d+)\]/.exec(readlinkSync(path))![1]);
    } catch {
      // not readable: try the next
    }
  }
  throw new Error(`cannot read the host's ${NS_PROC[i]} namespace from ${procRoot}`);
}

export interface CompiledHook { id: number; policyIndex: number; policy: LoadedPolicy; hook: PlannedHook }

export interface Compiled {
  /** saker-policy commands, in the order to send them. */
  commands: string[];
  hooks: Map<number, CompiledHook>;
  /** Slots (syscall numbers, the exec slot) this generation uses. */
  slots: Set<number>;
  /** Problems that keep a policy from the kernel (limits of the sensor), by policy name. */
  errors: Array<{ policy: string; message: string }>;
}

export interface CompileOptions {
  /** 0 or 1: the hook-id bank of this generation. */
  bank: number;
  /** Slots the previous generation used, emptied when no longer used. */
  previousSlots?: ReadonlySet<number>;
  /** The host's namespace inodes (default: from `procRoot`). */
  hostNs?: (i: number) => number;
  /** The host's procfs (default /proc), for host_ns values. */
  procRoot?: string;
  /** The counters slot of a policy, stable across reloads (default: its position). */
  slotOf?: (name: string) => number;
}

const BANK = PS.MAX_HOOKS / 2;
/** followChildren sections per generation: each bank has its half of the kernel's bits, so a
 * reload never hands a bit still marking the old generation's children to a new selector. */
const CHILD_BANK = PS.FOLLOW_BINS / 2;

export function compilePolicies(policies: readonly LoadedPolicy[], opts: CompileOptions): Compiled {
  const out: Compiled = { commands: [], hooks: new Map(), slots: new Set(), errors: [] };
  const hostNs = opts.hostNs ?? ((i: number) => hostNamespaceInode(opts.procRoot ?? '/proc', i));
  const bySlot = new Map<number, number[]>();
  const follow = new Map<number, bigint>();
  let nextId = opts.bank * BANK;
  let followBits = 0;
  const childSets: string[][] = [];
  const hookCmds: string[] = [];
  for (const [position, p] of policies.entries()) {
    const policyIndex = opts.slotOf ? opts.slotOf(p.policy.metadata.name) : position;
    if (policyIndex >= PS.MAX_POLICIES) { out.errors.push({ policy: p.policy.metadata.name, message: `at most ${PS.MAX_POLICIES} policies` }); continue; }
    const staged: string[] = [];
    const stagedSlots: Array<[number, number]> = [];
    const stagedFollow: Array<[number, bigint]> = [];
    let stagedBits = followBits;
    const stagedChildSets: string[][] = [];
    let ok = true;
    let id = nextId;
    for (const hook of p.plan.hooks) {
      if (id >= (opts.bank + 1) * BANK) { out.errors.push({ policy: p.policy.metadata.name, message: `at most ${BANK} hooks across all policies` }); ok = false; break; }
      try {
        const args = hook.args.map((a) => ({
          source: SOURCE[a.source.kind], index: a.source.kind === 'sysarg' ? a.source.index : 0,
          kind: a.type === 'sockaddr' ? KIND.sockaddr : a.type === 'char_buf' ? KIND.buf : a.stringSlot !== undefined ? KIND.string : KIND.int,
          // char_buf: the size argument + 1 (sizeArgIndex is 1-based already), 0 for returnCopy
          strSlot: a.type === 'char_buf' ? (a.spec.returnCopy ? 0 : a.sizeArgIndex) : a.stringSlot ?? 0,
        }));
        if (args.length > PS.MAX_ARGS) throw new Error(`at most ${PS.MAX_ARGS} arguments per hook`);
        const selectors = hook.selectors.map((s) => compileSelector(s, hook, p.policy, hostNs, () => {
          if (stagedBits >= 64) throw new Error('at most 64 matchPIDs with followForks');
          return ++stagedBits;
        }, (values) => {
          const local = childSets.length + stagedChildSets.length;
          if (local >= CHILD_BANK) throw new Error(`at most ${CHILD_BANK} matchBinaries with followChildren across all policies`);
          stagedChildSets.push(values);
          return opts.bank * CHILD_BANK + local + 1;
        }));
        for (const [s, sel] of hook.selectors.entries()) {
          const bit = selectors[s]!.pids?.followBit ?? 0;
          if (bit) for (const pid of sel.matchPIDs?.[0]?.values ?? []) stagedFollow.push([pid, 1n << BigInt(bit - 1)]);
        }
        const needExe = hook.selectors.some((s) => (s.matchBinaries ?? []).length > 0);
        const override = selectors.some((s) => s.actions.some((a) => a.action === ACTION.Override));
        const workload = selectsWorkloads(p.policy);
        const host = p.policy.spec.hostSelector !== undefined;
        staged.push(`hook ${id} ${encodeHook({ policy: policyIndex, monitor: p.mode === 'monitor', nselectors: selectors.length, needExe, ret: hook.returnArg !== undefined || hook.returnCopy === true, override, workload, host, args }).toString('hex')}`);
        selectors.forEach((s, i) => staged.push(`selector ${id * PS.MAX_SELECTORS + i} ${encodeSelector(s).toString('hex')}`));
        const slots = hook.attach.kind === 'exec' ? [PS.EXEC_SLOT] : hook.attach.nrs.length > 0 ? hook.attach.nrs : syscallsSelected(hook, selectors);
        for (const slot of slots) stagedSlots.push([slot, id]);
        out.hooks.set(id, { id, policyIndex, policy: p, hook });
        id++;
      } catch (e) {
        out.errors.push({ policy: p.policy.metadata.name, message: `${(e as Error).message} (${hook.path.join('.')})` });
        ok = false;
        break;
      }
    }
    if (!ok) { for (let i = nextId; i < id; i++) out.hooks.delete(i); continue; }
    for (const [slot, hid] of stagedSlots) {
      const list = bySlot.get(slot) ?? [];
      if (list.length >= PS.MAX_HOOKS_PER_NR) {
        out.errors.push({ policy: p.policy.metadata.name, message: `more than ${PS.MAX_HOOKS_PER_NR} hooks on syscall ${slot}` });
        ok = false;
        break;
      }
      list.push(hid);
      bySlot.set(slot, list);
    }
    if (!ok) continue;
    hookCmds.push(...staged);
    for (const [pid, bit] of stagedFollow) follow.set(pid, (follow.get(pid) ?? 0n) | bit);
    followBits = stagedBits;
    childSets.push(...stagedChildSets);
    nextId = id;
  }
  // isNamespaceCapability compares the task's user namespace with the host's: the kernel needs its inode
  const userNsCaps = policies.some((p) => p.plan.hooks.some((h) => h.selectors.some((s) =>
    [...(s.matchCapabilities ?? []), ...(s.matchCapabilityChanges ?? [])].some((c) => c.isNamespaceCapability))));
  if (userNsCaps) out.commands.push(`hostuserns ${hostNs(NS_INDEX.User!)}`);
  // hostSelector: a host process is one in the host's pid namespace
  if (policies.some((p) => p.policy.spec.hostSelector)) out.commands.push(`hostpidns ${hostNs(NS_INDEX.Pid!)}`);
  // this bank's followChildren bits start from nobody, then get their binaries
  out.commands.push(`followreset ${((1n << BigInt(CHILD_BANK)) - 1n) << BigInt(opts.bank * CHILD_BANK)}`);
  childSets.forEach((values, i) => out.commands.push(`followbin ${opts.bank * CHILD_BANK + i} ${encodeStrSet(values).toString('hex')}`));
  out.commands.push(...hookCmds);
  for (const [pid, mask] of follow) out.commands.push(`follow ${pid} ${mask}`);
  for (const [slot, ids] of bySlot) { out.commands.push(`nr ${slot} ${encodeNrHooks(ids).toString('hex')}`); out.slots.add(slot); }
  for (const slot of opts.previousSlots ?? []) if (!out.slots.has(slot)) out.commands.push(`nr ${slot} ${encodeNrHooks([]).toString('hex')}`);
  return out;
}

/** Commands clearing a bank's hooks (after its generation was replaced). */
export function clearBank(bank: number): string[] {
  const empty = Buffer.alloc(SIZE.hook).toString('hex');
  const noBinaries = encodeStrSet([]).toString('hex');
  return [
    ...Array.from({ length: BANK }, (_, i) => `hook ${bank * BANK + i} ${empty}`),
    ...Array.from({ length: CHILD_BANK }, (_, i) => `followbin ${bank * CHILD_BANK + i} ${noBinaries}`),
  ];
}

/**
 * The syscalls a raw_syscalls/sys_enter hook can match: when every selector has an Equal or
 * InMap filter on the syscall number, only those (the hook is attached to them alone and costs
 * the others nothing); otherwise all.
 */
function syscallsSelected(hook: PlannedHook, selectors: readonly SelectorValue[]): number[] {
  const all = [...new Set(X86_64_SYSCALLS.values())];
  if (selectors.length === 0) return all;
  const nrs = new Set<number>();
  for (const s of selectors) {
    const m = s.matches.find((x) => hook.args[x.arg]?.source.kind === 'sysnr' && (x.op === OP.EQ || x.op === OP.INRANGE));
    if (!m) return all;
    for (const [lo, hi] of m.ranges) for (let n = lo; n <= hi && n - lo < 1024n; n++) nrs.add(Number(n));
  }
  return [...nrs].filter((n) => n >= 0 && n < PS.EXEC_SLOT);
}

const BINARY_OPS: Record<string, number> = { In: OP.EQ, NotIn: OP.NEQ, Prefix: OP.PREFIX, NotPrefix: OP.NOTPREFIX, Postfix: OP.POSTFIX, NotPostfix: OP.NOTPOSTFIX };
const STRING_OPS: Record<string, number> = { Equal: OP.EQ, NotEqual: OP.NEQ, Prefix: OP.PREFIX, NotPrefix: OP.NOTPREFIX, Postfix: OP.POSTFIX, NotPostfix: OP.NOTPOSTFIX };
const INT_OPS: Record<string, number> = {
  Equal: OP.EQ, NotEqual: OP.NEQ, GT: OP.GT, GreaterThan: OP.GT, LT: OP.LT, LessThan: OP.LT, Mask: OP.MASK,
  InMap: OP.INRANGE, NotInMap: OP.NOTINRANGE, InRange: OP.INRANGE, NotInRange: OP.NOTINRANGE,
};
const CAP_TYPE: Record<string, number> = { Effective: 0, Inheritable: 1, Permitted: 2 };

function compileSelector(s: Selector, hook: PlannedHook, policy: TracingPolicy, hostNs: (i: number) => number, allocBit: () => number,
  allocChildBit: (binaries: string[]) => number): SelectorValue {
  const matches: MatchArgValue[] = (s.matchArgs ?? []).map((m) => compileMatchArg(m, hook, policy));
  const pidsSpec = s.matchPIDs ?? [];
  if (pidsSpec.length > 1) throw new Error('Saker\'s policy sensor takes one matchPIDs entry per selector');
  const p = pidsSpec[0];
  const bins = s.matchBinaries?.[0];
  const pbins = s.matchParentBinaries?.[0];
  if ((s.matchNamespaces ?? []).length > PS.MAX_NS) throw new Error(`at most ${PS.MAX_NS} matchNamespaces per selector in Saker's policy sensor`);
  if ((s.matchCapabilities ?? []).length > 2) throw new Error('at most 2 matchCapabilities per selector in Saker\'s policy sensor');
  const actions = (s.matchActions ?? []).map(compileAction);
  const retActions = (s.matchReturnActions ?? []).map(compileAction);
  const post = [...(s.matchActions ?? []), ...(s.matchReturnActions ?? [])].find((a) => a.action === 'Post' && a.rateLimit !== undefined);
  const ret = s.matchReturnArgs?.[0];
  const nsch = s.matchNamespaceChanges?.[0];
  const capch = s.matchCapabilityChanges?.[0];
  return {
    nsChange: nsch ? { notIn: nsch.operator === 'NotIn', mask: nsch.values.reduce((m, v) => m | (1 << namespaceChangeIndex(v)!), 0) } : undefined,
    capChange: capch ? { type: CAP_TYPE[capch.type]!, notIn: capch.operator === 'NotIn', userNs: capch.isNamespaceCapability, mask: capabilityMask(capch.values) } : undefined,
    ret: ret ? compileIntMatch(0, ret, policy) : undefined,
    matches,
    pids: p ? { values: p.values, notIn: p.operator === 'NotIn', ns: p.isNamespacePID, followBit: p.followForks && !p.isNamespacePID ? allocBit() : 0 } : undefined,
    bin: bins ? { op: BINARY_OPS[bins.operator]!, values: bins.values, followBit: bins.followChildren ? allocChildBit(bins.values) : 0 } : undefined,
    pbin: pbins ? { op: BINARY_OPS[pbins.operator]!, values: pbins.values, followBit: pbins.followChildren ? allocChildBit(pbins.values) : 0 } : undefined,
    ns: (s.matchNamespaces ?? []).map((n) => ({
      ns: NS_INDEX[n.namespace]!, notIn: n.operator === 'NotIn',
      values: n.values.map((v) => (v === 'host_ns' ? hostNs(NS_INDEX[n.namespace]!) : Number(v))),
    })),
    caps: (s.matchCapabilities ?? []).map((c) => ({
      type: CAP_TYPE[c.type]!, notIn: c.operator === 'NotIn', userNs: c.isNamespaceCapability, mask: capabilityMask(c.values),
    })),
    actions: actions.length > 0 ? actions : [{ action: ACTION.Post, arg: 0 }],
    retActions,
    rateMs: post?.rateLimit ? parseRateLimit(post.rateLimit)! : 0,
    rateScope: post?.rateLimitScope === 'process' ? 1 : post?.rateLimitScope === 'global' ? 2 : 0,
  };
}

function capabilityMask(values: readonly string[]): bigint {
  return values.reduce((m, v) => m | (1n << BigInt(capabilityNumber(v)!)), 0n);
}

/** An action as the sensor runs it: Signal's signal, Override's errno positive (Tetragon's argError is its negation). */
function compileAction(a: NonNullable<Selector['matchActions']>[number]): { action: number; arg: number } {
  return { action: ACTION[a.action as keyof typeof ACTION], arg: a.action === 'Signal' ? (a.argSig ?? 0) : a.action === 'Override' ? -(a.argError ?? 0) : 0 };
}

function compileMatchArg(m: MatchArg, hook: PlannedHook, policy: TracingPolicy): MatchArgValue {
  const pos = m.args?.[0] ?? (hook.event === 'process_tracepoint'
    ? (hook.args.findIndex((a) => a.spec.index === m.index) >= 0 ? hook.args.findIndex((a) => a.spec.index === m.index) : m.index!)
    : hook.args.findIndex((a) => a.spec.index === m.index));
  const arg = hook.args[pos]!;
  const values = m.values ?? [];
  if (arg.type === 'sockaddr') return compileSockaddrMatch(pos, m);
  if (isStringType(arg.type)) {
    if (values.length > PS.MAX_STRVALS) throw new Error(`at most ${PS.MAX_STRVALS} string values per matchArgs in Saker's policy sensor`);
    return { arg: pos, op: STRING_OPS[m.operator]!, ranges: [], strings: values.map((v) => v.replace(/\0+$/, '')) };
  }
  return compileIntMatch(pos, m, policy);
}

/** An integer filter: values and ranges (list: syscall names), adjacent ones merged. */
function compileIntMatch(pos: number, m: MatchArg, policy: TracingPolicy): MatchArgValue {
  const values = m.values ?? [];
  const ranges: Array<[bigint, bigint]> = [];
  for (const v of values) {
    if (v.startsWith('list:')) {
      const list = policy.spec.lists?.find((l) => l.name === v.slice(5));
      for (const name of list?.values ?? []) {
        const nr = parseSyscall(name)?.nr;
        if (nr !== undefined) ranges.push([BigInt(nr), BigInt(nr)]);
      }
      continue;
    }
    const r = /^(.+?):(.+)$/.exec(v);
    const lo = parseIntValue(r ? r[1]! : v)!;
    const hi = r ? parseIntValue(r[2]!)! : lo;
    ranges.push([lo, hi]);
  }
  const op = INT_OPS[m.operator]!;
  const merged = op === OP.EQ || op === OP.NEQ || op === OP.INRANGE || op === OP.NOTINRANGE ? mergeRanges(ranges) : ranges;
  if (merged.length > PS.MAX_VALS) throw new Error(`at most ${PS.MAX_VALS} values or ranges per matchArgs in Saker's policy sensor (after merging adjacent ones)`);
  return { arg: pos, op, ranges: merged, strings: [] };
}

const FAMILIES: Record<string, number> = { AF_UNIX: 1, AF_LOCAL: 1, AF_INET: 2, AF_INET6: 10, AF_NETLINK: 16, AF_PACKET: 17 };

/** A sockaddr filter: the port, the IPv4 address or the family of the packed value (FIELD). */
function compileSockaddrMatch(pos: number, m: MatchArg): MatchArgValue {
  const values = m.values ?? [];
  const negated = m.operator.startsWith('Not');
  const op = negated ? OP.NOTINRANGE : OP.INRANGE;
  let field: number;
  let ranges: Array<[bigint, bigint]>;
  switch (m.operator) {
    case 'SPortPriv': case 'NotSportPriv':
      field = FIELD.port; ranges = [[0n, 1023n]]; break;
    case 'SPort': case 'NotSPort':
      field = FIELD.port;
      ranges = values.map((v) => { const [lo, hi] = v.split(':'); return [BigInt(parseIntValue(lo!)!), BigInt(parseIntValue(hi ?? lo!)!)]; });
      break;
    case 'SAddr': case 'NotSAddr':
      field = FIELD.addr4; ranges = values.map(ipv4Range); break;
    default: // Family
      field = FIELD.family; ranges = values.map((v) => { const n = BigInt(FAMILIES[v] ?? parseIntValue(v)!); return [n, n]; });
  }
  const merged = mergeRanges(ranges);
  if (merged.length > PS.MAX_VALS) throw new Error(`at most ${PS.MAX_VALS} values or ranges per matchArgs in Saker's policy sensor (after merging adjacent ones)`);
  return { arg: pos, op, ranges: merged, strings: [], field };
}

/** An IPv4 address or CIDR as the range of addresses it covers (host order). */
function ipv4Range(v: string): [bigint, bigint] {
  const [addr, bits] = v.split('/');
  const n = addr!.split('.').reduce((acc, o) => (acc << 8n) | BigInt(Number(o)), 0n);
  const prefix = bits === undefined ? 32 : Number(bits);
  const size = 1n << BigInt(32 - prefix);
  const lo = n & ~(size - 1n) & 0xffffffffn;
  return [lo, lo + size - 1n];
}

function isStringType(t: ArgType): boolean {
  return t === 'string' || t === 'filename' || t === 'linux_binprm';
}

/** Sorts and merges overlapping or adjacent ranges (Equal values are one-value ranges). */
function mergeRanges(ranges: Array<[bigint, bigint]>): Array<[bigint, bigint]> {
  const sorted = [...ranges].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const out: Array<[bigint, bigint]> = [];
  for (const r of sorted) {
    const last = out[out.length - 1];
    if (last && r[0] <= last[1] + 1n) last[1] = r[1] > last[1] ? r[1] : last[1];
    else out.push([r[0], r[1]]);
  }
  return out;
}
