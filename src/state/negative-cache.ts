// Tids that were looked up in /proc and could not be tracked (gone, or the thread table full).
// Without it, a fork bomb that fills the thread table would make every event of every untracked
// thread re-read /proc: the agent would spend its time in the filesystem and fall behind. A tid
// stays here for a short wall-clock time, so a thread that could be tracked later is retried;
// the set is bounded, oldest first out.
export class NegativeCache {
  private readonly until = new Map<number, number>();
  /** Lookups skipped thanks to the cache. */
  hits = 0;
  /** Entries pushed out at the bound. */
  evicted = 0;

  constructor(private readonly max = 65536, private readonly ttlMs = 1000, private readonly now: () => number = Date.now) {}

  get size(): number {
    return this.until.size;
  }

  /** True (and counted) when `tid` failed a lookup less than ttlMs ago. */
  has(tid: number): boolean {
    const until = this.until.get(tid);
    if (until === undefined) return false;
    if (this.now() >= until) {
      this.until.delete(tid);
      return false;
    }
    this.hits++;
    return true;
  }

  add(tid: number): void {
    this.until.delete(tid); // re-inserted at the end: Map order is the eviction order
    if (this.until.size >= this.max) {
      this.until.delete(this.until.keys().next().value as number);
      this.evicted++;
    }
    this.until.set(tid, this.now() + this.ttlMs);
  }

  /** A tid now tracked (a clone or exec added it). */
  delete(tid: number): void {
    this.until.delete(tid);
  }
}
