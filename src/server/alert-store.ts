// The recent alerts the API and the UI show: a bounded ring (oldest dropped first, so memory stays
// fixed however noisy the rules are) with per-second counts by priority for the chart. Alerts are
// kept as the outputs made them; the JSON view for the API is built only when one is asked for.
import type { Alert } from '../outputs/index.js';
import { parsePriority, PRIORITY_NAMES } from '../rules/index.js';

/** One stored alert with the id the API names it by. */
export interface StoredAlert {
  id: number;
  alert: Alert;
}

/** What /api/alerts may filter on; every given filter must match. */
export interface AlertQuery {
  /** Only alerts at least this severe (a priority name, Falco's order: emergency is 0). */
  priority?: number;
  rule?: string;
  tag?: string;
  /** Container id (full or 12-char) or name. */
  container?: string;
  pod?: string;
  /** Case-insensitive text searched in the output line. */
  text?: string;
  /** Only alerts with an id greater than this (for catching up after a reconnect). */
  after?: number;
  /** Newest first; default 50, at most 1000. */
  limit?: number;
  offset?: number;
}

export interface AlertPage {
  total: number;
  offset: number;
  limit: number;
  items: StoredAlert[];
}

export interface CountSeries {
  /** Seconds per bucket. */
  step: number;
  /** Start of the first bucket, ms since the epoch. */
  start: number;
  /** One array per priority name (Emergency .. Debug), one number per bucket. */
  series: Record<string, number[]>;
}

export { PRIORITY_NAMES };

/** A priority given by name (any case, "info" too) or by number 0-7; undefined if unknown. */
export function priorityNumber(text: string): number | undefined {
  const t = text.trim();
  return /^[0-7]$/.test(t) ? Number(t) : parsePriority(t);
}

const MAX_PAGE = 1000;

function containerOf(a: Alert): { id: string; name: string } {
  const f = a.outputFields;
  return { id: String(f['container.id'] ?? ''), name: String(f['container.name'] ?? '') };
}

function podOf(a: Alert): string {
  const v = a.outputFields['k8s.pod.name'];
  return v === undefined || v === null ? '' : String(v);
}

export class AlertStore {
  private readonly ring: Array<StoredAlert | undefined>;
  private next = 0;
  private nextId = 1;
  /** Per-second counts: `seconds` buckets of 8 priorities, indexed by (epoch second % seconds). */
  private readonly counts: Uint32Array;
  private readonly bucketSecond: Float64Array;

  constructor(readonly capacity = 10_000, private readonly seconds = 3600, private readonly now: () => number = Date.now) {
    if (!(capacity > 0)) throw new RangeError('alert store capacity must be positive');
    this.ring = new Array<StoredAlert | undefined>(capacity);
    this.counts = new Uint32Array(seconds * PRIORITY_NAMES.length);
    this.bucketSecond = new Float64Array(seconds).fill(-1);
  }

  /** Alerts stored since start (including those the ring has dropped since). */
  get added(): number {
    return this.nextId - 1;
  }

  add(alert: Alert): StoredAlert {
    const stored = { id: this.nextId++, alert };
    this.ring[this.next] = stored;
    this.next = (this.next + 1) % this.capacity;
    this.count(alert.priority);
    return stored;
  }

  private count(priority: number): void {
    const sec = Math.floor(this.now() / 1000);
    const b = sec % this.seconds;
    if (this.bucketSecond[b] !== sec) {
      this.bucketSecond[b] = sec;
      this.counts.fill(0, b * PRIORITY_NAMES.length, (b + 1) * PRIORITY_NAMES.length);
    }
    const p = Math.min(Math.max(priority, 0), PRIORITY_NAMES.length - 1);
    this.counts[b * PRIORITY_NAMES.length + p]!++;
  }

  get(id: number): StoredAlert | undefined {
    const newest = this.nextId - 1;
    if (!Number.isInteger(id) || id < 1 || id > newest || newest - id >= this.capacity) return undefined;
    const slot = (this.next - 1 - (newest - id) + this.capacity * 2) % this.capacity;
    return this.ring[slot];
  }

  /** Newest first. */
  *newest(): Generator<StoredAlert> {
    for (let i = 1; i <= this.capacity; i++) {
      const s = this.ring[(this.next - i + this.capacity) % this.capacity];
      if (!s) return;
      yield s;
    }
  }

  query(q: AlertQuery): AlertPage {
    const limit = Math.min(Math.max(q.limit ?? 50, 1), MAX_PAGE);
    const offset = Math.max(q.offset ?? 0, 0);
    const items: StoredAlert[] = [];
    let total = 0;
    const match = matcher(q);
    for (const s of this.newest()) {
      if (q.after !== undefined && s.id <= q.after) break;
      if (!match(s.alert)) continue;
      if (total >= offset && items.length < limit) items.push(s);
      total++;
    }
    return { total, offset, limit, items };
  }

  /** Counts per priority over the last `spanS` seconds in buckets of `step` seconds. */
  countSeries(spanS = 300, step = 5): CountSeries {
    const span = Math.min(Math.max(Math.floor(spanS), 1), this.seconds);
    const st = Math.min(Math.max(Math.floor(step), 1), span);
    const nowSec = Math.floor(this.now() / 1000);
    const buckets = Math.ceil(span / st);
    const firstSec = nowSec - buckets * st + 1;
    const series: Record<string, number[]> = {};
    for (const p of PRIORITY_NAMES) series[p] = new Array<number>(buckets).fill(0);
    for (let sec = firstSec; sec <= nowSec; sec++) {
      const b = ((sec % this.seconds) + this.seconds) % this.seconds;
      if (this.bucketSecond[b] !== sec) continue;
      const i = Math.floor((sec - firstSec) / st);
      for (let p = 0; p < PRIORITY_NAMES.length; p++) series[PRIORITY_NAMES[p]!]![i]! += this.counts[b * PRIORITY_NAMES.length + p]!;
    }
    return { step: st, start: firstSec * 1000, series };
  }
}

/** The predicate for a query's filters. */
function matcher(q: AlertQuery): (a: Alert) => boolean {
  const text = q.text?.toLowerCase();
  return (a) => {
    if (q.priority !== undefined && a.priority > q.priority) return false;
    if (q.rule !== undefined && a.rule !== q.rule) return false;
    if (q.tag !== undefined && !a.tags.includes(q.tag)) return false;
    if (q.container !== undefined) {
      const c = containerOf(a);
      if (c.name !== q.container && c.id !== q.container && !(q.container.length >= 12 && c.id.startsWith(q.container))) return false;
    }
    if (q.pod !== undefined && podOf(a) !== q.pod) return false;
    if (text !== undefined && !a.output.toLowerCase().includes(text)) return false;
    return true;
  };
}
