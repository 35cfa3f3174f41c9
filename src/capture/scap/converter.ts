// libscap's scap converter (engine/savefile/converter): turns the events of old captures into the
// current one-exit-event model. Enter events are stored per thread and their parameters moved into
// the matching exit event; old event versions are rewritten to the current layout; events the
// current model does not deliver are dropped. Rules come from libscap's conversion table (facts in
// libs-facts.ts), applied until the event needs no further conversion.
import { EF, PT, fixedParamSize, type ParamType } from '../../events/event-info.js';
import { EVT_HDR_SIZE } from '../../events/event-view.js';
import { EVENT_TABLE } from '../../events/event-table.js';
import { CONVERSIONS, type ConversionRow } from '../../events/libs-facts.js';

export enum Conversion {
  /** Deliver the event as it is. */
  Pass,
  /** Do not deliver it. */
  Drop,
  /** Needs (further) conversion. */
  Continue,
}

export class ConversionError extends Error {}

const MAX_EVENT_SIZE = 64 * 1024;
const MAX_CONVERSIONS = 50; // libscap MAX_CONVERSION_BOUNDARY

// Conversion actions and parameter sources, as numbers for the hot path.
const ACT = { STORE: 0, STORE_AND_PASS: 1, PASS: 2, ADD_PARAMS: 3, CHANGE_TYPE: 4, UNKNOWN: 5 } as const;
const SRC = { FROM_EMPTY: 0, FROM_DEFAULT: 1, FROM_OLD: 2, FROM_ENTER: 3, FROM_CALLBACK: 4, UNKNOWN: 5 } as const;

/** A conversion row with everything the step needs worked out when the module loads. */
interface CompiledRow {
  action: number;
  actionName: string;
  newType: number;
  /** Parameter length width of the new event. */
  ls: number;
  /** Per instruction: source, parameter number, empty-when-missing, the new parameter's type and longest value. */
  src: Uint8Array;
  num: Int32Array;
  fallbackEmpty: Uint8Array;
  ptype: ParamType[];
  maxLen: Float64Array;
  codes: string[];
}

function compileRow(row: ConversionRow): CompiledRow {
  const [type, nparams, action, desired, instrs] = row;
  const act = (ACT as Record<string, number>)[action] ?? ACT.UNKNOWN;
  const newType = act === ACT.CHANGE_TYPE ? desired! : type;
  const ls = EVENT_TABLE[newType] ? lenSize(newType) : 2;
  const firstNew = act === ACT.ADD_PARAMS ? nparams : 0;
  const c: CompiledRow = {
    action: act, actionName: action, newType, ls,
    src: new Uint8Array(instrs.length), num: new Int32Array(instrs.length), fallbackEmpty: new Uint8Array(instrs.length),
    ptype: [], maxLen: new Float64Array(instrs.length), codes: [],
  };
  instrs.forEach(([code, num, fallbackEmpty], k) => {
    c.src[k] = (SRC as Record<string, number>)[code] ?? SRC.UNKNOWN;
    c.num[k] = num;
    c.fallbackEmpty[k] = fallbackEmpty ? 1 : 0;
    const ptype = EVENT_TABLE[newType]?.params[firstNew + k]?.type ?? PT.NONE;
    c.ptype.push(ptype);
    c.maxLen[k] = maxSize(ptype, ls);
    c.codes.push(code);
  });
  return c;
}

/** Conversion rows by (event type, parameter count), densely indexed: type * ROW_STRIDE + nparams. */
const ROW_STRIDE = 65;
let table: Array<CompiledRow | undefined> | undefined;
/** The compiled rows, made when the first old event needs them: current captures never do. */
function conversionTable(): Array<CompiledRow | undefined> {
  if (table === undefined) {
    table = [];
    for (const row of CONVERSIONS) if (row[1] < ROW_STRIDE) table[row[0] * ROW_STRIDE + row[1]] = compileRow(row);
  }
  return table;
}

