// evt.* fields: the event itself (type, number, time, arguments, result).
import { EC, EF, PT, type ParamType, EVENT_TABLE, errnoName, paramSlot, eventName, rawArgText, renderArgs, renderParam } from '../../events/index.js';
import { PPM_O, type EventContext } from '../../state/model/index.js';
import { indexArg, simple, withArg } from './define.js';
import { dateTime, iso8601, timeOfDay } from './time.js';
import { FieldArgError, type BoundField, type FieldDef, type FieldType } from './types.js';

const EXEC_BITS = 0o111;
const GENERIC_X = 1;

/** For each event code, the index of the parameter called `name` (-1 when absent). */
function paramIndexByCode(name: string): Int16Array {
  const idx = new Int16Array(EVENT_TABLE.length).fill(-1);
  EVENT_TABLE.forEach((e, code) => {
    idx[code] = e.params.findIndex((p) => p.name === name);
  });
  return idx;
}

const hasReturnValue = (ctx: EventContext): boolean => {
  const e = ctx.evt;
  return e.type !== GENERIC_X && (e.info.category & EC.SYSCALL) !== 0 && (e.type & 1) === 1 && e.nparams > 0;
};
const returnValue = (ctx: EventContext): number => ctx.evt.int(0);

/** Event codes of the open family (by code: no string lookup per event). */
const IS_OPEN = Uint8Array.from(EVENT_TABLE, (e) => (['open', 'openat', 'openat2', 'open_by_handle_at'].includes(e.name) ? 1 : 0));
const FLAGS_IDX = paramIndexByCode('flags');
const MODE_IDX = paramIndexByCode('mode');

/** Open flags of an open-family event, or undefined for other events. */
function openFlags(ctx: EventContext): number | undefined {
  if (IS_OPEN[ctx.evt.type] !== 1) return undefined;
  const i = FLAGS_IDX[ctx.evt.type]!;
  return i >= 0 && ctx.evt.hasParam(i) ? ctx.evt.uint(i) : undefined;
}

function isOpenExec(ctx: EventContext): boolean {
  const name = ctx.evt.info.name;
  const mi = MODE_IDX[ctx.evt.type]!;
  const mode = mi >= 0 && ctx.evt.hasParam(mi) ? ctx.evt.uint(mi) : 0;
  if (name === 'creat') return (mode & EXEC_BITS) !== 0;
  const flags = openFlags(ctx);
  return flags !== undefined && (flags & (PPM_O.CREAT | PPM_O.TMPFILE)) !== 0 && (mode & EXEC_BITS) !== 0;
}

const CATEGORY_NAMES: Array<[number, string]> = [
  [EC.UNKNOWN, 'unknown'], [EC.OTHER, 'other'], [EC.FILE, 'file'], [EC.NET, 'net'], [EC.IPC, 'IPC'],
  [EC.MEMORY, 'memory'], [EC.PROCESS, 'process'], [EC.SLEEP, 'sleep'], [EC.SYSTEM, 'system'],
  [EC.SIGNAL, 'signal'], [EC.USER, 'user'], [EC.TIME, 'time'], [EC.WAIT, 'wait'],
  [EC.SCHEDULER, 'scheduler'], [EC.INTERNAL, 'internal'], [EC.TRACEPOINT, 'tracepoint'],
  [EC.PLUGIN, 'plugin'], [EC.METAEVENT, 'meta'],
];

function category(ctx: EventContext): string {
  const c = ctx.evt.info.category;
  if (c & (EC.IO_READ | EC.IO_WRITE | EC.IO_OTHER)) {
    const fd = ctx.fd;
    if (!fd) return 'unknown';
    if (fd.type === 'file' || fd.type === 'directory') return 'file';
    if (fd.type === 'ipv4' || fd.type === 'ipv6') return 'net';
    if (fd.type === 'unix' || fd.type === 'pipe') return 'ipc';
    return 'unknown';
  }
  for (const [bit, name] of CATEGORY_NAMES) if (c & bit) return name;
  return c & EC.SYSCALL ? 'syscall' : 'unknown';
}

function fieldTypeOf(t: ParamType): FieldType {
  switch (t) {
    case PT.INT8: case PT.INT16: case PT.INT32: case PT.INT64: case PT.ERRNO: case PT.FD: case PT.PID: case PT.FD32: case PT.PID32:
      return 'int';
    case PT.UINT8: case PT.UINT16: case PT.UINT32: case PT.UINT64: case PT.FLAGS8: case PT.FLAGS16: case PT.FLAGS32:
    case PT.ENUMFLAGS8: case PT.ENUMFLAGS16: case PT.ENUMFLAGS32: case PT.MODE: case PT.UID: case PT.GID: case PT.SYSCALLID: case PT.SIGTYPE:
      return 'uint';
    case PT.PORT: return 'port';
    case PT.RELTIME: return 'reltime';
    case PT.ABSTIME: return 'abstime';
    case PT.BOOL: return 'bool';
    case PT.BYTEBUF: return 'bytes';
    case PT.IPV4ADDR: case PT.IPV6ADDR: case PT.IPADDR: return 'ipaddr';
    default: return 'string';
  }
}

