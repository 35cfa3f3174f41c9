// Delivery to one destination without ever making detection wait: a bounded in-memory queue, one
// sender that sends batches in order and retries a failed batch with exponential backoff and
// jitter, and — for remote destinations — a disk spool (spool.ts) that takes the queue when it is
// full and what is left at shutdown, replayed first on the next start.
//
// Order is kept by one invariant: the batch in flight is older than everything spooled, which is
// older than everything queued in memory. So the sender reads the spool before memory, a full
// memory queue moves into the spool as a whole, and at shutdown the batch in flight goes to the
// spool's front and memory to its end.
//
// Detection pays a queue push, not a disk append: a full queue is handed over as it is (an array
// moved, nothing copied or encoded) to `toSpoolSoon`, which a later turn of the event loop encodes
// and appends as one spool write. Until then those alerts count as spooled (they are older than
// the queue and newer than the spool) — the sender flushes them before it reads the spool, and
// close() before it spools the queue. If detection overflows the queue again before that turn,
// the hand-over is flushed at once, so memory holds at most two queues' worth.
//
// Nothing is dropped silently: a full queue without a spool, a full spool, a batch a destination
// refused for good are counted (`dropped` by reason, `failed`) and logged.
import type { DeliveryOptions } from '../config/index.js';
import type { Alert } from './alert.js';
import { backoffDelay } from './backoff.js';
import { asDeliveryError, type Destination } from './destination.js';
import type { Spool } from './spool.js';

export type DropReason = 'queue_full' | 'spool_full' | 'rate_limit' | 'shutdown';

export class ChannelCounters {
  sent = 0;
  failed = 0;
  spooled = 0;
  retries = 0;
  readonly dropped: Record<DropReason, number> = { queue_full: 0, spool_full: 0, rate_limit: 0, shutdown: 0 };
}

export class Channel {
  readonly counters = new ChannelCounters();
  private queue: Alert[] = [];
  private qHead = 0;
  private inFlight: { alerts: readonly Alert[]; fromSpool: boolean } | undefined;
  private running = false;
  private closing = false;
  private stopped = false;
  /** Wakes the sender from a backoff sleep (shutdown). */
  private wake: (() => void) | undefined;
  private idle: (() => void) | undefined;
  private down = false;
  private lastDropLog = 0;
  /** Full queues on their way to the spool (oldest first), encoded and written on the next turn. */
  private toSpoolSoon: Alert[][] = [];
  private spoolFlushPending = false;
  private lastFailLog = 0;

  constructor(
    readonly name: string,
    private readonly dest: Destination,
    private readonly opts: DeliveryOptions,
    private readonly log: (msg: string) => void,
    /** Remote destinations retry a failed batch; local outputs count it as failed. */
    private readonly retries: boolean,
    private readonly spool?: Spool,
  ) {
    if (spool && spool.count > 0) {
      log(`output ${name}: ${spool.count} spooled alert(s) from before, sending them first`);
      this.kick();
    }
  }

  get spoolBytes(): number {
    return this.spool?.bytes ?? 0;
  }

  get queued(): number {
    return this.queue.length - this.qHead;
  }

  /** Takes an alert for delivery; never blocks, never throws. */
  offer(alert: Alert): void {
    if (this.stopped) {
      this.drop('shutdown', 1);
      return;
    }
    if (this.queued >= this.opts.queueCapacity) {
      if (!this.spool) {
        this.drop('queue_full', 1);
        return;
      }
      if (this.toSpoolSoon.length > 0) this.flushToSpool();
      this.toSpoolSoon.push(this.takeQueue(this.queued));
      if (!this.spoolFlushPending) {
        this.spoolFlushPending = true;
        setImmediate(() => this.flushToSpool());
      }
    }
    this.queue.push(alert);
    this.kick();
  }