/** The static eligibility rules (converter README): what to do with an event of `type` and `nparams`. */
export function convertibility(type: number, nparams: number): Conversion {
  const info = EVENT_TABLE[type];
  if (!info) throw new ConversionError(`unknown event type ${type}`);
  const f = info.flags;
  if (f & EF.UNUSED) return Conversion.Drop;
  if (!(f & EF.CONVERTER_MANAGED)) {
    if (!(f & EF.OLD_VERSION)) return Conversion.Pass;
    if ((type & 1) === 0) return Conversion.Drop;
    throw new ConversionError(`old exit event ${info.id} is not managed by the converter`);
  }
  if ((type & 1) === 0) return Conversion.Continue;
  if (nparams > info.params.length) {
    throw new ConversionError(`${info.id} has more parameters (${nparams}) than expected (${info.params.length})`);
  }
  if (f & EF.OLD_VERSION || nparams !== info.params.length) return Conversion.Continue;
  return Conversion.Pass;
}

/** QUICK[type]: convertibility() whatever the parameter count (Pass, Drop, Continue = ask the
 *  converter), or PASS_IF_COMPLETE: Pass with the table's parameter count, else ask. */
const PASS_IF_COMPLETE = 3;
const QUICK = new Uint8Array(EVENT_TABLE.length);
const FULL_PARAMS = new Uint32Array(EVENT_TABLE.length);
EVENT_TABLE.forEach((info, type) => {
  const f = info.flags;
  FULL_PARAMS[type] = info.params.length;
  if (f & EF.UNUSED) QUICK[type] = Conversion.Drop;
  else if (!(f & EF.CONVERTER_MANAGED)) QUICK[type] = !(f & EF.OLD_VERSION) ? Conversion.Pass : (type & 1) === 0 ? Conversion.Drop : Conversion.Continue;
  else QUICK[type] = (type & 1) === 0 || f & EF.OLD_VERSION ? Conversion.Continue : PASS_IF_COMPLETE;
});

/**
 * Per event type, the parameter count with which convertibility() certainly passes the event
 * unchanged: -1 for any count, -2 for none (the converter must look).
 */
export const PASS_WITH_PARAMS = Int32Array.from(QUICK, (q, type) => (q === Conversion.Pass ? -1 : q === PASS_IF_COMPLETE ? FULL_PARAMS[type]! : -2));

/** True when convertibility() certainly passes an event of `type` with `nparams` unchanged. */
export function passesUnconverted(type: number, nparams: number): boolean {
  const want = PASS_WITH_PARAMS[type];
  return want === -1 || want === nparams;
}

/**
 * What convertibility() says of the record at buf[start..], from a per-type table: Pass or Drop
 * when that is certain, Continue when the converter must look (it also raises the errors).
 */
export function quickVerdict(buf: Buffer, start: number): Conversion {
  const type = buf[start + 20]! | (buf[start + 21]! << 8);
  const q = QUICK[type];
  if (q === undefined) return Conversion.Continue;
  if (q !== PASS_IF_COMPLETE) return q;
  const n = (buf[start + 22]! | (buf[start + 23]! << 8) | (buf[start + 24]! << 16)) + buf[start + 25]! * 0x1000000;
  return n === FULL_PARAMS[type] ? Conversion.Pass : Conversion.Continue;
}

/** Width of one parameter length of events of `type`. */
function lenSize(type: number): number {
  return (EVENT_TABLE[type]!.flags & EF.LARGE_PAYLOAD) !== 0 ? 4 : 2;
}


/** Largest value a parameter of type `t` may hold (ppm_param_max_len_from_type): fixed types keep their size. */
function maxSize(t: ParamType, lsize: number): number {
  const d = fixedParamSize(t);
  if (d > 0) return d;
  return lsize === 4 ? 0xffffffff : 0xffff;
}

// Little-endian reads and writes by hand: Buffer's readUInt32LE & co. check their arguments on
// every call, which shows when every event of an old capture is converted.
const u16 = (b: Buffer, o: number): number => b[o]! | (b[o + 1]! << 8);
const u32 = (b: Buffer, o: number): number => (b[o]! | (b[o + 1]! << 8) | (b[o + 2]! << 16)) + b[o + 3]! * 0x1000000;
function put16(b: Buffer, o: number, v: number): void {
  b[o] = v & 0xff;
  b[o + 1] = (v >>> 8) & 0xff;
}
function put32(b: Buffer, o: number, v: number): void {
  b[o] = v & 0xff;
  b[o + 1] = (v >>> 8) & 0xff;
  b[o + 2] = (v >>> 16) & 0xff;
  b[o + 3] = (v >>> 24) & 0xff;
}

