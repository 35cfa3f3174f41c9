// A destination's disk spool: alerts that could not be delivered in time, kept in order across
// restarts. A directory of segment files (`<12-digit number>.jsonl`, one alert record per line,
// alert-record.ts) read from the lowest number, appended at the highest, and a `cursor` file
// saying how many lines of the head segment were delivered.
//
// Bounded in bytes: an append that would pass `maxBytes` keeps what fits and reports the rest
// as not taken (the caller counts them as dropped).
//
// fsync policy: every append is one write of the whole batch followed by fsync, so an alert the
// spool took survives a crash or power loss. The channel appends at most once per turn of the
// event loop (a full queue handed over by detection is written on the next turn), so a crash
// may lose what was handed over in the last turn — never more than one queue — and nothing the
// spool had taken. The cursor is replaced atomically (write + rename)
// without fsync, at most once a second while a segment is delivered, when a segment is done and
// at close: a crash can only make the cursor older, so about a second's alerts at most are sent
// again (at-least-once; receivers drop repeats by uuid), never lost.
//
// File I/O is asynchronous and serialized on one promise chain; counts are kept synchronously so
// the channel can decide where an alert goes without waiting.
import { mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { open, readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { alertFromRecord, alertToRecord } from './alert-record.js';
import type { Alert } from './alert.js';

const FIRST_SEGMENT = 100_000_000_000;
/** A segment stops taking appends past this size, so reading one never holds much in memory. */
const SEGMENT_BYTES = 4 * 1024 * 1024;
/** The cursor is saved at most this often while a segment is delivered (and when it is done,
 *  and at close): a crash re-sends at most this long's worth of alerts. */
const CURSOR_INTERVAL_MS = 1000;

interface Segment {
  num: number;
  bytes: number;
  lines: number;
}

export class Spool {
  /** Alerts in the spool not yet acknowledged (including appends still being written). */
  count = 0;
  bytes = 0;
  private readonly segments: Segment[] = [];
  /** Lines of the head segment already delivered. */
  private cursor = 0;
  /** The head segment's alerts, read when delivery reaches it. */
  private head: { num: number; alerts: Alert[] } | undefined;
  private chain: Promise<void> = Promise.resolve();
  private cursorSaved = 0;

  constructor(readonly dir: string, readonly maxBytes: number, private readonly log: (msg: string) => void) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    for (const name of readdirSync(dir).filter((n) => /^\d{12}\.jsonl$/.test(n)).sort()) {
      const text = readFileSync(join(dir, name), 'utf8');
      const lines = text.split('\n').filter((l) => l !== '').length;
      this.segments.push({ num: Number(name.slice(0, 12)), bytes: statSync(join(dir, name)).size, lines });
    }
    try {
      const c = JSON.parse(readFileSync(join(dir, 'cursor'), 'utf8')) as { segment: number; line: number };
      if (this.segments[0]?.num === c.segment) this.cursor = c.line;
    } catch {
      // no cursor: nothing of the head segment was delivered
    }
    for (const s of this.segments) {
      this.bytes += s.bytes;
      this.count += s.lines;
    }
    this.count = Math.max(0, this.count - this.cursor);
  }

  /** Appends alerts after everything spooled; returns how many fitted under maxBytes. */
  append(alerts: readonly Alert[]): number {
    return this.write(alerts, false);
  }

  /** Puts alerts before everything spooled (a batch that was in flight at shutdown). */
  prepend(alerts: readonly Alert[]): number {
    return this.write(alerts, true);
  }

  private write(alerts: readonly Alert[], atFront: boolean): number {
    if (alerts.length === 0) return 0;
    const lines: string[] = [];
    let bytes = 0;
    for (const a of alerts) {
      const line = `${alertToRecord(a)}\n`;
      const n = Buffer.byteLength(line);
      if (this.bytes + bytes + n > this.maxBytes) break;
      lines.push(line);
      bytes += n;
    }
    if (lines.length === 0) return 0;
    let seg: Segment;
    if (atFront) {
      if (this.segments.length > 0 && this.cursor > 0) {
        // the head segment is partly delivered: the new front goes before its remaining lines,
        // so the head is cut to what remains first
        this.splitHead();
      }
      seg = { num: (this.segments[0]?.num ?? FIRST_SEGMENT) - 1, bytes: 0, lines: 0 };
      this.segments.unshift(seg);
    } else {
      const tail = this.segments[this.segments.length - 1];
      const reading = tail !== undefined && this.head?.num === tail.num;
      if (tail && !reading && tail.bytes + bytes <= SEGMENT_BYTES) seg = tail;
      else {
        seg = { num: (tail?.num ?? FIRST_SEGMENT - 1) + 1, bytes: 0, lines: 0 };
        this.segments.push(seg);
      }
    }
    seg.bytes += bytes;
    seg.lines += lines.length;
    this.bytes += bytes;
    this.count += lines.length;
    const path = this.path(seg.num);
    const text = lines.join('');
    this.enqueue(async () => {
      const fh = await open(path, 'a', 0o600);
      try {
        await fh.writeFile(text);
        await fh.sync();
      } finally {
        await fh.close();
      }
    });
    return lines.length;
  }

  /** Rewrites the head segment as its undelivered lines (before a prepend). */
  private splitHead(): void {
    const seg = this.segments[0]!;
    const skip = this.cursor;
    this.cursor = 0;
    this.head = undefined;
    const path = this.path(seg.num);
    seg.lines -= skip;
    this.enqueue(async () => {
      const rest = (await readFile(path, 'utf8')).split('\n').filter((l) => l !== '').slice(skip);
      const text = rest.map((l) => `${l}\n`).join('');
      await writeFile(`${path}.tmp`, text, { mode: 0o600 });
      await rename(`${path}.tmp`, path);
      await this.saveCursor();
    });
    // bytes are recounted from what is left (approximately: the cut lines' share)
    const before = seg.bytes;
    seg.bytes = Math.round((before * seg.lines) / Math.max(1, seg.lines + skip));
    this.bytes -= before - seg.bytes;
  }

  /** The oldest up to `n` undelivered alerts, in order (empty when the spool is). */
  async peek(n: number): Promise<Alert[]> {
    await this.chain;
    for (;;) {
      const seg = this.segments[0];
      if (!seg) return [];
      if (this.head?.num !== seg.num) {
        const text = await readFile(this.path(seg.num), 'utf8');
        const alerts: Alert[] = [];
        let bad = 0;
        for (const line of text.split('\n')) {
          if (line === '') continue;
          try {
            alerts.push(alertFromRecord(line));
          } catch {
            bad++;
          }
        }
        if (bad) this.log(`spool ${this.dir}: ${bad} unreadable record(s) in segment ${seg.num} skipped`);
        if (bad) this.count -= bad;
        seg.lines = alerts.length;
        this.head = { num: seg.num, alerts };
      }
      if (this.cursor < this.head.alerts.length) return this.head.alerts.slice(this.cursor, this.cursor + n);
      await this.dropHead();
    }
  }

  /** The first `n` alerts peek() gave were delivered. */
  async ack(n: number): Promise<void> {
    this.cursor += n;
    this.count -= n;
    const seg = this.segments[0];
    if (seg && this.cursor >= seg.lines) await this.dropHead();
    else if (Date.now() - this.cursorSaved >= CURSOR_INTERVAL_MS) await this.saveCursor();
  }

  private async dropHead(): Promise<void> {
    const seg = this.segments.shift()!;
    this.bytes -= seg.bytes;
    this.cursor = 0;
    this.head = undefined;
    await unlink(this.path(seg.num)).catch(() => undefined);
    await this.saveCursor();
  }

  private async saveCursor(): Promise<void> {
    this.cursorSaved = Date.now();
    const c = JSON.stringify({ segment: this.segments[0]?.num ?? 0, line: this.cursor });
    const tmp = join(this.dir, 'cursor.tmp');
    await writeFile(tmp, c, { mode: 0o600 });
    await rename(tmp, join(this.dir, 'cursor'));
  }

  /** Waits for every write to reach the disk and saves the cursor. */
  async close(): Promise<void> {
    this.enqueue(() => this.saveCursor());
    await this.chain;
  }

  private enqueue(op: () => Promise<void>): void {
    this.chain = this.chain.then(op).catch((e: Error) => this.log(`spool ${this.dir}: ${e.message}`));
  }

  private path(num: number): string {
    return join(this.dir, `${String(num).padStart(12, '0')}.jsonl`);
  }
}
