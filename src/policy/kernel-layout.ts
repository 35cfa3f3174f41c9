// Byte layouts of the policy sensor's maps and records (sensor/src/policy/policy_shared.h), as
// the TypeScript side writes selectors into maps and reads hits back. kernel-layout.test.ts checks
// every size and offset here against `saker-policy --layout`, so the two cannot drift apart.

export const PS = {
  MAX_HOOKS: 128,
  MAX_SELECTORS: 5,
  MAX_ARGS: 5,
  MAX_MATCH: 5,
  MAX_VALS: 8,
  MAX_STRVALS: 4,
  STR: 256,
  MAX_NS: 4,
  MAX_HOOKS_PER_NR: 16,
  NR_SLOTS: 513,
  EXEC_SLOT: 512,
  MAX_POLICIES: 64,
  STR_ARGS: 2,
  FOLLOW_BINS: 64,
  /** bytes of a char_buf argument captured */
  BUF: 4096,
} as const;

export const SOURCE = { none: 0, sysarg: 1, sysnr: 2, 'exec-path': 3, 'exec-pid': 4 } as const;
export const KIND = { int: 0, string: 1, buf: 2, sockaddr: 3 } as const;
/** The part of an argument an integer filter reads (enum ps_field): a sockaddr packs family, port, IPv4 address. */
export const FIELD = { whole: 0, port: 1, addr4: 2, family: 3 } as const;
export const OP = { EQ: 1, NEQ: 2, GT: 3, LT: 4, MASK: 5, INRANGE: 6, NOTINRANGE: 7, PREFIX: 8, NOTPREFIX: 9, POSTFIX: 10, NOTPOSTFIX: 11 } as const;
export const ACTION = { Post: 1, Sigkill: 3, Override: 5, NoPost: 9, Signal: 10 } as const;

export const SIZE = { hook: 60, selector: 9472, nrHooks: 68, record: 896, str: 264, strset: 1044, matchArg: 1184, nsMatch: 20, counters: 40 } as const;
export const OFF = {
  sel: { followBit: 32, binFollowBit: 132, capMask: 80, nactions: 96, rateMs: 124, ns: 136, match: 216, bins: 6136, pbins: 7180, retMatch: 8224, nretActions: 9408, pbinFollowBit: 9436, nschOp: 9440, capchMask: 9464 },
  ma: { field: 3, lo: 8, hi: 72, strs: 136 },
  hook: { args: 24, ret: 44, override: 48, workload: 52, host: 56 },
  rec: { uid: 40, args: 48, str: 96, exe: 624, bufLen: 888 },
} as const;

export interface HookValue {
  policy: number;
  monitor: boolean;
  nselectors: number;
  needExe: boolean;
  /** a return probe: selectors finish and the event posts at syscall exit */
  ret?: boolean;
  /** a selector may Override: the sensor attaches its cgroup programs while such a hook is loaded */
  override?: boolean;
  /** podSelector/containerSelector: only the containers the agent put in the workloads map for this policy */
  workload?: boolean;
  /** hostSelector {}: host processes (the host's pid namespace) match, beside any selected containers */
  host?: boolean;
  args: Array<{ source: number; index: number; kind: number; strSlot: number }>;
}

export function encodeHook(h: HookValue): Buffer {
  const b = Buffer.alloc(SIZE.hook);
  b.writeUInt32LE(1, 0);
  b.writeUInt32LE(h.policy, 4);
  b.writeUInt32LE(h.monitor ? 1 : 0, 8);
  b.writeUInt32LE(h.nselectors, 12);
  b.writeUInt32LE(h.args.length, 16);
  b.writeUInt32LE(h.needExe ? 1 : 0, 20);
  b.writeUInt32LE(h.ret ? 1 : 0, OFF.hook.ret);
  b.writeUInt32LE(h.override ? 1 : 0, OFF.hook.override);
  b.writeUInt32LE(h.workload ? 1 : 0, OFF.hook.workload);
  b.writeUInt32LE(h.host ? 1 : 0, OFF.hook.host);
  h.args.forEach((a, i) => {
    const o = OFF.hook.args + 4 * i;
    b.writeUInt8(a.source, o);
    b.writeUInt8(a.index, o + 1);
    b.writeUInt8(a.kind, o + 2);
    b.writeUInt8(a.strSlot, o + 3);
  });
  return b;
}