/** Reads the parameter offsets and lengths of a record into `offs`/`lens`. */
function readSlices(buf: Buffer, start: number, type: number, nparams: number, offs: Int32Array, lens: Int32Array): void {
  const ls = lenSize(type);
  let lp = start + EVT_HDR_SIZE;
  let p = lp + nparams * ls;
  for (let i = 0; i < nparams; i++) {
    const l = ls === 2 ? u16(buf, lp) : u32(buf, lp);
    offs[i] = p;
    lens[i] = l;
    p += l;
    lp += ls;
  }
}

/**
 * Copies bytes; a loop for the short runs most events have (Buffer.copy validates its arguments
 * and allocates a view per call, which costs more than copying a few hundred bytes by hand).
 */
function copyBytes(src: Buffer, from: number, dst: Buffer, to: number, n: number): void {
  if (n > 256) {
    src.copy(dst, to, from, from + n);
    return;
  }
  for (let i = 0; i < n; i++) dst[to + i] = src[from + i]!;
}

/** Thread id of a record as a number (no BigInt per event). */
const tidOf = (b: Buffer, start: number): number => (u32(b, start + 12) | 0) * 4294967296 + u32(b, start + 8);

const MAX_PARAMS = 64;
const POOL_MAX = 256;

type Result = { verdict: Conversion.Pass | Conversion.Drop; buf: Buffer; start: number };

/**
 * Applies libscap's conversions to event records. Stateful: enter events are kept per thread
 * until their exit event arrives. One instance per capture (section). The steady state allocates
 * nothing: enter events are copied into pooled buffers, conversions alternate between two
 * scratch buffers, parameter slices live in typed arrays.
 */
export class ScapConverter {
  private readonly stored = new Map<number, Buffer>();
  /** Buffers of consumed enter events, for the next ones. */
  private readonly pool: Buffer[] = [];
  private readonly result: Result = { verdict: Conversion.Pass, buf: Buffer.alloc(0), start: 0 };
  private bufA = Buffer.alloc(MAX_EVENT_SIZE);
  private bufB = Buffer.alloc(MAX_EVENT_SIZE);
  private readonly oldOffs = new Int32Array(MAX_PARAMS);
  private readonly oldLens = new Int32Array(MAX_PARAMS);
  private readonly entOffs = new Int32Array(MAX_PARAMS);
  private readonly entLens = new Int32Array(MAX_PARAMS);
  /** The new event's parameters: source buffer, offset, length. */
  private readonly partBuf: Buffer[] = new Array<Buffer>(MAX_PARAMS);
  private readonly partOff = new Int32Array(MAX_PARAMS);
  private readonly partLen = new Int32Array(MAX_PARAMS);
  private nparts = 0;
  /** Appends a parameter slice to the event being built. */
  private readonly push = (b: Buffer, o: number, l: number): void => {
    const n = this.nparts;
    if (n >= MAX_PARAMS) throw new ConversionError(`a converted event would have more than ${MAX_PARAMS} parameters`);
    this.partBuf[n] = b;
    this.partOff[n] = o;
    this.partLen[n] = l;
    this.nparts = n + 1;
  };

  /**
   * The most recent enter event, kept outside the map: an exit event mostly follows its enter
   * event directly, and then neither needs a map operation.
   */
  private lastTid = -1;
  private lastBuf: Buffer | undefined;

  /** Forgets stored enter events (new section of a concatenated capture). */
  reset(): void {
    this.stored.clear();
    this.lastTid = -1;
    this.lastBuf = undefined;
  }

  private done(verdict: Conversion.Pass | Conversion.Drop, buf: Buffer, start: number): Result {
    const r = this.result;
    r.verdict = verdict;
    r.buf = buf;
    r.start = start;
    return r;
  }

  /**
   * Converts the record at buf[start..]. Returns Pass with the record to deliver (the input itself
   * when it needs no conversion, else an internal buffer valid until the next call), or Drop.
   * The result object is reused by the next call.
   */
  convert(buf: Buffer, start: number): Result {
    let type = u16(buf, start + 20);
    let nparams = u32(buf, start + 22);
    let v = convertibility(type, nparams);
    // The common case (a current event): no conversion, no copy.
    if (v !== Conversion.Continue) return this.done(v, buf, start);
    let src = buf;
    let srcStart = start;
    for (let n = 0; n < MAX_CONVERSIONS; n++) {
      const len = u32(src, srcStart + 16);
      if (len > MAX_EVENT_SIZE) throw new ConversionError(`event length ${len} exceeds ${MAX_EVENT_SIZE}`);
      // Each step writes into the scratch buffer it does not read from.
      const dst = src === this.bufA ? this.bufB : this.bufA;
      const r = this.convertOnce(src, srcStart, type, nparams, dst);
      if (r !== Conversion.Continue) return this.done(r, src, srcStart);
      src = dst;
      srcStart = 0;
      type = u16(src, 20);
      nparams = u32(src, 22);
      v = convertibility(type, nparams);
      if (v !== Conversion.Continue) return this.done(v, src, 0);
    }
    throw new ConversionError(`event type ${type} still needs conversion after ${MAX_CONVERSIONS} steps`);
  }

