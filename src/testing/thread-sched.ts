// Test helper: how the kernel schedules each thread of a process, from /proc/<pid>/task/*/stat.
import { readdirSync, readFileSync } from 'node:fs';

export const SCHED_OTHER = 0;
export const SCHED_BATCH = 3;

export interface ThreadSched {
  /** sched(7) policy: SCHED_OTHER, SCHED_BATCH, ... */
  policy: number;
  nice: number;
}

/** Each live thread of `pid` (default this process) by tid. */
export function threadScheds(pid: number | 'self' = 'self'): Map<number, ThreadSched> {
  const out = new Map<number, ThreadSched>();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    let stat: string;
    try {
      stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
    } catch {
      continue; // ended meanwhile
    }
    // fields from the state (field 3) on, after the comm, which may hold spaces: nice is field 19,
    // policy field 41 (proc_pid_stat(5))
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    out.set(Number(tid), { policy: Number(f[38]), nice: Number(f[16]) });
  }
  return out;
}