  private takeQueue(n: number): Alert[] {
    if (this.qHead === 0 && n >= this.queue.length) {
      // all of it: the array itself, not a copy
      const all = this.queue;
      this.queue = [];
      return all;
    }
    const out = this.queue.slice(this.qHead, this.qHead + n);
    this.qHead += out.length;
    if (this.qHead === this.queue.length) {
      this.queue = [];
      this.qHead = 0;
    } else if (this.qHead > 4096 && this.qHead * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.qHead);
      this.qHead = 0;
    }
    return out;
  }

  /** Appends the queues handed over for the spool, oldest first, as one spool write. */
  private flushToSpool(): void {
    this.spoolFlushPending = false;
    const parts = this.toSpoolSoon;
    if (parts.length === 0) return;
    this.toSpoolSoon = [];
    this.toSpool(parts.length === 1 ? parts[0]! : parts.flat(), false);
  }

  private toSpool(alerts: readonly Alert[], atFront: boolean): void {
    const taken = atFront ? this.spool!.prepend(alerts) : this.spool!.append(alerts);
    this.counters.spooled += taken;
    if (taken < alerts.length) this.drop('spool_full', alerts.length - taken);
  }

  private drop(reason: DropReason, n: number): void {
    this.counters.dropped[reason] += n;
    const now = Date.now();
    // one line per destination every 10 s at most: a flood of drops must not flood the log
    if (reason !== 'rate_limit' && now - this.lastDropLog > 10_000) {
      this.lastDropLog = now;
      this.log(`output ${this.name}: dropped ${n} alert(s) (${reason.replace('_', ' ')}); total dropped: ${this.counters.dropped[reason]}`);
    }
  }

  /** Counted by the rate limiter in front of the channel, under this destination's name. */
  rateLimited(): void {
    this.counters.dropped.rate_limit++;
  }

  private kick(): void {
    if (this.running || this.stopped) return;
    this.running = true;
    void this.pump().finally(() => {
      this.running = false;
      if (this.closing) this.idle?.();
      else if (this.queued > 0 || (this.spool?.count ?? 0) > 0 || this.toSpoolSoon.length > 0) this.kick();
    });
  }

  private async pump(): Promise<void> {
    const max = Math.max(1, Math.min(this.dest.maxBatch, this.opts.batch));
    while (!this.stopped) {
      let batch: readonly Alert[];
      let fromSpool = false;
      if (this.toSpoolSoon.length > 0) this.flushToSpool();
      if (this.spool && this.spool.count > 0) {
        batch = await this.spool.peek(max);
        fromSpool = true;
        if (batch.length === 0) continue;
      } else if (this.queued > 0) batch = this.takeQueue(max);
      else return;
      this.inFlight = { alerts: batch, fromSpool };
      // abandoned at shutdown: the batch stays in flight for close() to spool
      if (!(await this.deliver(batch, fromSpool))) return;
      this.inFlight = undefined;
    }
  }

  /** Sends one batch until it is delivered or refused for good (true), or the channel stopped
   *  (false: the batch stays in flight for close() to spool). */
  private async deliver(batch: readonly Alert[], fromSpool: boolean): Promise<boolean> {
    for (let attempt = 0; ; attempt++) {
      try {
        await withTimeout(this.dest.send(batch), this.opts.timeoutMs);
        if (this.stopped) return false;
        this.counters.sent += batch.length;
        if (this.down) this.log(`output ${this.name}: delivering again`);
        this.down = false;
        if (fromSpool) await this.spool!.ack(batch.length);
        return true;
      } catch (e) {
        if (this.stopped) return false;
        const err = asDeliveryError(e);
        if (!err.retryable || !this.retries) {
          const delivered = Math.min(err.delivered, batch.length);
          this.counters.sent += delivered;
          this.counters.failed += batch.length - delivered;
          const now = Date.now();
          // one line per destination every 10 s at most (counts are in the metrics)
          if (now - this.lastFailLog > 10_000) {
            this.lastFailLog = now;
            this.log(`output ${this.name}: ${batch.length - delivered} alert(s) not delivered: ${err.message}; failed so far: ${this.counters.failed}`);
          }
          if (fromSpool) await this.spool!.ack(batch.length);
          return true;
        }
        this.counters.retries++;
        if (!this.down) this.log(`output ${this.name}: ${err.message}; retrying with backoff`);
        this.down = true;
        await this.sleep(backoffDelay(attempt, this.opts.retry.initialMs, this.opts.retry.maxMs));
        if (this.stopped) return false;
      }
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.wake = undefined;
        resolve();
      }, ms);
      t.unref();
      this.wake = () => {
        clearTimeout(t);
        this.wake = undefined;
        resolve();
      };
    });
  }

  /** Delivers what it can within `timeoutMs`, then spools (or counts as dropped) the rest. */
  async close(timeoutMs: number): Promise<void> {
    this.closing = true;
    if (this.running) {
      // a ref'd timer: close() must end even when nothing else keeps the process alive
      let t: NodeJS.Timeout | undefined;
      await Promise.race([
        new Promise<void>((resolve) => (this.idle = resolve)),
        new Promise<void>((resolve) => (t = setTimeout(resolve, timeoutMs))),
      ]);
      clearTimeout(t);
    }
    this.stopped = true;
    this.wake?.();
    const left = this.takeQueue(this.queued);
    const flight = this.inFlight;
    this.inFlight = undefined;
    if (this.spool) {
      if (flight && !flight.fromSpool) this.toSpool(flight.alerts, true);
      this.flushToSpool();
      this.toSpool(left, false);
      await this.spool.close();
      if (this.spool.count > 0) this.log(`output ${this.name}: ${this.spool.count} alert(s) spooled in ${this.spool.dir} for the next start`);
    } else {
      const lost = left.length + (flight ? flight.alerts.length : 0);
      if (lost > 0) this.drop('shutdown', lost);
    }
    await this.dest.close().catch((e: Error) => this.log(`output ${this.name}: ${e.message}`));
    const summary = this.lossSummary();
    if (summary) this.log(summary);
  }

  /** The exit line of an output that lost alerts (none when it lost nothing): the totals the
   *  rate-limited drop and failure lines only sampled. */
  private lossSummary(): string | undefined {
    const c = this.counters;
    const reasons = (Object.keys(c.dropped) as DropReason[]).filter((r) => c.dropped[r] > 0);
    if (reasons.length === 0 && c.failed === 0) return undefined;
    const lost = reasons.reduce((n, r) => n + c.dropped[r], 0);
    const why = reasons.map((r) => `${r.replace('_', ' ')} ${c.dropped[r]}`).join(', ');
    return `output ${this.name}: ${c.sent} alert(s) delivered, ${lost} dropped${why ? ` (${why})` : ''}, ${c.failed} failed`;
  }

  reopen(): void {
    this.dest.reopen?.();
  }
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  if (!(ms > 0)) return p;
  let t: NodeJS.Timeout;
  return Promise.race([
    p,
    new Promise<T>((_, reject) => {
      t = setTimeout(() => reject(Object.assign(new Error(`no answer within ${ms} ms`), { code: 'ETIMEDOUT' })), ms);
      t.unref();
    }),
  ]).finally(() => clearTimeout(t));
}