/**
 * evt.arg.NAME / evt.arg[N]: the parameter as a string, resolved form preferred. Byte buffers
 * render as the context's scope says: whole in Falco (the default), cut at 80 characters ending
 * in '...' in sysdig and so `saker inspect` (libsinsp's set_max_evt_output_len).
 */
function bindArg(arg: string | undefined): BoundField {
  if (arg === undefined) throw new FieldArgError("field 'evt.arg' requires an argument");
  if (/^\d+$/.test(arg)) {
    const n = indexArg('evt.arg', arg);
    return {
      extract: (ctx) => {
        if (n >= ctx.evt.nparams) return undefined;
        const r = ctx.scope.resolverFor(ctx);
        const o = ctx.scope.argRender;
        return renderParam(ctx.evt, n, true, r, o) || renderParam(ctx.evt, n, false, r, o);
      },
    };
  }
  const slot = paramSlot(arg);
  if (slot < 0) throw new FieldArgError(`unknown event argument ${arg}`);
  const idx = paramIndexByCode(arg);
  const flagsWidth = flagsWidthByCode(idx);
  const flagTexts = new FlagTexts();
  // Rules test the same argument many times per event (evt.arg.flags in a dozen macros):
  // rendered once per event and argument, shared by every rule and output that reads it.
  return {
    extract: (ctx) => {
      const scope = ctx.scope;
      if (scope.argSeq[slot] === ctx.seq) return scope.argText[slot];
      const evt = ctx.evt;
      const i = idx[evt.type]!;
      let val: string | undefined;
      if (i >= 0 && i < evt.nparams) {
        const width = flagsWidth[evt.type]!;
        if (width !== 0 && evt.paramLength(i) === width) {
          val = flagTexts.get(evt.type, evt.uint(i));
          if (val === undefined) val = flagTexts.set(evt.type, evt.uint(i), renderParam(evt, i, true) || renderParam(evt, i, false));
        } else {
          const r = scope.resolverFor(ctx);
          val = renderParam(evt, i, true, r, scope.argRender) || renderParam(evt, i, false, r, scope.argRender);
        }
      }
      scope.argSeq[slot] = ctx.seq;
      scope.argText[slot] = val;
      return val;
    },
  };
}

/** For each event code, the width of its parameter at idx[code] when that is bit flags or an
 *  enumeration (1, 2 or 4 bytes), else 0: parameters whose text is the value's alone. */
function flagsWidthByCode(idx: Int16Array): Uint8Array {
  const widths = new Uint8Array(EVENT_TABLE.length);
  EVENT_TABLE.forEach((e, code) => {
    switch (idx[code]! < 0 ? undefined : e.params[idx[code]!]!.type) {
      case PT.FLAGS8: case PT.ENUMFLAGS8: widths[code] = 1; break;
      case PT.FLAGS16: case PT.ENUMFLAGS16: widths[code] = 2; break;
      case PT.FLAGS32: case PT.ENUMFLAGS32: widths[code] = 4; break;
      default: break;
    }
  });
  return widths;
}

/**
 * Texts of flags parameters by event code and value, made once each: the open flags of every
 * open are read as text by the rules (evt.arg.flags contains O_CREAT) and a process opens with
 * a few combinations only. Bounded: a crafted stream of distinct values clears a code's texts.
 */
class FlagTexts {
  private static readonly MAX_PER_CODE = 1024;
  private readonly byCode = new Array<Map<number, string> | undefined>(EVENT_TABLE.length).fill(undefined);

  get(code: number, value: number): string | undefined {
    return this.byCode[code]?.get(value);
  }

  set(code: number, value: number, text: string): string {
    let texts = this.byCode[code];
    if (texts === undefined) this.byCode[code] = texts = new Map();
    else if (texts.size >= FlagTexts.MAX_PER_CODE) texts.clear();
    texts.set(value, text);
    return text;
  }
}

