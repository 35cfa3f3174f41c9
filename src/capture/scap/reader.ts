// Streaming reader of .scap capture files (plain or gzip), as libscap's savefile engine reads
// them: a section header, table blocks (machine info, process list V1–V9, fd lists, user and
// interface lists; unknown blocks skipped), then event blocks (V1 without nparams, V2, large
// payload, with or without flags). Old captures are converted to the current event model by
// ScapConverter. Events come out through one shared EventView re-pointed at each record; table
// blocks come out once per section as a ScapTables object, before that section's first event.
import { closeSync, createReadStream, openSync, read, readSync } from 'node:fs';
import { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { EVT_HDR_SIZE, EventView } from '../../events/event-view.js';
import { EVENT_TABLE } from '../../events/event-table.js';
import { Conversion, ConversionError, ScapConverter, passesUnconverted, quickVerdict } from './converter.js';
import {
  BLOCK, BLOCK_OVERHEAD, SHB_MAGIC, ScapFormatError, eventBlockKind, proclistVersion,
  type EventBlockKind, type ScapProcess, type ScapTables,
} from './file-format.js';
import { parseFdList, parseIfList, parseMachineInfo, parseProcList, parseUserList } from './table-blocks.js';

export interface ScapReadOptions {
  /** Convert old events to the current one-exit-event model as libscap does (default true). */
  convert?: boolean;
  /**
   * evt.num assignment. 'file' (default): the 1-based index of the record among all event records
   * of the file, which is what sysdig 0.29 prints (it delivers enter events too, so converted
   * exit events keep their sysdig numbers and numbers have gaps). 'delivered': 1, 2, 3 ... over the
   * events this reader delivers, as current libsinsp numbers them.
   */
  numbering?: 'file' | 'delivered';
  /** Name used in error messages (defaults to the path when reading a file). */
  file?: string;
  /** Read size for files (default 1 MiB). */
  chunkSize?: number;
}

export type ScapItem =
  | { kind: 'tables'; tables: ScapTables }
  /** `evt` is the reader's shared view: valid until the next item is requested. */
  | { kind: 'event'; evt: EventView; flags: number };

export interface ScapReadSummary {
  /** Events delivered. */
  events: number;
  /** Event records in the file (before conversion). */
  records: number;
  /** Records the converter consumed or dropped (enter events, unused events). */
  dropped: number;
  /** Event records of codes this build does not know (skipped, as libscap does). */
  unknown: number;
  /** Decompressed bytes read. */
  bytes: number;
  sections: number;
}

export interface ScapHandler {
  tables?(tables: ScapTables): void;
  /** Called for each event; the view is reused for the next one. */
  event(evt: EventView, flags: number): void;
  /**
   * Called (and awaited) after the events of each read chunk: the place to flush output with
   * backpressure. Returning false stops reading (the capture is then not read to its end).
   */
  chunkDone?(): boolean | void | Promise<boolean | void>;
}

const MAX_BLOCK = 1 << 30;
/** Little-endian u32 by hand (Buffer.readUInt32LE checks its arguments on every call). */
const u32 = (b: Buffer, o: number): number => (b[o]! | (b[o + 1]! << 8) | (b[o + 2]! << 16)) + b[o + 3]! * 0x1000000;
const V1_HDR_SIZE = EVT_HDR_SIZE - 4;
/** Event block kinds by block type, for the block types below 0x1000 (all the current ones). */
const EVENT_BLOCKS: Array<EventBlockKind | undefined> = [];
for (let bt = 0; bt < 0x1000; bt++) EVENT_BLOCKS.push(eventBlockKind(bt));
const NOTIFICATION_E = EVENT_TABLE.findIndex((e) => e.id === 'PPME_NOTIFICATION_E');
const INFRASTRUCTURE_EVENT_E = EVENT_TABLE.findIndex((e) => e.id === 'PPME_INFRASTRUCTURE_EVENT_E');

/**
 * The block parser, fed with (decompressed) chunks and pulled for items. Synchronous: the async
 * readers below feed it from streams.
 */
export class ScapParser {
  /** Unparsed input is buf[pos .. limit). */
  private buf: Buffer = Buffer.alloc(0);
  private pos = 0;
  private limit = 0;
  /** Absolute offset of buf[0] in the decompressed stream. */
  private base = 0;
  private ended = false;
  private sawSection = false;
  private tables: ScapTables | undefined;
  private procsByTid = new Map<number, ScapProcess>();
  private tablesPending = false;
  private readonly view = new EventView();
  private readonly eventItem: { kind: 'event'; evt: EventView; flags: number } = { kind: 'event', evt: this.view, flags: 0 };
  private readonly converter = new ScapConverter();
  private v1Scratch = Buffer.alloc(64 * 1024);
  private readonly convert: boolean;
  private readonly delivered: boolean;
  readonly summary: ScapReadSummary = { events: 0, records: 0, dropped: 0, unknown: 0, bytes: 0, sections: 0 };

  constructor(private readonly opts: ScapReadOptions = {}) {
    this.convert = opts.convert ?? true;
    this.delivered = opts.numbering === 'delivered';
  }

  /** Adds decompressed bytes. */
  feed(chunk: Buffer): void {
    this.summary.bytes += chunk.length;
    if (this.pos >= this.limit) {
      this.base += this.limit;
      this.buf = chunk;
    } else {
      const rest = this.buf.subarray(this.pos, this.limit);
      this.base += this.pos;
      this.buf = Buffer.concat([rest, chunk]);
    }
    this.pos = 0;
    this.limit = this.buf.length;
  }

  /**
   * Continues the input with next[at .. end), read there by the caller, parsing in place: the
   * unparsed rest of the current buffer (the start of a block cut by the read) is copied into
   * the room before `at`. False, with nothing changed, when the rest does not fit there; the
   * caller then feed()s the bytes instead. The parser keeps `next` until the following adopt().
   */
  adopt(next: Buffer, at: number, end: number): boolean {
    const rest = this.limit - this.pos;
    if (rest > at) return false;
    const start = at - rest;
    if (rest > 0) this.buf.copy(next, start, this.pos, this.limit);
    this.base += this.pos - start;
    this.buf = next;
    this.pos = start;
    this.limit = end;
    this.summary.bytes += end - at;
    return true;
  }

  /** No more bytes will come. */
  end(): void {
    this.ended = true;
  }

  /** Absolute offset of the next unparsed byte. */
  get offset(): number {
    return this.base + this.pos;
  }

  /** Type of the block at the parse position, if its header is available. */
  pendingBlockType(): number | undefined {
    return this.limit - this.pos >= 4 ? this.buf.readUInt32LE(this.pos) : undefined;
  }

  private fail(why: string, at: number, bt?: number): never {
    throw new ScapFormatError(why, at, bt, this.opts.file);
  }

  /**
   * The next item, or undefined when more input is needed (or, after end(), when the capture is
   * complete). Throws ScapFormatError for a truncated or corrupt capture.
   */
  next(): ScapItem | undefined {
    for (;;) {
      const avail = this.limit - this.pos;
      if (avail < 8) {
        if (!this.ended) return undefined;
        if (avail > 0) this.fail(`truncated block header (${avail} bytes left)`, this.offset, this.pendingBlockType());
        if (!this.sawSection) this.fail('empty capture: no section header block', this.offset);
        if (this.tablesPending) return this.flushTables();
        return undefined;
      }
      const b = this.buf;
      const start = this.pos;
      const at = this.base + start;
      const bt = u32(b, start);
      const len = u32(b, start + 4);
      if (!this.sawSection && bt !== BLOCK.SECTION_HEADER) {
        this.fail(bt === 0x1a2b3c4d || bt === 0x4d3c2b1a ? 'not a scap file' : 'not a scap file: no section header block', at, bt);
      }
      if (len < BLOCK_OVERHEAD || len > MAX_BLOCK) this.fail(`invalid block length ${len}`, at, bt);
      if (avail < len) {
        if (!this.ended) return undefined;
        this.fail(`truncated block: ${len} bytes declared, ${avail} present`, at, bt);
      }
      const trailer = u32(b, start + len - 4);
      if (trailer !== len) this.fail(`block length ${len} does not match its trailer ${trailer}`, at, bt);
      const kind = eventBlockKind(bt);
      if (kind) {
        // Tables of this section are complete once the first event arrives.
        if (this.tablesPending) return this.flushTables();
        this.pos = start + len;
        if (this.readEvent(b, start, len, bt, kind.v2, kind.flags)) return this.eventItem;
        continue;
      }
      this.pos = start + len;
      if (bt === BLOCK.SECTION_HEADER) {
        const pending = this.tablesPending ? this.flushTables() : undefined;
        this.readSection(b, start, len, at);
        if (pending) return pending;
        continue;
      }
      this.readTable(b, start, len, bt, at);
    }
  }

  /**
   * Delivers every complete item of the input to `handler`. Runs of plain event blocks go
   * through deliverEvents(), the per-event loop; anything else (section headers, tables, events
   * to convert, the end of the input, errors) through next().
   */
  deliver(handler: ScapHandler): void {
    do this.deliverEvents(handler);
    while (this.deliverNext(handler));
  }

  /**
   * The per-event loop: delivers the event blocks at the parse position that are complete, valid
   * V2 events needing no conversion, of a section whose tables are out, and returns at the first
   * block that is anything else, leaving it unparsed. Kept apart from the rarer paths: code the
   * loop had not run when the JIT optimised it (the end of the input comes only once per read)
   * would have thrown the optimised loop away when first reached.
   */
  private deliverEvents(handler: ScapHandler): void {
    if (this.tablesPending || !this.sawSection) return;
    const view = this.view;
    const item = this.eventItem;
    const summary = this.summary;
    const convert = this.convert;
    const delivered = this.delivered;
    const ntypes = EVENT_TABLE.length;
    const b = this.buf;
    const limit = this.limit;
    for (;;) {
      const start = this.pos;
      if (limit - start < 8) return;
      const bt = (b[start]! | (b[start + 1]! << 8) | (b[start + 2]! << 16)) + b[start + 3]! * 0x1000000;
      const len = (b[start + 4]! | (b[start + 5]! << 8) | (b[start + 6]! << 16)) + b[start + 7]! * 0x1000000;
      const kind = bt < 0x1000 ? EVENT_BLOCKS[bt] : undefined;
      const end = start + len;
      if (kind === undefined || !kind.v2 || len < BLOCK_OVERHEAD || len > MAX_BLOCK || end > limit ||
          (b[end - 4]! | (b[end - 3]! << 8) | (b[end - 2]! << 16)) + b[end - 1]! * 0x1000000 !== len) {
        return;
      }
      const h = kind.flags ? start + 14 : start + 10;
      const avail = end - 4 - h;
      if (avail < EVT_HDR_SIZE || (b[h + 20]! | (b[h + 21]! << 8)) >= ntypes ||
          view.load(b, h, 0, b[start + 8]! | (b[start + 9]! << 8), avail) !== undefined ||
          (convert && !passesUnconverted(view.type, (b[h + 22]! | (b[h + 23]! << 8) | (b[h + 24]! << 16)) + b[h + 25]! * 0x1000000))) {
        return;
      }
      this.pos = end;
      summary.records++;
      summary.events++;
      view.num = delivered ? summary.events : summary.records;
      item.flags = kind.flags ? (b[start + 10]! | (b[start + 11]! << 8) | (b[start + 12]! << 16)) + b[start + 13]! * 0x1000000 : 0;
      handler.event(view, item.flags);
    }
  }

  /** deliver() for anything but an event block: through next(). False when input is needed. */
  private deliverNext(handler: ScapHandler): boolean {
    const it = this.next();
    if (it === undefined) return false;
    if (it.kind === 'event') handler.event(it.evt, it.flags);
    else handler.tables?.(it.tables);
    return true;
  }

  private flushTables(): ScapItem {
    this.tablesPending = false;
    return { kind: 'tables', tables: this.tables! };
  }

  private readSection(b: Buffer, start: number, len: number, at: number): void {
    if (len < BLOCK_OVERHEAD + 16) this.fail(`section header block too short (${len} bytes)`, at, BLOCK.SECTION_HEADER);
    const magic = b.readUInt32LE(start + 8);
    if (magic !== SHB_MAGIC) {
      this.fail(magic === 0x4d3c2b1a ? 'big-endian captures are not supported' : `invalid byte order magic 0x${magic.toString(16)}`, at, BLOCK.SECTION_HEADER);
    }
    const major = b.readUInt16LE(start + 12);
    const minor = b.readUInt16LE(start + 14);
    if (major > 1) this.fail(`capture format version ${major}.${minor} is newer than 1.x`, at, BLOCK.SECTION_HEADER);
    this.sawSection = true;
    this.summary.sections++;
    this.tables = {
      section: { major, minor, sectionLength: b.readBigInt64LE(start + 16) },
      processes: [], users: [], groups: [], interfaces: [], skippedBlocks: [],
    };
    this.procsByTid = new Map();
    this.tablesPending = true;
    this.converter.reset();
  }

  private readTable(b: Buffer, start: number, len: number, bt: number, at: number): void {
    const t = this.tables!;
    this.tablesPending = true;
    const s = start + 8;
    const e = start + len - 4;
    const file = this.opts.file;
    if (proclistVersion(bt)) {
      for (const p of parseProcList(b, s, e, bt, at, file)) {
        const old = this.procsByTid.get(p.tid);
        if (old) p.fds = old.fds;
        this.procsByTid.set(p.tid, p);
        if (old) t.processes[t.processes.indexOf(old)] = p;
        else t.processes.push(p);
      }
      return;
    }
    switch (bt) {
      case BLOCK.MACHINE_INFO: case BLOCK.MACHINE_INFO_INT:
        t.machine = parseMachineInfo(b, s, e, bt, at, file);
        return;
      case BLOCK.FDLIST: case BLOCK.FDLIST_INT: case BLOCK.FDLIST_V2: {
        const { tid, fds } = parseFdList(b, s, e, bt, at, file);
        const p = this.procsByTid.get(tid);
        if (p) p.fds.push(...fds);
        return;
      }
      case BLOCK.USERLIST: case BLOCK.USERLIST_INT: case BLOCK.USERLIST_V2: {
        const { users, groups } = parseUserList(b, s, e, bt, at, file);
        t.users = users;
        t.groups = groups;
        return;
      }
      case BLOCK.IFLIST: case BLOCK.IFLIST_INT: case BLOCK.IFLIST_V2:
        t.interfaces = parseIfList(b, s, e, bt, at, file);
        return;
      default:
        t.skippedBlocks.push(bt);
    }
  }

  /** Reads one event block into the view; false when it delivers nothing (dropped, unknown). */
  private readEvent(b: Buffer, start: number, len: number, bt: number, v2: boolean, hasFlags: boolean): boolean {
    const at = this.base + start;
    const bodyEnd = start + len - 4;
    const cpu = b[start + 8]! | (b[start + 9]! << 8);
    const flags = hasFlags ? u32(b, start + 10) : 0;
    const h = start + 10 + (hasFlags ? 4 : 0);
    const hdrLen = v2 ? EVT_HDR_SIZE : V1_HDR_SIZE;
    if (bodyEnd - h < hdrLen) this.fail(`event block too short for an event header (${len} bytes)`, at, bt);
    const type = b[h + 20]! | (b[h + 21]! << 8);
    if (type >= EVENT_TABLE.length) {
      // An event of a newer producer: libscap skips it without numbering it.
      this.summary.unknown++;
      return false;
    }
    let rb = b;
    let rs = h;
    const view = this.view;
    if (v2) {
      // Validation fills the view's parameter offsets, kept when the converter passes the record on.
      const bad = view.load(b, h, 0, cpu, bodyEnd - h);
      if (bad !== undefined) this.fail(`invalid event: ${bad}`, at, bt);
    } else {
      rb = this.v1ToV2(b, h, bodyEnd, at, bt);
      rs = 0;
    }
    this.summary.records++;
    let out = rb;
    let outStart = rs;
    // Most events need no conversion, which a per-type table tells without calling the converter.
    const quick = this.convert ? quickVerdict(rb, rs) : Conversion.Pass;
    if (quick === Conversion.Drop) {
      this.summary.dropped++;
      return false;
    }
    if (quick === Conversion.Continue) {
      let r;
      try {
        r = this.converter.convert(rb, rs);
      } catch (err) {
        if (err instanceof ConversionError) this.fail(`cannot convert event: ${err.message}`, at, bt);
        throw err;
      }
      if (r.verdict === Conversion.Drop) {
        this.summary.dropped++;
        return false;
      }
      out = r.buf;
      outStart = r.start;
    }
    this.summary.events++;
    const num = this.delivered ? this.summary.events : this.summary.records;
    if (v2 && out === rb && outStart === rs) {
      view.num = num;
    } else {
      view.reset(out, outStart, num, cpu);
    }
    this.eventItem.flags = flags;
    return true;
  }

  /**
   * A V1 event (no nparams in its header) rewritten as V2 into scratch space. nparams is found as
   * libscap does: the largest count, from the event table's, whose lengths add up to the event len.
   */
  private v1ToV2(b: Buffer, h: number, bodyEnd: number, at: number, bt: number): Buffer {
    const type = b.readUInt16LE(h + 20);
    let elen = b.readUInt32LE(h + 16);
    // Old producers wrote a len 3 bytes too long for these two.
    const lenFix = type === NOTIFICATION_E || type === INFRASTRUCTURE_EVENT_E ? 3 : 0;
    elen -= lenFix;
    if (elen < V1_HDR_SIZE || h + elen > bodyEnd + lenFix) this.fail(`invalid V1 event length ${elen}`, at, bt);
    const lens = h + V1_HDR_SIZE;
    const end = h + elen;
    let found = -1;
    for (let n = EVENT_TABLE[type]!.params.length; n >= 0; n--) {
      let p = lens + n * 2;
      if (p > end) continue;
      for (let i = 0; i < n; i++) p += b.readUInt16LE(lens + i * 2);
      if (p < end) this.fail('cannot convert V1 event to V2: corrupt lengths (cannot compute nparams)', at, bt);
      if (p === end) {
        found = n;
        break;
      }
    }
    if (found < 0) this.fail('cannot convert V1 event to V2: no parameter count fits its length', at, bt);
    const total = elen + 4;
    if (this.v1Scratch.length < total) this.v1Scratch = Buffer.alloc(total * 2);
    const s = this.v1Scratch;
    b.copy(s, 0, h, h + V1_HDR_SIZE);
    s.writeUInt32LE(total, 16);
    s.writeUInt32LE(found, 22);
    b.copy(s, EVT_HDR_SIZE, lens, end);
    return s;
  }
}

/** Where to read from: a path, a whole capture in memory, or a byte stream. */
export type ScapSource = string | Buffer | NodeJS.ReadableStream;

function isGzip(b: Buffer): boolean {
  return b.length >= 2 && b[0] === 0x1f && b[1] === 0x8b;
}

/** Decompressed chunks of a source: gzip detected from the first two bytes. */
async function* chunks(source: ScapSource, chunkSize: number): AsyncGenerator<Buffer> {
  const raw: NodeJS.ReadableStream =
    typeof source === 'string' ? createReadStream(source, { highWaterMark: chunkSize }) : Buffer.isBuffer(source) ? Readable.from([source]) : source;
  const it = (raw as AsyncIterable<Buffer | string>)[Symbol.asyncIterator]();
  let first = await it.next();
  while (!first.done && first.value.length === 0) first = await it.next();
  if (first.done) return;
  const head = Buffer.isBuffer(first.value) ? first.value : Buffer.from(first.value);
  if (!isGzip(head)) {
    try {
      yield head;
      for (let r = await it.next(); !r.done; r = await it.next()) yield Buffer.isBuffer(r.value) ? r.value : Buffer.from(r.value);
    } finally {
      // A consumer that stops early closes the file.
      await it.return?.();
    }
    return;
  }
  const gunzip = createGunzip({ chunkSize });
  // Resolves on 'drain', or on 'close' when the consumer stopped and the stream was destroyed.
  const writable = () => new Promise<void>((resolve) => {
    const done = () => {
      gunzip.off('drain', done);
      gunzip.off('close', done);
      resolve();
    };
    gunzip.once('drain', done);
    gunzip.once('close', done);
  });
  const pump = (async () => {
    try {
      if (!gunzip.write(head)) await writable();
      for (let r = await it.next(); !r.done && !gunzip.destroyed; r = await it.next()) {
        if (!gunzip.write(r.value)) await writable();
      }
      if (!gunzip.destroyed) gunzip.end();
    } catch (err) {
      gunzip.destroy(err as Error);
    }
  })();
  try {
    for await (const c of gunzip as AsyncIterable<Buffer>) yield c;
  } finally {
    gunzip.destroy();
    await pump;
    await it.return?.();
  }
}

/** Turns stream errors (bad gzip data, I/O) into ScapFormatError at the parser's position. */
function streamError(err: unknown, parser: ScapParser, file?: string): ScapFormatError {
  if (err instanceof ScapFormatError) return err;
  const e = err as NodeJS.ErrnoException;
  const why = e.code === 'Z_BUF_ERROR' || /unexpected end of file/i.test(e.message ?? '')
    ? 'truncated gzip stream'
    : e.code?.startsWith('Z_') ? `corrupt gzip stream: ${e.message}` : `read error: ${e.message ?? String(err)}`;
  return new ScapFormatError(why, parser.offset, parser.pendingBlockType(), file);
}

/** A stream error that left a partial block: report the block, say why the stream ended. */
function mergeErrors(streamErr: unknown, parseErr: unknown, parser: ScapParser, file?: string): ScapFormatError {
  const s = streamError(streamErr, parser, file);
  if (!(parseErr instanceof ScapFormatError)) return s;
  return new ScapFormatError(`${s.reason}: ${parseErr.reason}`, parseErr.offset, parseErr.blockType, file);
}

/**
 * Reads a capture, calling `handler.tables` once per section and `handler.event` for every event.
 * Everything before a fault is delivered; then the returned promise rejects with ScapFormatError.
 */
export async function readScap(source: ScapSource, handler: ScapHandler, opts: ScapReadOptions = {}): Promise<ScapReadSummary> {
  const file = opts.file ?? (typeof source === 'string' ? source : undefined);
  const parser = new ScapParser({ ...opts, file });
  if (typeof source === 'string') {
    const summary = await readPlainFile(source, parser, handler, opts.chunkSize ?? PLAIN_CHUNK);
    if (summary !== undefined) return summary;
  }
  const drain = () => parser.deliver(handler);
  try {
    for await (const c of chunks(source, opts.chunkSize ?? 1 << 20)) {
      parser.feed(c);
      drain();
      if (handler.chunkDone && (await handler.chunkDone()) === false) return parser.summary;
    }
  } catch (err) {
    if (err instanceof ScapFormatError) throw err;
    // The byte stream broke (bad gzip, I/O): deliver every complete block, then report.
    parser.end();
    try {
      drain();
    } catch (inner) {
      throw mergeErrors(err, inner, parser, file);
    }
    throw streamError(err, parser, file);
  }
  parser.end();
  drain();
  return parser.summary;
}

const PLAIN_CHUNK = 1 << 20;

/** Room before each read for the start of a block the previous read cut (see ScapParser.adopt). */
const READ_HEADROOM = 64 * 1024;

/**
 * Reads an uncompressed capture file in place: two buffers, one parsed while the thread pool
 * reads the next chunk into the other, so the copy out of the page cache (a tenth of the time
 * of a replay) runs beside the parsing rather than before it; no stream machinery, no copies
 * beyond the read itself and the few bytes of a block cut between two reads. Returns
 * undefined, having read nothing, for a gzip file (the stream path decompresses it).
 */
async function readPlainFile(path: string, parser: ScapParser, handler: ScapHandler, chunkSize: number): Promise<ScapReadSummary | undefined> {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return undefined; // the stream path reports the error as it always has
  }
  const buffers = [Buffer.allocUnsafe(READ_HEADROOM + chunkSize), Buffer.allocUnsafe(READ_HEADROOM + chunkSize)];
  let position = 0;
  const readInto = (b: Buffer): Promise<number> => {
    const at = position;
    return new Promise((resolve, reject) => read(fd, b, READ_HEADROOM, chunkSize, at, (err, n) => (err ? reject(err) : resolve(n))));
  };
  let pending: Promise<number> | undefined;
  try {
    const head = Buffer.alloc(2);
    if (readSync(fd, head, 0, 2, 0) === 2 && isGzip(head)) return undefined;
    let k = 0;
    pending = readInto(buffers[k]!);
    for (;;) {
      let n: number;
      try {
        n = await pending;
      } catch (err) {
        pending = undefined;
        // An I/O error: deliver every complete block, then report.
        parser.end();
        try {
          parser.deliver(handler);
        } catch (inner) {
          throw mergeErrors(err, inner, parser, path);
        }
        throw streamError(err, parser, path);
      }
      pending = undefined;
      if (n === 0) break;
      position += n;
      const filled = buffers[k]!;
      if (!parser.adopt(filled, READ_HEADROOM, READ_HEADROOM + n)) parser.feed(Buffer.from(filled.subarray(READ_HEADROOM, READ_HEADROOM + n)));
      // The parser has left the other buffer (its rest is copied): the next read goes there.
      k ^= 1;
      pending = readInto(buffers[k]!);
      parser.deliver(handler);
      if (handler.chunkDone && (await handler.chunkDone()) === false) return parser.summary;
    }
  } finally {
    // A read still running must end before its fd closes.
    if (pending !== undefined) await pending.catch(() => 0);
    closeSync(fd);
  }
  parser.end();
  parser.deliver(handler);
  return parser.summary;
}

/** The same as an async iterator. Event items share one view and one item object. */
export async function* scapItems(source: ScapSource, opts: ScapReadOptions = {}): AsyncGenerator<ScapItem, ScapReadSummary> {
  const file = opts.file ?? (typeof source === 'string' ? source : undefined);
  const parser = new ScapParser({ ...opts, file });
  let failure: unknown;
  try {
    for await (const c of chunks(source, opts.chunkSize ?? 1 << 20)) {
      parser.feed(c);
      for (let it = parser.next(); it; it = parser.next()) yield it;
    }
  } catch (err) {
    if (err instanceof ScapFormatError) throw err;
    failure = err;
  }
  if (failure !== undefined) {
    parser.end();
    try {
      for (let it = parser.next(); it; it = parser.next()) yield it;
    } catch (inner) {
      throw mergeErrors(failure, inner, parser, file);
    }
    throw streamError(failure, parser, file);
  }
  parser.end();
  for (let it = parser.next(); it; it = parser.next()) yield it;
  return parser.summary;
}
