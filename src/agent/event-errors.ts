// An exception while processing one event (a state handler, a rule, a field) must not stop the
// agent: what a watched workload does is input, and input must not be able to switch detection
// off. Each failure is counted by event type and logged, at most once per event type per
// interval so that a flood of bad events cannot flood the log.
import type { EventView } from '../events/event-view.js';

const LOG_INTERVAL_MS = 10_000;

export class EventErrors {
  /** Events whose processing threw. */
  count = 0;
  readonly byType = new Map<string, number>();
  private readonly lastLogged = new Map<string, number>();

  constructor(private readonly log: (message: string) => void, private readonly now: () => number = Date.now) {}

  record(evt: EventView, err: unknown): void {
    this.count++;
    const type = evt.info.name;
    const n = (this.byType.get(type) ?? 0) + 1;
    this.byType.set(type, n);
    const t = this.now();
    const last = this.lastLogged.get(type);
    if (last !== undefined && t - last < LOG_INTERVAL_MS) return;
    this.lastLogged.set(type, t);
    const why = err instanceof Error ? err.stack ?? err.message : String(err);
    this.log(`event ${evt.num} (${type}, tid ${evt.tid}) could not be processed, skipped (${n} ${type} event(s) so far): ${why}`);
  }
}