/** evt.rawarg.NAME: the typed raw value; the type comes from the first event declaring NAME. */
function bindRawArg(arg: string | undefined): BoundField {
  if (arg === undefined || /^\d+$/.test(arg)) throw new FieldArgError("field 'evt.rawarg' requires an argument name");
  const decl = EVENT_TABLE.flatMap((e) => e.params).find((p) => p.name === arg);
  if (!decl) throw new FieldArgError(`unknown event argument ${arg}`);
  const type = fieldTypeOf(decl.type);
  const idx = paramIndexByCode(arg);
  return {
    type,
    extract: (ctx) => {
      const i = idx[ctx.evt.type]!;
      if (i < 0 || !ctx.evt.hasParam(i)) return undefined;
      switch (type) {
        case 'int': return ctx.evt.int(i);
        case 'uint': case 'port': case 'reltime': return ctx.evt.uint(i);
        case 'abstime': return ctx.evt.u64(i);
        case 'bool': return ctx.evt.uint(i) !== 0;
        case 'bytes': return ctx.evt.bytes(i);
        default: return renderParam(ctx.evt, i, false);
      }
    },
    print: (ctx) => {
      const i = idx[ctx.evt.type]!;
      return i < 0 ? undefined : rawArgText(ctx.evt, i);
    },
  };
}

const DATA_IDX = paramIndexByCode('data');
const IO_CATEGORIES = EC.IO_READ | EC.IO_WRITE | EC.IO_OTHER;
const isExit = (ctx: EventContext): boolean => (ctx.evt.type & 1) === 1;

