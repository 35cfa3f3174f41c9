// Syscall names as policies write them — `sys_dup`, `__x64_sys_dup`, `dup`, `i386/sys_dup`,
// `__ia32_sys_dup` — resolved to the x86-64 number raw_syscalls/sys_enter reports, and Tetragon's
// `function_name` for a syscall (`__x64_sys_dup`). Other ABIs are recognised but have no x86-64
// number: a hook on them is refused by the planner, not silently mapped.
import { X64_SYSCALLS } from '../events/index.js';

/** x86-64 syscall numbers by kernel name (sys_lseek -> `lseek`), from the sensor's generated table. */
export const X86_64_SYSCALLS: ReadonlyMap<string, number> = new Map(X64_SYSCALLS.map(([kernel, nr]) => [kernel, nr]));

export interface SyscallRef { name: string; abi: 'x64' | 'i386'; nr: number | undefined }

/** Parses a syscall reference; undefined when the name is no syscall of a known ABI. */
export function parseSyscall(ref: string): SyscallRef | undefined {
  let abi: 'x64' | 'i386' = 'x64';
  let name = ref;
  if (name.startsWith('i386/')) { abi = 'i386'; name = name.slice(5); }
  else if (name.startsWith('x64/')) name = name.slice(4);
  if (name.startsWith('__ia32_sys_')) { abi = 'i386'; name = name.slice(11); }
  else if (name.startsWith('__x64_sys_')) name = name.slice(10);
  else if (name.startsWith('__sys_')) name = name.slice(6);
  else if (name.startsWith('sys_')) name = name.slice(4);
  const nr = X86_64_SYSCALLS.get(name);
  if (nr === undefined) return undefined;
  return { name, abi, nr: abi === 'x64' ? nr : undefined };
}

/** The x86-64 number of a syscall reference, or undefined. */
export function syscallNumber(ref: string): number | undefined {
  const r = parseSyscall(ref);
  return r ? (r.abi === 'x64' ? r.nr : -1) : undefined;
}


