// errno and signal names as libsinsp prints them (sinsp_utils::errno_to_str / signal_to_str).
import { ERRNO_NAMES, SIGNAL_NAMES } from './libs-facts.js';

/** The name of errno `code` (sign ignored: -2 and 2 are both ENOENT), or '' when libsinsp has none. */
export function errnoName(code: number): string {
  return ERRNO_NAMES.get(Math.abs(code)) ?? '';
}

/** The errno number called `name` (ENOENT → 2), or undefined. */
export function errnoCode(name: string): number | undefined {
  return ERRNO_BY_NAME.get(name);
}

const ERRNO_BY_NAME: ReadonlyMap<string, number> = new Map([...ERRNO_NAMES].map(([k, v]) => [v, k]));

/** The name of signal `sig` (9 → SIGKILL), or '' for the obscure ones libsinsp does not name. */
export function signalName(sig: number): string {
  return SIGNAL_NAMES.get(sig) ?? '';
}
