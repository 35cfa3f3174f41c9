// V8's helper threads (its optimising compiler, the garbage collector's background and parallel
// work) are scheduled as SCHED_BATCH: the kernel never lets a waking batch thread preempt the
// running one, and a batch thread keeps its nice value, hence its share of the CPUs.
// Measured with bench/agent-latency on an idle 2-CPU host (perf sched): the event thread, having
// queued a function it had just made hot for optimisation, was preempted on its own CPU by the
// helper it woke, for the 3-4 ms of that compilation, while the other CPU idled; such waits were
// most of the worst 1% of alerts (syscall-to-alert p99 1.9-2.7 ms over three runs; 0.7-1.8 ms over
// six, five of them under 1.1, with the helpers as batch threads). Lowering the helpers' priority
// instead (nice 19) cured that too but starved them under load, and the event thread waits for its
// helpers at the end of each garbage collection: pauses of 25-51 ms and ring drops at 800k
// events/s where there were none.
//
// libuv's thread pool stays as it is: the outputs' file and socket writes and their DNS lookups
// run there. Its threads are told apart by the condition variable they sleep on: a job run on the
// pool names the thread it ran on (/proc/thread-self), and that thread, back asleep, names the
// futex it sleeps on (/proc/<tid>/syscall). Only threads seen asleep on another futex or in epoll
// are made batch threads (a busy one is looked at again): Node's and V8's own, there from the
// start. The policy is set with util-linux's chrt (Node has no call for it), which needs no
// privilege to move its own user's threads between SCHED_OTHER and SCHED_BATCH.
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { readlink } from 'node:fs/promises';
import { promisify } from 'node:util';

/** The futex and epoll_wait / epoll_pwait(2) syscall numbers, as /proc/<tid>/syscall prints them. */
const SLEEPS: Partial<Record<NodeJS.Architecture, { futex: string; epoll: readonly string[] }>> = {
  x64: { futex: '202', epoll: ['232', '281', '441'] },
  arm64: { futex: '98', epoll: ['22', '441'] },
};
/** glibc sleeps a condition variable's waiters on one of two words 4 bytes apart; two different
 *  condition variables (48 bytes each) are further apart than this. */
const SAME_CONDITION = 8;
/** How many times, how far apart, threads busy at the first look are looked at again. */
const PASSES = 20;
const PASS_GAP_MS = 50;

/** Makes V8's and Node's helper threads batch threads; returns how many, or why none. */
export async function batchHelperThreads(): Promise<number | string> {
  const sleeps = SLEEPS[process.arch];
  if (process.platform !== 'linux' || !sleeps) return `not on ${process.platform}/${process.arch}`;
  try {
    const pool = await poolFutex(sleeps.futex);
    if (pool === undefined) return 'the thread pool cannot be told from the helpers';
    // made here, not at load: the CLI's start-up snapshot (scripts/snapshot.mjs) holds this module
    // and may not touch child_process
    const exec = promisify(execFile);
    let batched = 0;
    // a thread busy when looked at (a helper compiling the rules' hot code as the agent starts) is
    // looked at again until it sleeps
    let undecided = readdirSync('/proc/self/task').map(Number).filter((tid) => tid !== process.pid);
    for (let pass = 0; pass < PASSES && undecided.length > 0; pass++) {
      // unref'd: an agent that is stopping does not wait for this
      if (pass > 0) await new Promise((r) => setTimeout(r, PASS_GAP_MS).unref());
      const helpers: number[] = [], busy: number[] = [];
      for (const tid of undecided) {
        const [nr, arg] = syscallOf(tid);
        if (nr === sleeps.futex) {
          if (Math.abs(Number(arg) - pool) > SAME_CONDITION) helpers.push(tid);
        } else if (sleeps.epoll.includes(nr ?? '')) helpers.push(tid);
        else if (nr !== undefined) busy.push(tid); // undefined: the thread has ended
      }
      await Promise.all(helpers.map((tid) => exec('chrt', ['--batch', '--pid', '0', String(tid)])));
      batched += helpers.length;
      undecided = busy;
    }
    return batched;
  } catch (e) {
    const err = e as NodeJS.ErrnoException & { stderr?: string };
    return err.code === 'ENOENT' ? 'no chrt (util-linux) to set it with' : `chrt: ${err.stderr?.trim() || err.message}`;
  }
}

/** The address the thread pool's idle threads sleep on, or undefined when none is seen asleep. */
async function poolFutex(futex: string): Promise<number | undefined> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const tid = Number((await readlink('/proc/thread-self')).split('/')[2]);
    // the job's thread goes back to sleep right after handing its result over
    await new Promise((r) => setTimeout(r, 1));
    const [nr, arg] = syscallOf(tid);
    if (nr === futex && arg !== undefined) return Number(arg);
  }
  return undefined;
}

/** The syscall a thread is blocked in and its first argument ("running" when it is not). */
function syscallOf(tid: number): [string | undefined, string | undefined] {
  try {
    const [nr, arg] = readFileSync(`/proc/self/task/${tid}/syscall`, 'utf8').split(' ');
    return [nr, arg];
  } catch {
    return [undefined, undefined];
  }
}
