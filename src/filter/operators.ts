// Comparison predicates per value type, built once per check with the right-hand side already
// parsed. Each returns a function of the extracted left-hand value.
import type { BinaryOp, OpModifier } from './ast.js';
import { globToRegExp, PathPrefixSet } from './glob.js';
import { netContains, sameIp, type IpNet } from './fields/net.js';
import type { FieldType, Value } from './fields/types.js';
import { parseBigInt, parseBool, parseHex, parseIp, parseNet, parseNumber, parsePort, ValueError } from './values.js';

export type Pred = (v: Value) => boolean;

/** libsinsp's operator names as they appear in type-compatibility errors. */
const OP_NAMES: Record<BinaryOp | 'exists', string> = {
  '=': 'EQ', '==': 'EQ', '!=': 'NE', '<': 'LT', '<=': 'LE', '>': 'GT', '>=': 'GE', contains: 'CONTAINS',
  icontains: 'ICONTAINS', bcontains: 'BCONTAINS', startswith: 'STARTSWITH', bstartswith: 'BSTARTSWITH',
  endswith: 'ENDSWITH', glob: 'GLOB', iglob: 'IGLOB', regex: 'REGEX', in: 'IN', intersects: 'INTERSECTS',
  pmatch: 'PMATCH', exists: 'EXISTS',
};

const NUMERIC_OPS = new Set(['=', '==', '!=', '<', '<=', '>', '>=', 'in', 'intersects']);
const BOOL_OPS = new Set(['=', '==', '!=', 'in', 'intersects']);
const STRING_OPS = new Set(['=', '==', '!=', '<', '<=', '>', '>=', 'contains', 'in', 'icontains', 'startswith', 'glob', 'pmatch', 'endswith', 'intersects', 'iglob', 'regex']);
const BUFFER_OPS = new Set(['=', '==', '!=', 'contains', 'in', 'startswith', 'endswith', 'intersects', 'bcontains', 'bstartswith']);
const IP_OPS = new Set(['=', '==', '!=', 'in', 'intersects']);
const LIST_OPS = new Set(['in', 'intersects']);

/** libsinsp's type-compatibility check; returns the error text or undefined. */
export function incompatibility(op: BinaryOp, type: FieldType, isList: boolean): string | undefined {
  const name = OP_NAMES[op];
  if (isList) return LIST_OPS.has(op) ? undefined : `'${name}' operator not supported list filters`;
  switch (type) {
    case 'int': case 'uint': case 'port': case 'reltime': case 'abstime': case 'double':
      return NUMERIC_OPS.has(op) ? undefined : `'${name}' operator not supported for numeric filters`;
    case 'bool':
      return BOOL_OPS.has(op) ? undefined : `'${name}' operator not supported for numeric filters`;
    case 'ipaddr': case 'ipnet':
      return IP_OPS.has(op) ? undefined : `'${name}' operator not supported for ip address and network filters`;
    case 'bytes':
      return BUFFER_OPS.has(op) ? undefined : `'${name}' operator not supported for buffer filters`;
    case 'string':
      return STRING_OPS.has(op) ? undefined : `'${name}' operator not supported for string filters`;
  }
}

const isListOp = (op: BinaryOp): boolean => op === 'in' || op === 'intersects' || op === 'pmatch';

function cmp<T extends number | bigint | string>(op: BinaryOp, a: T, b: T): boolean {
  switch (op) {
    case '=': case '==': return a === b;
    case '!=': return a !== b;
    case '<': return a < b;
    case '<=': return a <= b;
    case '>': return a > b;
    case '>=': return a >= b;
    default: return false;
  }
}

/** Compiles a string comparison against one constant. */
function stringPred(op: BinaryOp, rhs: string): Pred {
  switch (op) {
    case '=': case '==': return (v) => v === rhs;
    case '!=': return (v) => v !== rhs;
    case '<': case '<=': case '>': case '>=': return (v) => cmp(op, v as string, rhs);
    case 'contains': return (v) => (v as string).includes(rhs);
    case 'icontains': {
      const lower = rhs.toLowerCase();
      return (v) => (v as string).toLowerCase().includes(lower);
    }
    case 'startswith': return (v) => (v as string).startsWith(rhs);
    case 'endswith': return (v) => (v as string).endsWith(rhs);
    case 'glob': case 'iglob': {
      const re = globToRegExp(rhs, op === 'iglob');
      return (v) => re.test(v as string);
    }
    case 'regex': {
      let re: RegExp;
      try {
        re = new RegExp(`^(?:${rhs})$`, 's');
      } catch (e) {
        throw new ValueError(`invalid regex pattern: ${(e as Error).message}`);
      }
      return (v) => re.test(v as string);
    }
    default: throw new ValueError(`'${OP_NAMES[op]}' operator not supported for string filters`);
  }
}

function bytesPred(op: BinaryOp, rhs: Buffer): Pred {
  switch (op) {
    case '=': case '==': return (v) => Buffer.isBuffer(v) && v.equals(rhs);
    case '!=': return (v) => Buffer.isBuffer(v) && !v.equals(rhs);
    case 'contains': case 'bcontains': return (v) => Buffer.isBuffer(v) && v.indexOf(rhs) >= 0;
    case 'startswith': case 'bstartswith': return (v) => Buffer.isBuffer(v) && v.length >= rhs.length && v.subarray(0, rhs.length).equals(rhs);
    case 'endswith': return (v) => Buffer.isBuffer(v) && v.length >= rhs.length && v.subarray(v.length - rhs.length).equals(rhs);
    default: throw new ValueError(`'${OP_NAMES[op]}' operator not supported for buffer filters`);
  }
}

