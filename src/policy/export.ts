// Tetragon-format event export: one JSON object per line to a file or stdout, through Tetragon's
// export filters (--export-allowlist / --export-denylist: JSON filter objects, one per line,
// fields ANDed within one, lines ORed) and its --export-rate-limit (events per minute, a token
// bucket; what it drops is reported as rate_limit_info events, as Tetragon does).
import { createWriteStream, type WriteStream } from 'node:fs';

/* eslint-disable @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-argument -- Tetragon events come from other tools as well as Saker: JSON read loosely, every field optional, checked where it is read */
type Json = Record<string, any>;

const EVENT_TYPES: Record<string, string> = {
  PROCESS_EXEC: 'process_exec', PROCESS_EXIT: 'process_exit', PROCESS_KPROBE: 'process_kprobe', PROCESS_TRACEPOINT: 'process_tracepoint',
  PROCESS_LSM: 'process_lsm', PROCESS_UPROBE: 'process_uprobe', PROCESS_LOADER: 'process_loader',
};

interface Filter {
  event_set?: string[];
  binary_regex?: string[];
  namespace?: string[];
  pod_regex?: string[];
  policy_names?: string[];
  pid?: number[];
  parent_binary_regex?: string[];
  arguments_regex?: string[];
  container_id?: string[];
}

const FILTER_KEYS = new Set(['event_set', 'binary_regex', 'namespace', 'pod_regex', 'policy_names', 'pid', 'parent_binary_regex', 'arguments_regex', 'container_id']);

export class ExportFilterError extends Error {
  override name = 'ExportFilterError';
}

/** Parses Tetragon's filter list: one JSON object per line; an unknown field or bad regex is an error naming the line. */
export function parseFilters(text: string, what: string): Array<(ev: Json) => boolean> {
  const out: Array<(ev: Json) => boolean> = [];
  text.split('\n').forEach((line, i) => {
    if (line.trim() === '') return;
    let f: Filter;
    try {
      f = JSON.parse(line) as Filter;
    } catch (e) {
      throw new ExportFilterError(`${what} line ${i + 1}: ${(e as Error).message}`);
    }
    for (const k of Object.keys(f)) if (!FILTER_KEYS.has(k)) throw new ExportFilterError(`${what} line ${i + 1}: unknown filter field "${k}"`);
    try {
      out.push(compileFilter(f));
    } catch (e) {
      throw new ExportFilterError(`${what} line ${i + 1}: ${(e as Error).message}`);
    }
  });
  return out;
}

function compileFilter(f: Filter): (ev: Json) => boolean {
  const tests: Array<(kind: string, body: Json) => boolean> = [];
  const anyRe = (res: string[] | undefined, get: (body: Json) => unknown) => {
    if (!res) return;
    const compiled = res.map((r) => new RegExp(r));
    tests.push((_, b) => { const v = get(b); return typeof v === 'string' && compiled.some((re) => re.test(v)); });
  };
  if (f.event_set) {
    const kinds = new Set(f.event_set.map((e) => EVENT_TYPES[e] ?? e));
    tests.push((kind) => kinds.has(kind));
  }
  anyRe(f.binary_regex, (b) => b.process?.binary);
  anyRe(f.parent_binary_regex, (b) => b.parent?.binary);
  anyRe(f.arguments_regex, (b) => b.process?.arguments);
  anyRe(f.pod_regex, (b) => b.process?.pod?.name);
  if (f.namespace) {
    const ns = new Set(f.namespace);
    tests.push((_, b) => ns.has(b.process?.pod?.namespace ?? ''));
  }
  if (f.policy_names) {
    const names = new Set(f.policy_names);
    tests.push((_, b) => names.has(b.policy_name));
  }
  if (f.pid) {
    const pids = new Set(f.pid);
    tests.push((_, b) => pids.has(b.process?.pid));
  }
  if (f.container_id) {
    const ids = f.container_id;
    tests.push((_, b) => ids.some((id) => String(b.process?.docker ?? '').startsWith(id.slice(0, 31))));
  }
  return (ev) => {
    const kind = Object.keys(ev).find((k) => k.startsWith('process_')) ?? '';
    const body = ev[kind] ?? {};
    return tests.every((t) => t(kind, body));
  };
}

export interface ExportOptions {
  /** File path, or '-' for stdout. */
  to: string;
  allow?: Array<(ev: Json) => boolean>;
  deny?: Array<(ev: Json) => boolean>;
  /** Events per minute; undefined or -1: unlimited. */
  rateLimit?: number;
  nodeName: string;
  stdout?: NodeJS.WritableStream;
}

export class EventExporter {
  private readonly out: NodeJS.WritableStream;
  private readonly file: WriteStream | undefined;
  private tokens: number;
  private last = Date.now();
  private dropped = 0;
  private closed = false;
  private reportTimer: NodeJS.Timeout | undefined;
  /** Events written, and kept out by the filters, the rate limit, or coming after close(). */
  readonly counts = { written: 0, filtered: 0, rateLimited: 0, afterClose: 0 };

  constructor(private readonly opts: ExportOptions) {
    if (opts.to === '-') this.out = opts.stdout ?? process.stdout;
    else this.out = this.file = createWriteStream(opts.to, { flags: 'a' });
    this.tokens = opts.rateLimit ?? -1;
    if (this.limited) {
      this.reportTimer = setInterval(() => this.reportDropped(), 60_000);
      this.reportTimer.unref();
    }
  }

  private get limited(): boolean {
    return this.opts.rateLimit !== undefined && this.opts.rateLimit >= 0;
  }

  write(ev: Json): void {
    if (this.closed) { this.counts.afterClose++; return; } // a stream written after end() throws
    if (this.opts.allow && this.opts.allow.length > 0 && !this.opts.allow.some((f) => f(ev))) { this.counts.filtered++; return; }
    if (this.opts.deny && this.opts.deny.some((f) => f(ev))) { this.counts.filtered++; return; }
    if (this.limited) {
      const perMinute = this.opts.rateLimit!;
      const now = Date.now();
      this.tokens = Math.min(perMinute, this.tokens + ((now - this.last) / 60_000) * perMinute);
      this.last = now;
      if (this.tokens < 1) {
        this.dropped++;
        this.counts.rateLimited++;
        return;
      }
      this.tokens -= 1;
    }
    this.counts.written++;
    this.out.write(`${JSON.stringify(ev)}\n`);
  }

  private reportDropped(): void {
    if (this.dropped === 0) return;
    this.out.write(`${JSON.stringify({ rate_limit_info: { number_of_dropped_process_events: String(this.dropped) }, node_name: this.opts.nodeName, time: new Date().toISOString() })}\n`);
    this.dropped = 0;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    clearInterval(this.reportTimer);
    this.reportDropped();
    this.closed = true;
    if (this.file) await new Promise<void>((resolve) => this.file!.end(() => resolve()));
  }
}