export const EVT_FIELDS: FieldDef[] = [
  simple('evt.num', 'uint', 'Event number, 1 for the first event.', (ctx) => ctx.evt.num),
  simple('evt.time', 'string', 'Event time of day, local time, with nanoseconds.', (ctx) => timeOfDay(ctx.evt.ts)),
  simple('evt.time.s', 'string', 'Event time of day, local time, no nanoseconds.', (ctx) => timeOfDay(ctx.evt.ts, false)),
  simple('evt.time.iso8601', 'string', 'Event time in ISO 8601 (UTC) with nanoseconds.', (ctx) => iso8601(ctx.evt.ts)),
  simple('evt.datetime', 'string', 'Event date and time, local time, with nanoseconds.', (ctx) => dateTime(ctx.evt.ts)),
  simple('evt.datetime.s', 'string', 'Event date and time, local time, no nanoseconds.', (ctx) => dateTime(ctx.evt.ts, false)),
  simple('evt.rawtime', 'abstime', 'Event time, nanoseconds since the epoch.', (ctx) => ctx.evt.ts),
  simple('evt.rawtime.s', 'abstime', 'Seconds part of the event time.', (ctx) => ctx.evt.ts / 1_000_000_000n),
  simple('evt.rawtime.ns', 'abstime', 'Nanoseconds part of the event time.', (ctx) => ctx.evt.ts % 1_000_000_000n, { padDigits: 9 }),
  simple('evt.type', 'string', "Event name, e.g. 'open'.", (ctx) => eventName(ctx.evt)),
  simple('syscall.type', 'string', 'System call name for syscall events.', (ctx) => ((ctx.evt.info.category & EC.SYSCALL) !== 0 ? eventName(ctx.evt) : undefined)),
  simple('evt.category', 'string', 'Event category: file, net, process, memory, ipc ...', category),
  simple('evt.cpu', 'int', 'CPU the event happened on.', (ctx) => ctx.evt.cpu),
  simple('evt.args', 'string', 'All event arguments, as name=value pairs.', (ctx) => (ctx.evt.type === GENERIC_X ? '' : renderArgs(ctx.evt, ctx.scope.resolverFor(ctx), ctx.scope.argRender))),
  simple('evt.info', 'string', 'Same as evt.args.', (ctx) => (ctx.evt.type === GENERIC_X ? '' : renderArgs(ctx.evt, ctx.scope.resolverFor(ctx), ctx.scope.argRender))),
  withArg('evt.arg', 'string', 'One event argument by name (evt.arg.flags) or position (evt.arg[0]), rendered as text.', 'required', bindArg, { dottedArg: true }),
  withArg('evt.rawarg', 'string', 'One event argument by name (evt.rawarg.res), as its raw typed value.', 'required', bindRawArg, { dottedArg: true, noRhs: true, noTransformer: true }),
  simple('evt.buffer', 'bytes', 'The data buffer of I/O events (read, sendto ...).', (ctx) => {
    const i = DATA_IDX[ctx.evt.type]!;
    if (i < 0 || i >= ctx.evt.nparams) return undefined;
    // A dynamic parameter (ptrace's data: an address, a number ...) is its rendered value, as
    // libs' get_param_value_str gives it, not its raw bytes.
    return ctx.evt.info.params[i]!.type === PT.DYN ? Buffer.from(renderParam(ctx.evt, i, false)) : ctx.evt.bytes(i);
  }),
  // libsinsp's extract_buflen: the byte count the I/O syscall returned (not the captured length).
  simple('evt.buflen', 'uint', 'Bytes read or written by an I/O event on a known fd (its return value).', (ctx) => {
    if (ctx.fd === undefined || (ctx.evt.info.category & IO_CATEGORIES) === 0 || !hasReturnValue(ctx)) return undefined;
    const r = returnValue(ctx);
    return r >= 0 ? r : undefined;
  }),
  simple('evt.res', 'string', "Return value as text: SUCCESS, or the errno name (e.g. ENOENT).", (ctx) => {
    if (!hasReturnValue(ctx)) return undefined;
    const r = returnValue(ctx);
    return r >= 0 ? 'SUCCESS' : errnoName(-r) ?? String(r);
  }),
  simple('evt.rawres', 'int', 'Return value as a number (e.g. -2).', (ctx) => (hasReturnValue(ctx) ? returnValue(ctx) : undefined)),
  simple('evt.failed', 'bool', 'True when the event returned an error.', (ctx) => (hasReturnValue(ctx) ? returnValue(ctx) < 0 : undefined)),
  simple('evt.is_io', 'bool', 'True for events that read or write an fd.', (ctx) => (ctx.evt.info.flags & (EF.READS_FROM_FD | EF.WRITES_TO_FD)) !== 0),
  simple('evt.is_io_read', 'bool', 'True for events that read from an fd.', (ctx) => (ctx.evt.info.flags & EF.READS_FROM_FD) !== 0),
  simple('evt.is_io_write', 'bool', 'True for events that write to an fd.', (ctx) => (ctx.evt.info.flags & EF.WRITES_TO_FD) !== 0),
  simple('evt.io_dir', 'string', "'read' or 'write' for I/O events.", (ctx) => ((ctx.evt.info.flags & EF.WRITES_TO_FD) ? 'write' : (ctx.evt.info.flags & EF.READS_FROM_FD) ? 'read' : undefined)),
  simple('evt.is_wait', 'bool', 'True for events that make the thread wait.', (ctx) => (ctx.evt.info.flags & EF.WAITS) !== 0),
  simple('evt.count', 'uint', 'Always 1 (for counting).', () => 1),
  simple('evt.count.error', 'uint', '1 for events that returned an error.', (ctx) => (hasReturnValue(ctx) ? (returnValue(ctx) < 0 ? 1 : 0) : undefined)),
  simple('evt.count.exit', 'uint', '1 for exit events (no value for others).', (ctx) => (isExit(ctx) ? 1 : undefined)),
  simple('evt.is_open_read', 'bool', 'True for opens of a path for reading.', (ctx) => { const f = openFlags(ctx); return f !== undefined && (f & PPM_O.RDONLY) !== 0; }),
  simple('evt.is_open_write', 'bool', 'True for opens of a path for writing.', (ctx) => { const f = openFlags(ctx); return f !== undefined && (f & PPM_O.WRONLY) !== 0; }),
  simple('evt.is_open_exec', 'bool', 'True for opens or creat that create a file with execute permission.', isOpenExec),
  simple('evt.is_open_create', 'bool', 'True for opens that created a file.', (ctx) => {
    const f = openFlags(ctx);
    if (f === undefined) return false;
    return (f & PPM_O.F_CREATED) !== 0 || ((f & PPM_O.TMPFILE) !== 0 && hasReturnValue(ctx) && returnValue(ctx) >= 0);
  }),
  simple('evt.dir', 'string', "Direction: '<' for exit events (all events are exit events).", (ctx) => (isExit(ctx) ? '<' : '>'), { deprecated: true }),
  simple('evt.latency', 'reltime', 'Deprecated: always 0.', () => 0, { deprecated: true }),
  simple('evt.latency.s', 'reltime', 'Deprecated: always 0.', () => 0, { deprecated: true }),
  simple('evt.latency.ns', 'reltime', 'Deprecated: always 0.', () => 0, { deprecated: true }),
  simple('evt.latency.human', 'string', "Deprecated: always '0ns'.", () => '0ns', { deprecated: true }),
  simple('evt.wait_latency', 'reltime', 'Deprecated: always 0.', () => 0, { deprecated: true }),
  simple('evt.source', 'string', "Source of the event: 'syscall'.", () => 'syscall'),
  simple('evt.is_async', 'bool', 'True for asynchronous (meta) events.', (ctx) => (ctx.evt.info.category & EC.METAEVENT) !== 0),
  simple('evt.hostname', 'string', 'Host name of the machine (FALCO_HOSTNAME/SAKER_HOSTNAME override it).', (ctx) => ctx.scope.hostname),
];
