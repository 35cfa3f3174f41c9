// ppm_sc syscall codes: what generic events (PPME_GENERIC_X) and PT_SYSCALLID parameters carry.
// The numbering is stable across libs versions; sysdig 0.29 names code 298 "sigreturn" and 300
// "newfsstat" where current libs say rt_sigreturn / newfstatat.
import { SYSCALL_NAMES } from './libs-facts.js';

/** Name of ppm_sc code `sc` ('open' for 5), or '' when out of range. */
export function syscallName(sc: number): string {
  return SYSCALL_NAMES[sc] ?? '';
}

/** ppm_sc code of syscall `name`, or undefined. */
export function syscallCode(name: string): number | undefined {
  return SYSCALL_BY_NAME.get(name);
}

/** Number of ppm_sc codes (PPM_SC_MAX). */
export const SYSCALL_MAX = SYSCALL_NAMES.length;

const SYSCALL_BY_NAME: ReadonlyMap<string, number> = new Map(SYSCALL_NAMES.map((n, i) => [n, i] as const).filter(([n]) => n !== ''));