  /** Keeps a copy of an enter event for its thread. */
  private store(tid: number, old: Buffer, start: number, len: number): void {
    let b: Buffer | undefined;
    if (tid === this.lastTid) b = this.lastBuf;
    else {
      if (this.lastTid !== -1) this.stored.set(this.lastTid, this.lastBuf!);
      b = this.stored.get(tid);
      if (b !== undefined) this.stored.delete(tid);
      else b = this.pool.pop();
    }
    if (b === undefined || b.length < len) b = Buffer.allocUnsafe(Math.max(len, 512));
    copyBytes(old, start, b, 0, len);
    this.lastTid = tid;
    this.lastBuf = b;
  }

  /** The stored enter event of `tid`, if any. */
  private enterOf(tid: number): Buffer | undefined {
    return tid === this.lastTid ? this.lastBuf : this.stored.get(tid);
  }

  /** Forgets the enter event of `tid`, keeping its buffer for reuse. */
  private consume(tid: number): void {
    let b: Buffer | undefined;
    if (tid === this.lastTid) {
      b = this.lastBuf;
      this.lastTid = -1;
      this.lastBuf = undefined;
    } else {
      b = this.stored.get(tid);
      if (b === undefined) return;
      this.stored.delete(tid);
    }
    if (b !== undefined && this.pool.length < POOL_MAX) this.pool.push(b);
  }

