// Results of checks shared by the filters of one ruleset, for the event being evaluated.
// Rules repeat the same checks: every upstream open rule starts with the open_read macro's
// `evt.is_open_read = true and fd.typechar = f and fd.num >= 0`. With a cache, each distinct
// check (by its text) is evaluated once per event and its result reused by the other rules, as
// libsinsp's compare cache does within a filter; here the cache spans the ruleset.
import type { EventContext } from '../state/types.js';

export type Check = (ctx: EventContext) => boolean;

/** A shared check's last result; and/or chains read it directly (see CheckCache.slotOf). */
export interface Slot {
  /** EventView.seq of the event `result` belongs to (0: none yet). */
  seq: number;
  result: boolean;
  /** Filters compiled with this check; one alone gains nothing from the cache. */
  users: number;
}

export class CheckCache {
  private readonly slots = new Map<string, Slot>();
  /** The slot and the uncached check behind each check `share` returned. */
  private readonly behind = new WeakMap<Check, { slot: Slot; check: Check }>();

  /** `check` (whose condition text is `key`) answering from the cache for repeated calls on
   *  the same event. */
  share(key: string, check: Check): Check {
    let slot = this.slots.get(key);
    if (slot === undefined) this.slots.set(key, (slot = { seq: 0, result: false, users: 0 }));
    slot.users++;
    const s = slot;
    const shared: Check = (ctx) => {
      if (s.users < 2) return check(ctx);
      const seq = ctx.evt.seq;
      if (s.seq === seq) return s.result;
      const r = check(ctx);
      s.seq = seq;
      s.result = r;
      return r;
    };
    this.behind.set(shared, { slot: s, check });
    return shared;
  }

  /**
   * The slot and uncached check behind a check `share` returned (undefined for any other
   * function), for and/or chains to do the caching inline: a slot whose `seq` is the event's
   * holds what the check returns for it; otherwise the chain runs `check` and may store its
   * result and the event's seq in the slot. Saves a call per shared check in a chain.
   */
  inline(shared: Check): { slot: Slot; check: Check } | undefined {
    return this.behind.get(shared);
  }

  /** Distinct checks, and how many of them more than one filter uses. */
  get stats(): { checks: number; shared: number } {
    let shared = 0;
    for (const s of this.slots.values()) if (s.users > 1) shared++;
    return { checks: this.slots.size, shared };
  }
}
