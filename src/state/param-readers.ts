// Small readers of event parameters shared by the parsers.
import type { EventView } from '../events/index.js';


/** A NUL-separated string list parameter (args, env, cgroups), as libsinsp splits it. */
export function paramStrings(evt: EventView, i: number): string[] {
  const len = evt.paramLength(i);
  if (len === 0) return [];
  const b = evt.bytes(i);
  const end = b[len - 1] === 0 ? len - 1 : len;
  if (end === 0) return [];
  return b.toString('utf8', 0, end).split('\0');
}
