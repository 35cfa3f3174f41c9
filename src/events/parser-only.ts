// Enter events libsinsp still reads (TOCTOU mitigation for open/openat/openat2/creat/connect, and
// the fallback parameters of execve/execveat) but then hides from its users: sinsp numbers them
// and updates its state with them, and marks them filtered out (sinsp.cpp, ~sinsp_evt_filter), so
// neither sinsp-example nor Falco's rules see them. `saker inspect` prints and matches none either.
import { eventCode } from './encode.js';

const HIDDEN = new Uint8Array(512);
// The enter code precedes the current exit code: PPME_SYSCALL_OPEN_E, OPENAT_2_E, OPENAT2_E, CREAT_E,
// SOCKET_CONNECT_E, EXECVE_19_E, EXECVEAT_E — libs' list.
for (const name of ['open', 'openat', 'openat2', 'creat', 'connect', 'execve', 'execveat']) HIDDEN[eventCode(name) - 1] = 1;

/** True for an enter event libsinsp parses and then hides. */
export function isHiddenEnterEvent(code: number): boolean {
  return HIDDEN[code] === 1;
}