/** Parses one constant for the field type and builds the predicate for a scalar operator. */
function scalarPred(type: FieldType, op: BinaryOp, raw: string): Pred {
  switch (type) {
    case 'string':
      return stringPred(op, raw);
    case 'bytes':
      return bytesPred(op, op === 'bcontains' || op === 'bstartswith' ? parseHex(raw) : Buffer.from(raw, 'utf8'));
    case 'int': case 'uint': case 'reltime': case 'double': {
      const n = parseNumber(raw);
      return (v) => cmp(op, v as number, n);
    }
    case 'port': {
      const n = parsePort(raw);
      return (v) => cmp(op, v as number, n);
    }
    case 'abstime': {
      const n = parseBigInt(raw);
      return (v) => cmp(op, typeof v === 'bigint' ? v : BigInt(v as number), n);
    }
    case 'bool': {
      const b = parseBool(raw);
      return op === '!=' ? (v) => v !== b : (v) => v === b;
    }
    case 'ipaddr': {
      const ip = parseIp(raw);
      return op === '!=' ? (v) => !sameIp(v as string, ip) : (v) => sameIp(v as string, ip);
    }
    case 'ipnet': {
      const net: IpNet = parseNet(raw);
      return op === '!=' ? (v) => !netContains(net, v as string) : (v) => netContains(net, v as string);
    }
  }
}

/** Builds the predicate for a check with constant right-hand values. */
export function constantPred(type: FieldType, isList: boolean, op: BinaryOp, mod: OpModifier | undefined, values: readonly string[]): Pred {
  if (mod) {
    const preds = values.map((r) => scalarPred(type, op, r));
    switch (mod) {
      case 'anyof': return (v) => preds.some((p) => p(v));
      case 'allof': return (v) => preds.every((p) => p(v));
      case 'oneof': return (v) => {
        let n = 0;
        for (const p of preds) if (p(v) && ++n > 1) return false;
        return n === 1;
      };
    }
  }
  if (op === 'pmatch') {
    const set = new PathPrefixSet(values);
    return (v) => set.matches(v as string);
  }
  if (isListOp(op)) {
    // in / intersects: membership by equality of parsed values.
    const member = membership(type, values);
    if (isList) {
      return op === 'in'
        ? (v) => (v as readonly string[]).every((x) => member(x))
        : (v) => (v as readonly string[]).some((x) => member(x));
    }
    return member;
  }
  if (values.length !== 1) throw new ValueError(`operator '${op}' expects a single value`);
  return scalarPred(type, op, values[0]!);
}

/** A membership test for `in`: a Set for strings and numbers, a scan for addresses and networks. */
function membership(type: FieldType, values: readonly string[]): Pred {
  switch (type) {
    case 'string': {
      const set = new Set(values);
      return (v) => set.has(v as string);
    }
    case 'int': case 'uint': case 'reltime': case 'double': {
      const set = new Set(values.map(parseNumber));
      return (v) => set.has(v as number);
    }
    case 'port': {
      const set = new Set(values.map(parsePort));
      return (v) => set.has(v as number);
    }
    case 'abstime': {
      const set = new Set(values.map(parseBigInt));
      return (v) => set.has(typeof v === 'bigint' ? v : BigInt(v as number));
    }
    case 'bool': {
      const set = new Set(values.map(parseBool));
      return (v) => set.has(v as boolean);
    }
    case 'ipaddr': {
      const ips = values.map(parseIp);
      return (v) => ips.some((ip) => sameIp(v as string, ip));
    }
    case 'ipnet': {
      const nets = values.map(parseNet);
      return (v) => nets.some((n) => netContains(n, v as string));
    }
    case 'bytes': {
      const bufs = values.map((s) => Buffer.from(s, 'utf8'));
      return (v) => Buffer.isBuffer(v) && bufs.some((b) => b.equals(v));
    }
  }
}

/** Field-to-field comparison: both sides extracted per event. */
export function fieldPred(type: FieldType, op: BinaryOp): (a: Value, b: Value) => boolean {
  if (type === 'string') {
    switch (op) {
      case 'contains': return (a, b) => (a as string).includes(b as string);
      case 'icontains': return (a, b) => (a as string).toLowerCase().includes((b as string).toLowerCase());
      case 'startswith': return (a, b) => (a as string).startsWith(b as string);
      case 'endswith': return (a, b) => (a as string).endsWith(b as string);
      case 'glob': case 'iglob': return (a, b) => globToRegExp(b as string, op === 'iglob').test(a as string);
      case 'in': case 'intersects': return (a, b) => a === b;
      default: return (a, b) => cmp(op, a as string, b as string);
    }
  }
  if (type === 'abstime') return (a, b) => cmp(op, BigInt(a as number | bigint), BigInt(b as number | bigint));
  if (type === 'ipaddr') return op === '!=' ? (a, b) => !sameIp(a as string, b as string) : (a, b) => sameIp(a as string, b as string);
  if (type === 'bytes') return (a, b) => scalarBytes(op, a as Buffer, b as Buffer);
  return (a, b) => cmp(op === 'in' || op === 'intersects' ? '=' : op, a as number, b as number);
}

function scalarBytes(op: BinaryOp, a: Buffer, b: Buffer): boolean {
  return bytesPred(op, b)(a);
}
