// What the live sensor can show the loaded rules: the syscall names their conditions ask for
// (events by code, plus the syscalls without a libs event that rules index under the generic
// codes), and, for a rule that names an event type the sensor does not produce, a warning that
// says which and why (Falco warns of such rules as it loads them; a rule that validates and then
// never fires is a blind spot).
import { EC } from '../events/index.js';
import { EVENT_TABLE } from '../events/index.js';
import { syscallCode } from '../events/index.js';
import { genericSyscallsOf } from '../filter/index.js';
import { NO_EVTTYPE_THRESHOLD, type CompiledRule, type Ruleset } from '../rules/index.js';
import { undecodedEventTypes, unsupportedEventTypes } from '../capture/live/index.js';

const GENERIC_CODES = [0, 1];

export interface LiveCoverage {
  /** evt.type names the enabled rules can match, syscalls without an event included. */
  eventTypes: string[];
  /** One line per rule that names something the sensor cannot show in full. */
  warnings: string[];
}

/** Event names a rule's condition can match, with its generic syscalls by name; undefined for a
 *  rule that matches (nearly) every event type (those get Falco's LOAD_NO_EVTTYPE warning). */
function ruleEventTypes(rule: CompiledRule<unknown>): Set<string> | undefined {
  const codes = rule.conditionEventCodes;
  if (codes === undefined || codes.size > NO_EVTTYPE_THRESHOLD) return undefined;
  const names = new Set<string>();
  for (const c of codes) if (!GENERIC_CODES.includes(c)) names.add(EVENT_TABLE[c]!.name);
  if (GENERIC_CODES.some((c) => codes.has(c))) genericSyscallsOf(rule.condition, names);
  return names;
}

/** Why the sensor does not produce event type `name`. */
function reason(name: string): string {
  if (syscallCode(name) !== undefined) return 'not an x86-64 syscall';
  const info = EVENT_TABLE.find((e) => e.name === name);
  if (info && (info.category & EC.TRACEPOINT) !== 0) return 'a kernel tracepoint event the sensor does not capture';
  return 'not an event the sensor produces';
}

/** Only kernel events are the sensor's to produce: plugin, meta and internal events are not. */
function isKernelEvent(name: string): boolean {
  if (syscallCode(name) !== undefined) return true;
  return EVENT_TABLE.some((e) => e.name === name && (e.category & (EC.SYSCALL | EC.TRACEPOINT)) !== 0);
}

export function liveCoverage<Ctx>(ruleset: Ruleset<Ctx>): LiveCoverage {
  const all = new Set<string>();
  const warnings: string[] = [];
  for (const rule of ruleset.enabledRules()) {
    const names = ruleEventTypes(rule as CompiledRule<unknown>);
    if (names === undefined) {
      for (const c of rule.conditionEventCodes ?? []) all.add(EVENT_TABLE[c]!.name);
      continue;
    }
    for (const n of names) all.add(n);
    const missing = unsupportedEventTypes(names).filter(isKernelEvent);
    if (missing.length > 0) {
      const why = missing.map((n) => `${n} (${reason(n)})`).join(', ');
      const fate = missing.length === names.size ? 'it can never fire live' : 'it fires on the others only';
      warnings.push(`rule '${rule.name}': the live sensor does not produce evt.type ${why}: ${fate}`);
    }
    const partial = undecodedEventTypes(names).filter((n) => EVENT_TABLE.some((e) => e.name === n && e.params.length > 1));
    if (partial.length > 0) {
      warnings.push(`rule '${rule.name}': evt.type ${partial.join(', ')} captured without parameters (return value only): fields read from them are empty`);
    }
  }
  all.delete('syscall');
  return { eventTypes: [...all].sort(), warnings };
}
