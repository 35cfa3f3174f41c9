// libscap's scap converter (engine/savefile/converter): turns the events of old captures into the
// current one-exit-event model. Enter events are stored per thread and their parameters moved into
// the matching exit event; old event versions are rewritten to the current layout; events the
// current model does not deliver are dropped. Rules come from libscap's conversion table (facts in
// libs-tables.ts), applied until the event needs no further conversion.
import { EF, PT, fixedParamSize, type ParamType } from '../../events/event-info.js';
import { EVT_HDR_SIZE } from '../../events/event.js';
import { EVENT_TABLE } from '../../events/event-table.js';
import { CONVERSIONS, type ConversionRow } from '../../events/libs-tables.js';

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

const TABLE = new Map<number, ConversionRow>();
for (const row of CONVERSIONS) TABLE.set(row[0] * 256 + row[1], row);

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

/** Parameter slices of a record: [offset, length] pairs. */
function paramSlices(buf: Buffer, start: number, type: number, nparams: number): Array<[number, number]> {
  const ls = lenSize(type);
  let lp = start + EVT_HDR_SIZE;
  let p = lp + nparams * ls;
  const out: Array<[number, number]> = [];
  for (let i = 0; i < nparams; i++) {
    const l = ls === 2 ? buf.readUInt16LE(lp) : buf.readUInt32LE(lp);
    out.push([p, l]);
    p += l;
    lp += ls;
  }
  return out;
}

/**
 * Applies libscap's conversions to event records. Stateful: enter events are kept per thread
 * until their exit event arrives. One instance per capture (section).
 */
export class ScapConverter {
  private readonly stored = new Map<number, Buffer>();
  private readonly result: { verdict: Conversion.Pass | Conversion.Drop; buf: Buffer; start: number } = { verdict: Conversion.Pass, buf: Buffer.alloc(0), start: 0 };
  private out = Buffer.alloc(MAX_EVENT_SIZE);
  private work = Buffer.alloc(MAX_EVENT_SIZE);

  /** Forgets stored enter events (new section of a concatenated capture). */
  reset(): void {
    this.stored.clear();
  }

  /**
   * Converts the record at buf[start..]. Returns Pass with the record to deliver (the input itself
   * when it needs no conversion, else an internal buffer valid until the next call), or Drop.
   */
  convert(buf: Buffer, start: number): { verdict: Conversion.Pass | Conversion.Drop; buf: Buffer; start: number } {
    let type = buf.readUInt16LE(start + 20);
    let nparams = buf.readUInt32LE(start + 22);
    let v = convertibility(type, nparams);
    if (v !== Conversion.Continue) {
      // The common case (a current event): no conversion, no allocation.
      const r = this.result;
      r.verdict = v;
      r.buf = buf;
      r.start = start;
      return r;
    }
    let cur = buf;
    let curStart = start;
    for (let n = 0; n < MAX_CONVERSIONS; n++) {
      const len = cur.readUInt32LE(curStart + 16);
      if (len > MAX_EVENT_SIZE) throw new ConversionError(`event length ${len} exceeds ${MAX_EVENT_SIZE}`);
      // Work on a private copy: the output buffer is reused, and the input may be it.
      cur.copy(this.work, 0, curStart, curStart + len);
      const r = this.convertOnce(this.work, type, nparams);
      if (r !== Conversion.Continue) return { verdict: r, buf: this.work, start: 0 };
      cur = this.out;
      curStart = 0;
      type = cur.readUInt16LE(20);
      nparams = cur.readUInt32LE(22);
      v = convertibility(type, nparams);
      if (v !== Conversion.Continue) return { verdict: v, buf: cur, start: 0 };
    }
    throw new ConversionError(`event type ${type} still needs conversion after ${MAX_CONVERSIONS} steps`);
  }

