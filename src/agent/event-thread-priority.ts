// The nice value of the agent's event thread (scheduling.nice, config.ts says why). Set with
// setpriority on the calling thread, which Linux keeps per thread: the thread that runs the event
// loop, and every process started after (the sensors inherit it). Without CAP_SYS_NICE (an
// unprivileged container) a negative value is refused: the agent says so and runs as it is.
import { getPriority, setPriority } from 'node:os';

export function setEventThreadNice(nice: number, log: (msg: string) => void): void {
  if (nice === 0 || getPriority(0) === nice) return;
  try {
    setPriority(0, nice);
    log(`scheduling: event thread at nice ${nice} (scheduling.nice)`);
  } catch (e) {
    log(`scheduling: cannot set nice ${nice} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); the event thread keeps nice ${getPriority(0)}`);
  }
}
