// Checks an alert's process fields against the live process in /proc: what the kernel says about
// the process is the reference, not what the agent computed.
import assert from 'node:assert/strict';
import { readFileSync, readlinkSync } from 'node:fs';
import type { Alert } from './agent.js';

export interface ProcFacts {
  comm: string;
  ppid: number;
  /** pid in the innermost pid namespace (NSpid's last entry). */
  vpid: number;
  uid: number;
  /** argv as the process has it. */
  argv: string[];
  /** readlink /proc/PID/exe: for a process in a container, the path inside it. */
  exe: string;
  /** The cgroup paths, one per hierarchy. */
  cgroups: string[];
}

export function procFacts(pid: number): ProcFacts {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const field = (name: string): string => {
    const m = new RegExp(`^${name}:\\s*(.*)$`, 'm').exec(status);
    assert.ok(m, `/proc/${pid}/status has ${name}`);
    return m[1]!;
  };
  const nspids = field('NSpid').trim().split(/\s+/).map(Number);
  return {
    comm: readFileSync(`/proc/${pid}/comm`, 'utf8').trimEnd(),
    ppid: Number(field('PPid')),
    vpid: nspids[nspids.length - 1]!,
    uid: Number(field('Uid').split(/\s+/)[0]),
    argv: readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').slice(0, -1),
    exe: readlinkSync(`/proc/${pid}/exe`),
    cgroups: readFileSync(`/proc/${pid}/cgroup`, 'utf8').trim().split('\n').map((l) => l.slice(l.indexOf(':', l.indexOf(':') + 1) + 1)),
  };
}

/**
 * Asserts the alert's proc.* and user.uid fields describe the live process `pid`, and that its
 * container.id is the one its cgroups name (or host). Returns the facts for further checks.
 */
export function assertAlertMatchesProc(alert: Alert, pid: number, containerFullId?: string): ProcFacts {
  const f = alert.output_fields;
  const p = procFacts(pid);
  const where = `alert ${alert.rule} vs /proc/${pid}`;
  assert.equal(f['proc.pid'], pid, where);
  assert.equal(f['proc.name'], p.comm, `${where}: proc.name is the comm`);
  assert.equal(f['proc.ppid'], p.ppid, `${where}: proc.ppid`);
  assert.equal(f['proc.vpid'], p.vpid, `${where}: proc.vpid is the pid in its namespace`);
  assert.equal(f['user.uid'], p.uid, `${where}: user.uid`);
  assert.equal(f['proc.exepath'], p.exe, `${where}: proc.exepath`);
  // proc.cmdline is the comm followed by the arguments after argv[0].
  assert.equal(f['proc.cmdline'], [p.comm, ...p.argv.slice(1)].join(' '), `${where}: proc.cmdline`);
  if (containerFullId === undefined) {
    assert.equal(f['container.id'], 'host', `${where}: a host process`);
  } else {
    assert.ok(p.cgroups.some((c) => c.endsWith(`/${containerFullId}`)), `${where}: the process is in the container's cgroup`);
    assert.equal(f['container.id'], containerFullId.slice(0, 12), `${where}: container.id is the first 12 chars of the runc id`);
  }
  return p;
}
