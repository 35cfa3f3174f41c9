// A bound on the fds tracked over all processes, beside the per-process one (fds.ts): a few
// thousand processes each holding thousands of fds would otherwise hold gigabytes. Counting every
// add and remove exactly would touch every place a table changes (and leak when a whole process
// goes); instead the total is recounted over the threads' tables every `recountEvery` adds, so it
// is exact to within that many fds and costs one walk of the groups per that many opens.
import type { Thread } from './threads.js';

/** Default bound: about a million fds, some hundreds of MiB of state. */
const DEFAULT_MAX_FDS_TOTAL = 1 << 20;

export class FdBudget {
  /** Fds counted at the last recount, plus those added since. */
  private counted = 0;
  private sinceRecount = 0;
  private generation = 0;
  /** Fds not added because the bound was reached. */
  dropped = 0;

  constructor(
    /** Every tracked thread (placeholders too, which belong to no process group). */
    private readonly threads: ReadonlyMap<number, Thread>,
    readonly max = DEFAULT_MAX_FDS_TOTAL,
    private readonly recountEvery = 4096,
  ) {}

  /** Fds tracked now (to within recountEvery). */
  get total(): number {
    return this.counted;
  }

  /** Whether one more fd may be added; false (and counted) at the bound. */
  allowAdd(): boolean {
    // (at the bound too only every recountEvery calls: a walk per open would be the attack)
    if (++this.sinceRecount >= this.recountEvery) this.recount();
    if (this.counted >= this.max) {
      this.dropped++;
      return false;
    }
    this.counted++;
    return true;
  }

  recount(): void {
    let n = 0;
    const gen = ++this.generation;
    for (const t of this.threads.values()) {
      const shared = t.shared;
      if (shared.countedIn === gen) continue; // threads of one process share one table
      shared.countedIn = gen;
      n += shared.fds.size;
    }
    this.counted = n;
    this.sinceRecount = 0;
  }
}
