// Every parameter name of the event table, each with a fixed slot number: per-event caches keyed
// by argument name (evt.arg.NAME renderings) index an array by slot instead of hashing the name.
import { EVENT_TABLE } from './event-table.js';

/** The distinct parameter names, in table order. */
export const PARAM_NAMES: readonly string[] = [...new Set(EVENT_TABLE.flatMap((e) => e.params.map((p) => p.name)))];

const SLOTS: ReadonlyMap<string, number> = new Map(PARAM_NAMES.map((n, i) => [n, i]));

/** The slot of parameter name `name`, or -1 when no event has such a parameter. */
export function paramSlot(name: string): number {
  return SLOTS.get(name) ?? -1;
}