export interface MatchArgValue {
  arg: number; op: number; ranges: Array<[bigint, bigint]>; strings: string[];
  /** FIELD: the part of the argument compared (default the whole value) */
  field?: number;
}
export interface SelectorValue {
  matches: MatchArgValue[];
  pids: { values: number[]; notIn: boolean; ns: boolean; followBit: number } | undefined;
  /** followBit: matchBinaries followChildren, 1 + the section's bit, 0 off */
  bin: { op: number; values: string[]; followBit: number } | undefined;
  /** followBit: matchParentBinaries followChildren (any ancestor), as bin's */
  pbin: { op: number; values: string[]; followBit: number } | undefined;
  ns: Array<{ ns: number; notIn: boolean; values: number[] }>;
  caps: Array<{ type: number; notIn: boolean; userNs: boolean; mask: bigint }>;
  actions: Array<{ action: number; arg: number }>;
  /** matchReturnActions, run at a return probe's exit after `actions` */
  retActions?: Array<{ action: number; arg: number }>;
  rateMs: number;
  rateScope: number;
  /** matchReturnArgs on the return value (its `arg` unused) */
  ret?: MatchArgValue;
  /** matchNamespaceChanges: the namespaces (bit = ps_ns_match.ns) whose change since exec matches (In), or whose change does not count (NotIn) */
  nsChange?: { notIn: boolean; mask: number };
  /** matchCapabilityChanges: a change of the listed capabilities since exec (In), or of others only (NotIn) */
  capChange?: { type: number; notIn: boolean; userNs: boolean; mask: bigint };
}

function writeStrSet(b: Buffer, at: number, values: readonly string[]): void {
  b.writeUInt32LE(values.length, at);
  values.forEach((v, i) => {
    const bytes = Buffer.from(v, 'utf8').subarray(0, PS.STR - 1);
    b.writeUInt32LE(bytes.length, at + 4 + 4 * i);
    bytes.copy(b, at + 4 + 4 * PS.MAX_STRVALS + PS.STR * i);
  });
}

function writeMatch(b: Buffer, o: number, m: MatchArgValue): void {
  b.writeUInt8(m.arg, o);
  b.writeUInt8(m.op, o + 1);
  b.writeUInt8(m.ranges.length, o + 2);
  b.writeUInt8(m.field ?? FIELD.whole, o + OFF.ma.field);
  m.ranges.forEach(([lo, hi], j) => {
    b.writeBigInt64LE(BigInt.asIntN(64, lo), o + OFF.ma.lo + 8 * j);
    b.writeBigInt64LE(BigInt.asIntN(64, hi), o + OFF.ma.hi + 8 * j);
  });
  writeStrSet(b, o + OFF.ma.strs, m.strings);
}

export function encodeSelector(s: SelectorValue): Buffer {
  const b = Buffer.alloc(SIZE.selector);
  b.writeUInt32LE(s.matches.length, 0);
  if (s.pids) {
    b.writeUInt32LE(s.pids.values.length, 4);
    b.writeUInt32LE(s.pids.notIn ? 1 : 0, 8);
    b.writeUInt32LE(s.pids.ns ? 1 : 0, 12);
    s.pids.values.forEach((p, i) => b.writeUInt32LE(p, 16 + 4 * i));
    b.writeUInt32LE(s.pids.followBit, OFF.sel.followBit);
  }
  b.writeUInt32LE(s.bin?.op ?? 0, 36);
  b.writeUInt32LE(s.pbin?.op ?? 0, 40);
  b.writeUInt32LE(s.ns.length, 44);
  b.writeUInt32LE(s.caps.length, 48);
  s.caps.forEach((c, i) => {
    b.writeUInt32LE(c.type, 52 + 4 * i);
    b.writeUInt32LE(c.notIn ? 1 : 0, 60 + 4 * i);
    b.writeUInt32LE(c.userNs ? 1 : 0, 68 + 4 * i);
    b.writeBigUInt64LE(c.mask, OFF.sel.capMask + 8 * i);
  });
  b.writeUInt32LE(s.actions.length, OFF.sel.nactions);
  s.actions.forEach((a, i) => {
    b.writeUInt32LE(a.action, OFF.sel.nactions + 4 + 4 * i);
    b.writeUInt32LE(a.arg, OFF.sel.nactions + 16 + 4 * i);
  });
  b.writeUInt32LE(s.retActions?.length ?? 0, OFF.sel.nretActions);
  (s.retActions ?? []).forEach((a, i) => {
    b.writeUInt32LE(a.action, OFF.sel.nretActions + 4 + 4 * i);
    b.writeUInt32LE(a.arg, OFF.sel.nretActions + 16 + 4 * i);
  });
  b.writeUInt32LE(s.rateMs, OFF.sel.rateMs);
  b.writeUInt32LE(s.rateScope, OFF.sel.rateMs + 4);
  s.ns.forEach((n, i) => {
    const o = OFF.sel.ns + SIZE.nsMatch * i;
    b.writeUInt8(n.ns, o);
    b.writeUInt8(n.notIn ? 1 : 0, o + 1);
    b.writeUInt8(n.values.length, o + 2);
    n.values.forEach((v, j) => b.writeUInt32LE(v, o + 4 + 4 * j));
  });
  s.matches.forEach((m, i) => writeMatch(b, OFF.sel.match + SIZE.matchArg * i, m));
  if (s.ret) writeMatch(b, OFF.sel.retMatch, s.ret);
  if (s.bin) {
    writeStrSet(b, OFF.sel.bins, s.bin.values);
    b.writeUInt32LE(s.bin.followBit, OFF.sel.binFollowBit);
  }
  if (s.pbin) {
    writeStrSet(b, OFF.sel.pbins, s.pbin.values);
    b.writeUInt32LE(s.pbin.followBit, OFF.sel.pbinFollowBit);
  }
  if (s.nsChange) {
    b.writeUInt32LE(s.nsChange.notIn ? OP.NEQ : OP.EQ, OFF.sel.nschOp);
    b.writeUInt32LE(s.nsChange.mask, OFF.sel.nschOp + 4);
  }
  if (s.capChange) {
    b.writeUInt32LE(s.capChange.notIn ? OP.NEQ : OP.EQ, OFF.sel.nschOp + 8);
    b.writeUInt32LE(s.capChange.type, OFF.sel.nschOp + 12);
    b.writeUInt32LE(s.capChange.userNs ? 1 : 0, OFF.sel.nschOp + 16);
    b.writeBigUInt64LE(s.capChange.mask, OFF.sel.capchMask);
  }
  return b;
}