  /** One conversion step: a final verdict (STORE, PASS ...), or Continue with the new event in `out`. */
  private convertOnce(old: Buffer, start: number, type: number, nparams: number, out: Buffer): Conversion {
    const row = nparams < ROW_STRIDE ? conversionTable()[type * ROW_STRIDE + nparams] : undefined;
    if (!row) throw new ConversionError(`no conversion for ${EVENT_TABLE[type]!.id} with ${nparams} parameters`);
    const action = row.action;
    const tidKey = tidOf(old, start);
    if (action === ACT.STORE || action === ACT.STORE_AND_PASS) {
      this.store(tidKey, old, start, u32(old, start + 16));
      return action === ACT.STORE ? Conversion.Drop : Conversion.Pass;
    }
    if (action === ACT.PASS) return Conversion.Pass;
    if (action === ACT.UNKNOWN) throw new ConversionError(`unknown conversion action ${row.actionName}`);
    if (nparams > MAX_PARAMS) throw new ConversionError(`${EVENT_TABLE[type]!.id} has ${nparams} parameters`);
    const ls = row.ls;
    const oldOffs = this.oldOffs;
    const oldLens = this.oldLens;
    readSlices(old, start, type, nparams, oldOffs, oldLens);
    // Parameters the step adds, as (buffer, offset, length) slices (length 0 = empty). ADD_PARAMS
    // keeps the old parameters in front: they are copied in bulk below.
    this.nparts = 0;
    const push = this.push;
    const kept = action === ACT.ADD_PARAMS ? nparams : 0;
    let enter: Buffer | undefined;
    let enterParams = -1;
    let usedEnter = false;
    const src = row.src;
    for (let k = 0; k < src.length; k++) {
      const num = row.num[k]!;
      switch (src[k]) {
        case SRC.FROM_EMPTY:
          push(old, 0, 0);
          continue;
        case SRC.FROM_DEFAULT:
          pushDefault(push, row.ptype[k]!);
          continue;
        case SRC.FROM_OLD:
          if (num >= nparams) throw new ConversionError(`${EVENT_TABLE[type]!.id} has no parameter ${num}`);
          push(old, oldOffs[num]!, Math.min(oldLens[num]!, row.maxLen[k]!));
          continue;
        case SRC.FROM_ENTER: {
          if (enter === undefined) {
            enter = this.enterOf(tidKey);
            if (enter !== undefined) {
              const etype = u16(enter, 20);
              if (etype !== type - 1) {
                throw new ConversionError(`the enter event for ${EVENT_TABLE[type]!.id} is ${EVENT_TABLE[etype]?.id ?? etype}`);
              }
              enterParams = u32(enter, 22);
              if (enterParams > MAX_PARAMS) throw new ConversionError(`enter event ${EVENT_TABLE[etype]!.id} has ${enterParams} parameters`);
              readSlices(enter, 0, etype, enterParams, this.entOffs, this.entLens);
            }
          }
          if (enter === undefined) {
            if (row.fallbackEmpty[k]) push(old, 0, 0);
            else pushDefault(push, row.ptype[k]!);
            continue;
          }
          if (num >= enterParams) throw new ConversionError(`enter event ${EVENT_TABLE[type - 1]!.id} has no parameter ${num}`);
          push(enter, this.entOffs[num]!, Math.min(this.entLens[num]!, row.maxLen[k]!));
          usedEnter = true;
          continue;
        }
        case SRC.FROM_CALLBACK: {
          const json = containerJson(old, oldOffs, oldLens, nparams);
          if (json === undefined) {
            if (row.fallbackEmpty[k]) push(old, 0, 0);
            else pushDefault(push, row.ptype[k]!);
          } else push(json, 0, Math.min(json.length, row.maxLen[k]!));
          continue;
        }
        default:
          throw new ConversionError(`unknown conversion instruction ${row.codes[k]}`);
      }
    }
    const added = this.nparts;
    const n = kept + added;
    const pb = this.partBuf;
    const po = this.partOff;
    const pl = this.partLen;
    // Assemble: header, lengths, params.
    let keptBytes = 0;
    for (let i = 0; i < kept; i++) keptBytes += oldLens[i]!;
    let total = EVT_HDR_SIZE + n * ls + keptBytes;
    for (let i = 0; i < added; i++) total += pl[i]!;
    if (total > MAX_EVENT_SIZE) throw new ConversionError(`converted event would be ${total} bytes`);
    copyBytes(old, start, out, 0, 16); // ts, tid
    put32(out, 16, total);
    put16(out, 20, row.newType);
    put32(out, 22, n);
    let lp = EVT_HDR_SIZE;
    let dp = EVT_HDR_SIZE + n * ls;
    if (kept > 0) {
      // The old length table and the old parameters, each in one piece (same type, same widths).
      copyBytes(old, start + EVT_HDR_SIZE, out, lp, kept * ls);
      lp += kept * ls;
      copyBytes(old, oldOffs[0]!, out, dp, keptBytes);
      dp += keptBytes;
    }
    for (let i = 0; i < added; i++) {
      const l = pl[i]!;
      if (ls === 2) {
        out[lp] = l & 0xff;
        out[lp + 1] = l >>> 8;
      } else put32(out, lp, l);
      lp += ls;
      copyBytes(pb[i]!, po[i]!, out, dp, l);
      dp += l;
    }
    // The enter event is consumed once its parameters are copied out of it.
    if (usedEnter) this.consume(tidKey);
    return Conversion.Continue;
  }
}

function pushDefault(push: (b: Buffer, o: number, l: number) => void, t: ParamType): void {
  const size = fixedParamSize(t);
  if (size === 0) push(EMPTY, 0, 0);
  else push(t === PT.UID || t === PT.GID ? UID_DEFAULT : ZEROS, 0, size);
}

const EMPTY = Buffer.alloc(0);
const ZEROS = Buffer.alloc(32);
const UID_DEFAULT = Buffer.from([0xff, 0xff, 0xff, 0xff]);

/** PPME_CONTAINER_E (id, type, name, image) → the JSON of PPME_CONTAINER_JSON_E (rare: allocates). */
function containerJson(old: Buffer, offs: Int32Array, lens: Int32Array, nparams: number): Buffer | undefined {
  if (nparams < 4) return undefined;
  const str = (i: number) => {
    const o = offs[i]!;
    const l = lens[i]!;
    const z = old.indexOf(0, o);
    return old.toString('utf8', o, z >= 0 && z < o + l ? z : o + l);
  };
  if (lens[1]! < 4) return undefined;
  return Buffer.from(`{"id":"${str(0)}","type":${old.readUInt32LE(offs[1])},"name":"${str(2)}","image":"${str(3)}"}\0`);
}
