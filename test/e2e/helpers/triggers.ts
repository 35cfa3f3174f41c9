// Small host-side actions the detection tests share: run a command and know its pid, scratch
// directories, and the python3 snippets for ptrace, memfd execution and privilege changes.
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { which } from './env.js';

export interface Ran {
  pid: number;
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command to completion; its pid is what the alert's proc.pid must be. */
export function runCommand(cmd: string, args: string[], opts: { env?: NodeJS.ProcessEnv; cwd?: string; input?: string; timeoutMs?: number } = {}): Ran {
  const r: SpawnSyncReturns<string> = spawnSync(cmd, args, {
    encoding: 'utf8', env: opts.env, cwd: opts.cwd, input: opts.input, timeout: opts.timeoutMs ?? 20_000,
  });
  if (r.error) throw r.error;
  return { pid: r.pid, status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A scratch directory below /tmp, removed by the returned cleanup. */
export function scratchDir(tag: string): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join('/tmp', `saker-e2e-${tag}-`));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Debian's python3 (not a version-manager shim, whose wrapper processes would get in the way). */
export function python3(): string | undefined {
  return which('/usr/bin/python3') ?? which('python3');
}

const PY_LIBC = `
import ctypes, os, subprocess, sys, time
libc = ctypes.CDLL(None, use_errno=True)
libc.ptrace.argtypes = [ctypes.c_long, ctypes.c_long, ctypes.c_void_p, ctypes.c_void_p]
`;

/** Attaches to a child `sleep` with PTRACE_ATTACH, detaches, prints the tracee's pid. */
export const PY_PTRACE_ATTACH = `${PY_LIBC}
child = subprocess.Popen(['sleep', '30'])
time.sleep(0.05)
if libc.ptrace(16, child.pid, None, None) != 0:
    sys.exit('PTRACE_ATTACH failed: errno %d' % ctypes.get_errno())
os.waitpid(child.pid, 0)
libc.ptrace(17, child.pid, None, None)
child.kill()
child.wait()
print(child.pid)
`;

/** PTRACE_TRACEME, the anti-debugging trick. */
export const PY_PTRACE_TRACEME = `${PY_LIBC}
if libc.ptrace(0, 0, None, None) != 0:
    sys.exit('PTRACE_TRACEME failed: errno %d' % ctypes.get_errno())
`;

/**
 * Drops to nobody, then tries to become root again (setuid(0), refused) and to create a
 * userfaultfd (refused without vm.unprivileged_userfaultfd): both attempts are what rules watch.
 */
export const PY_NOBODY_ESCALATION = `${PY_LIBC}
os.setgid(65534)
os.setuid(65534)
try:
    os.setuid(0)
except PermissionError:
    pass
libc.syscall(323, 0)
`;

/** Copies a program into an anonymous memfd and executes it from there (fexecve). */
export function pyMemfdExec(program: string): string {
  return `
import os
fd = os.memfd_create('saker-e2e', 0)
with open(${JSON.stringify(program)}, 'rb') as f:
    os.write(fd, f.read())
os.execve(fd, ['saker-e2e-memfd'], {})
`;
}

/**
 * Loads the smallest BPF program (a socket filter returning 0) and closes it: the BPF_PROG_LOAD a
 * BPF tool makes, without attaching anything.
 */
export const PY_BPF_PROG_LOAD = `${PY_LIBC}
import struct
insns = ctypes.create_string_buffer(struct.pack('<BBhiBBhi', 0xb7, 0, 0, 0, 0x95, 0, 0, 0))
lic = ctypes.create_string_buffer(b'GPL')
attr = ctypes.create_string_buffer(struct.pack('<IIQQ', 1, 2, ctypes.addressof(insns), ctypes.addressof(lic)), 128)
fd = libc.syscall(321, 5, attr, 128)
if fd < 0:
    sys.exit('BPF_PROG_LOAD failed: errno %d' % ctypes.get_errno())
os.close(fd)
`;

/** Connects a UDP socket to addr:port and sends one datagram. */
export function pyUdpSend(addr: string, port: number): string {
  return `
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.connect((${JSON.stringify(addr)}, ${port}))
s.send(b'saker-e2e')
s.close()
`;
}