/** A followChildren section's binaries (struct ps_strset); none frees the section. */
export function encodeStrSet(values: readonly string[]): Buffer {
  const b = Buffer.alloc(SIZE.strset);
  writeStrSet(b, 0, values);
  return b;
}

export function encodeNrHooks(ids: readonly number[]): Buffer {
  const b = Buffer.alloc(SIZE.nrHooks);
  b.writeUInt32LE(ids.length, 0);
  ids.forEach((id, i) => b.writeUInt32LE(id, 4 + 4 * i));
  return b;
}

export function encodeStr(s: string): Buffer {
  const b = Buffer.alloc(SIZE.str);
  const bytes = Buffer.from(s, 'utf8').subarray(0, PS.STR - 1);
  b.writeUInt32LE(bytes.length, 0);
  bytes.copy(b, 8);
  return b;
}

/** One hit as the sensor wrote it (struct ps_record). */
export interface PolicyRecord {
  ktime: bigint;
  startTime: bigint;
  tgid: number;
  tid: number;
  ppid: number;
  hook: number;
  nr: number;
  selector: number;
  action: number;
  monitored: boolean;
  /** a return probe's hit: the syscall's return value */
  ret: bigint | undefined;
  /** a return probe's hit: the last of its selector's matchReturnActions run (Post when none) */
  returnAction: number | undefined;
  uid: number;
  euid: number;
  args: bigint[];
  strings: Buffer[];
  exe: string;
  /** a char_buf argument's bytes (at most PS.BUF), and how many the call had */
  buf: Buffer;
  bufOrig: number;
}

/** The size of the record at the start of `b` (its char_buf bytes follow it), or undefined before its header is complete. */
export function recordSize(b: Buffer): number | undefined {
  return b.length < SIZE.record ? undefined : SIZE.record + Math.min(b.readUInt32LE(OFF.rec.bufLen), PS.BUF);
}

function readStr(b: Buffer, at: number): Buffer {
  const len = Math.min(b.readUInt32LE(at), PS.STR - 1);
  return b.subarray(at + 8, at + 8 + len);
}

export function decodeRecord(b: Buffer): PolicyRecord {
  const args: bigint[] = [];
  for (let i = 0; i <= PS.MAX_ARGS; i++) args.push(b.readBigInt64LE(OFF.rec.args + 8 * i));
  const strings: Buffer[] = [];
  for (let i = 0; i < PS.STR_ARGS; i++) strings.push(Buffer.from(readStr(b, OFF.rec.str + SIZE.str * i)));
  return {
    ktime: b.readBigUInt64LE(0),
    startTime: b.readBigUInt64LE(8),
    tgid: b.readUInt32LE(16),
    tid: b.readUInt32LE(20),
    ppid: b.readUInt32LE(24),
    hook: b.readUInt32LE(28),
    nr: b.readUInt32LE(32),
    selector: b.readUInt8(36),
    action: b.readUInt8(37),
    monitored: b.readUInt8(38) !== 0,
    ret: b.readUInt8(39) !== 0 ? b.readBigInt64LE(OFF.rec.args + 8 * PS.MAX_ARGS) : undefined,
    returnAction: b.readUInt8(39) || undefined,
    uid: b.readUInt32LE(OFF.rec.uid),
    euid: b.readUInt32LE(OFF.rec.uid + 4),
    args,
    strings,
    exe: readStr(b, OFF.rec.exe).toString('utf8'),
    buf: Buffer.from(b.subarray(SIZE.record, SIZE.record + Math.min(b.readUInt32LE(OFF.rec.bufLen), PS.BUF))),
    bufOrig: b.readUInt32LE(OFF.rec.bufLen + 4),
  };
}
