// Hits come from the policy sensor's ring; the process table they are attributed with is built
// from the capture sensor's stream. The two are read independently, and under load either can be
// read ahead of the other: a hit read before the capture stream has brought its process's clone
// and exec would name the wrong binary, or no container. So a hit is held until the state has
// seen everything that happened before it:
// - an event of the hit's own thread at or after the hit's time (a thread's events are in order
//   in the capture stream, so its exec and its cgroups are in the state), or
// - an event of any thread later than the hit by more than the two clocks' skew, or
// - a quiet capture stream: no event at all for a while (nothing more is coming; a stream read
//   behind, by an agent busy with a backlog, is never quiet), or
// - the longest wait, for a capture stream that stalls (a hit is never lost to waiting).
// Held hits are released in their order of arrival, exits and execs of their thread included.

export interface CaptureOrderOptions {
  /** What separates the two sensors' clocks at most, plus the capture ring's reordering, ns. */
  skewNs: number;
  /** A capture stream with no event for this long, ms, has nothing more before the hits. */
  quietMs: number;
  /** The longest a hit waits, ms. */
  maxWaitMs: number;
  /** Hits held at most; past it the oldest is released. */
  max: number;
  now?: () => number;
}

interface Held<T> {
  item: T;
  tid: number;
  /** wall-clock ns of the hit */
  time: number;
  /** when it was held, ms */
  at: number;
}

export class CaptureOrder<T> {
  private held: Array<Held<T>> = [];
  /** held hits per thread, for the per-event check */
  private readonly tids = new Map<number, number>();
  /** the earliest time an event of any thread releases a hit */
  private due = Infinity;
  private timer: NodeJS.Timeout | undefined;
  /** captured events seen while hits were held, and at the timer's last look */
  private seen = 0;
  private seenAtLook = 0;
  private lookAt = 0;

  constructor(private readonly release: (item: T) => void, private readonly opts: CaptureOrderOptions) {}

  get size(): number {
    return this.held.length;
  }

  hold(item: T, tid: number, time: number): void {
    if (this.held.length >= this.opts.max) this.releaseWhere((_, i) => i === 0);
    this.held.push({ item, tid, time, at: this.now() });
    this.tids.set(tid, (this.tids.get(tid) ?? 0) + 1);
    this.due = Math.min(this.due, time + this.opts.skewNs);
    this.timer ??= this.look();
  }

  /** Before the state takes a captured event of thread `tid` at wall-clock `ts` ns. */
  passed(tid: number, ts: number): void {
    if (this.held.length === 0) return;
    this.seen++;
    if (ts < this.due && !this.tids.has(tid)) return;
    this.releaseWhere((h) => h.time + this.opts.skewNs <= ts || (h.tid === tid && h.time <= ts));
  }

  /** Releases every held hit (the agent stops). */
  flush(): void {
    this.releaseWhere(() => true);
  }

  private releaseWhere(pred: (h: Held<T>, i: number) => boolean): void {
    const still: Array<Held<T>> = [];
    const out: Array<Held<T>> = [];
    this.held.forEach((h, i) => (pred(h, i) ? out : still).push(h));
    if (out.length === 0) return;
    this.held = still;
    this.due = Infinity;
    for (const h of still) this.due = Math.min(this.due, h.time + this.opts.skewNs);
    for (const h of out) {
      const n = this.tids.get(h.tid)! - 1;
      if (n === 0) this.tids.delete(h.tid);
      else this.tids.set(h.tid, n);
    }
    if (still.length === 0) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    for (const h of out) this.release(h.item);
  }

  /** Every quietMs while hits are held: a stream quiet since the last look releases the hits held
   *  all that time; past the longest wait a hit goes whatever the stream does. */
  private look(): NodeJS.Timeout {
    this.seenAtLook = this.seen;
    this.lookAt = this.now();
    const t = setTimeout(() => {
      this.timer = undefined;
      const quietSince = this.seen === this.seenAtLook ? this.lookAt : -Infinity;
      const oldest = this.now() - this.opts.maxWaitMs;
      this.releaseWhere((h) => h.at <= quietSince || h.at <= oldest);
      if (this.held.length > 0) this.timer = this.look();
    }, this.opts.quietMs);
    t.unref();
    return t;
  }

  private now(): number {
    return (this.opts.now ?? Date.now)();
  }
}
