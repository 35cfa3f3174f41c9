// Builds event records in the libs layout. Used to write .scap files, to synthesise events for
// tests and benchmarks, and by anything that must produce what the sensor produces.
import { EF, fixedParamSize, type ParamType } from './event-info.js';
import { EVT_HDR_SIZE } from './event-view.js';
import { EVENT_TABLE } from './event-table.js';

/** A parameter value: numbers/bigints for integer types, strings for text, Buffers for raw bytes, null for empty. */
export type ParamValue = number | bigint | string | Buffer | null | undefined;

export interface EventSpec {
  ts: bigint;
  tid: number;
  type: number;
  params: readonly ParamValue[];
}


/** Encodes one parameter of type `t`. */
function encodeParam(t: ParamType, v: ParamValue): Buffer {
  if (v === null || v === undefined) return Buffer.alloc(0);
  if (Buffer.isBuffer(v)) return v;
  if (typeof v === 'string') return Buffer.from(v + '\0', 'utf8');
  // Numbers are written at the type's width (8 bytes for types without a fixed one).
  const fixed = fixedParamSize(t);
  const w = fixed === 1 || fixed === 2 || fixed === 4 ? fixed : 8;
  const b = Buffer.alloc(w);
  const big = typeof v === 'bigint' ? v : BigInt(Math.trunc(v));
  switch (w) {
    case 1: b.writeUInt8(Number(BigInt.asUintN(8, big))); break;
    case 2: b.writeUInt16LE(Number(BigInt.asUintN(16, big))); break;
    case 4: b.writeUInt32LE(Number(BigInt.asUintN(32, big))); break;
    default: b.writeBigUInt64LE(BigInt.asUintN(64, big));
  }
  return b;
}

/** Encodes a whole event record. Parameter types come from the event table entry for `type`. */
export function encodeEvent(spec: EventSpec): Buffer {
  const info = EVENT_TABLE[spec.type];
  if (!info) throw new Error(`unknown event code ${spec.type}`);
  const large = (info.flags & EF.LARGE_PAYLOAD) !== 0;
  const lenSize = large ? 4 : 2;
  const n = info.params.length;
  const parts: Buffer[] = [];
  for (let i = 0; i < n; i++) parts.push(encodeParam(info.params[i]!.type, spec.params[i]));
  const body = parts.reduce((s, p) => s + p.length, 0);
  const total = EVT_HDR_SIZE + n * lenSize + body;
  const out = Buffer.alloc(total);
  out.writeBigUInt64LE(spec.ts, 0);
  out.writeBigInt64LE(BigInt(spec.tid), 8);
  out.writeUInt32LE(total, 16);
  out.writeUInt16LE(spec.type, 20);
  out.writeUInt32LE(n, 22);
  let p = EVT_HDR_SIZE;
  for (const part of parts) {
    if (large) out.writeUInt32LE(part.length, p);
    else out.writeUInt16LE(part.length, p);
    p += lenSize;
  }
  for (const part of parts) {
    part.copy(out, p);
    p += part.length;
  }
  return out;
}

/** The code of the current (non-old-version) event called `name` with the given direction. */
export function eventCode(name: string, exit = true): number {
  for (let c = EVENT_TABLE.length - 1; c >= 0; c--) {
    const e = EVENT_TABLE[c]!;
    if (e.name === name && (c & 1) === (exit ? 1 : 0) && (e.flags & EF.OLD_VERSION) === 0) return c;
  }
  throw new Error(`no current ${exit ? 'exit' : 'enter'} event named ${name}`);
}