  /** One conversion step: a final verdict (STORE, PASS ...), or Continue with the new event in `out`. */
  private convertOnce(old: Buffer, type: number, nparams: number): Conversion {
    const row = TABLE.get(type * 256 + nparams);
    const oldInfo = EVENT_TABLE[type]!;
    if (!row) throw new ConversionError(`no conversion for ${oldInfo.id} with ${nparams} parameters`);
    const [, , action, desired, instrs] = row;
    const tid = old.readBigInt64LE(8);
    const oldLen = old.readUInt32LE(16);
    const tidKey = Number(tid);
    switch (action) {
      case 'STORE':
        this.stored.set(tidKey, Buffer.from(old.subarray(0, oldLen)));
        return Conversion.Drop;
      case 'STORE_AND_PASS':
        this.stored.set(tidKey, Buffer.from(old.subarray(0, oldLen)));
        return Conversion.Pass;
      case 'PASS':
        return Conversion.Pass;
      default:
        break;
    }
    const newType = action === 'CHANGE_TYPE' ? desired! : type;
    const newInfo = EVENT_TABLE[newType]!;
    const ls = lenSize(newType);
    const oldSlices = paramSlices(old, 0, type, nparams);
    // Parameters of the new event, as [buffer, offset, length] slices (length 0 = empty).
    const parts: Array<[Buffer, number, number]> = [];
    if (action === 'ADD_PARAMS') for (const [o, l] of oldSlices) parts.push([old, o, l]);
    let usedEnter = false;
    const firstNew = parts.length;
    for (let k = 0; k < instrs.length; k++) {
      const [code, num, fallbackEmpty] = instrs[k]!;
      const pnum = firstNew + k;
      const ptype = newInfo.params[pnum]?.type ?? PT.NONE;
      let src: [Buffer, number, number] | undefined;
      switch (code) {
        case 'FROM_EMPTY':
          parts.push([old, 0, 0]);
          continue;
        case 'FROM_DEFAULT':
          parts.push(defaultParam(ptype));
          continue;
        case 'FROM_OLD':
          if (num >= nparams) throw new ConversionError(`${oldInfo.id} has no parameter ${num}`);
          src = [old, oldSlices[num]![0], oldSlices[num]![1]];
          break;
        case 'FROM_ENTER': {
          const enter = this.stored.get(tidKey);
          if (!enter) break;
          const etype = enter.readUInt16LE(20);
          if (etype !== type - 1) {
            throw new ConversionError(`the enter event for ${oldInfo.id} is ${EVENT_TABLE[etype]?.id ?? etype}`);
          }
          const en = enter.readUInt32LE(22);
          if (num >= en) throw new ConversionError(`enter event ${EVENT_TABLE[etype]!.id} has no parameter ${num}`);
          const sl = paramSlices(enter, 0, etype, en)[num]!;
          src = [enter, sl[0], sl[1]];
          usedEnter = true;
          break;
        }
        case 'FROM_CALLBACK':
          src = containerJson(old, oldSlices);
          if (!src) {
            parts.push(fallbackEmpty ? [old, 0, 0] : defaultParam(ptype));
            continue;
          }
          break;
        default:
          throw new ConversionError(`unknown conversion instruction ${code}`);
      }
      if (!src) {
        parts.push(fallbackEmpty ? [old, 0, 0] : defaultParam(ptype));
        continue;
      }
      parts.push([src[0], src[1], Math.min(src[2], maxSize(ptype, ls))]);
    }
    if (usedEnter) this.stored.delete(tidKey);
    // Assemble: header, lengths, params.
    const n = parts.length;
    let total = EVT_HDR_SIZE + n * ls;
    for (const p of parts) total += p[2];
    if (total > MAX_EVENT_SIZE) throw new ConversionError(`converted event would be ${total} bytes`);
    const out = this.out;
    old.copy(out, 0, 0, 16); // ts, tid
    out.writeUInt32LE(total, 16);
    out.writeUInt16LE(newType, 20);
    out.writeUInt32LE(n, 22);
    let lp = EVT_HDR_SIZE;
    let dp = EVT_HDR_SIZE + n * ls;
    for (const [b, o, l] of parts) {
      if (ls === 2) out.writeUInt16LE(l, lp);
      else out.writeUInt32LE(l, lp);
      lp += ls;
      b.copy(out, dp, o, o + l);
      dp += l;
    }
    return Conversion.Continue;
  }
}

function defaultParam(t: ParamType): [Buffer, number, number] {
  const size = fixedParamSize(t);
  if (size === 0) return [EMPTY, 0, 0];
  return [t === PT.UID || t === PT.GID ? UID_DEFAULT : ZEROS, 0, size];
}

const EMPTY = Buffer.alloc(0);
const ZEROS = Buffer.alloc(32);
const UID_DEFAULT = Buffer.from([0xff, 0xff, 0xff, 0xff]);

/** PPME_CONTAINER_E (id, type, name, image) → the JSON of PPME_CONTAINER_JSON_E. */
function containerJson(old: Buffer, slices: Array<[number, number]>): [Buffer, number, number] | undefined {
  if (slices.length < 4) return undefined;
  const str = (i: number) => {
    const [o, l] = slices[i]!;
    const z = old.indexOf(0, o);
    return old.toString('utf8', o, z >= 0 && z < o + l ? z : o + l);
  };
  const [to, tl] = slices[1]!;
  if (tl < 4) return undefined;
  const json = Buffer.from(`{"id":"${str(0)}","type":${old.readUInt32LE(to)},"name":"${str(2)}","image":"${str(3)}"}\0`);
  return [json, 0, json.length];
}
