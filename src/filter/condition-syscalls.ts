// The syscalls without a libs event of their own that a condition names in evt.type checks
// (libsinsp's ppm_sc_codes, for the generic part): rules index such syscalls under the generic
// event codes, which say nothing of which syscall, so the live sensor needs their names to
// capture them (evt.type=fsopen fires on the generic event of fsopen).
import type { Expr } from './ast.js';
import { checkValues, forEachBinaryCheck } from './ast-walk.js';
import { EVENT_TABLE } from '../events/index.js';
import { syscallCode } from '../events/index.js';

const EVENT_NAMES = new Set(EVENT_TABLE.map((e) => e.name));

const isEvtType = (e: Expr): boolean =>
  e.kind === 'binary' && e.left.kind === 'field' && (e.left.name === 'evt.type' || e.left.name === 'syscall.type') && e.left.arg === undefined;

/** Names of syscalls without an event that `expr` (macros expanded) compares evt.type with, in
 *  =, == and `in` checks, negated or not (capturing one more syscall than needed is harmless). */
export function genericSyscallsOf(expr: Expr, out: Set<string> = new Set()): Set<string> {
  forEachBinaryCheck(expr, (check) => {
    if (!isEvtType(check) || !['=', '==', 'in', '!='].includes(check.op)) return;
    for (const v of checkValues(check)) if (!EVENT_NAMES.has(v.value) && syscallCode(v.value) !== undefined) out.add(v.value);
  });
  return out;
}
