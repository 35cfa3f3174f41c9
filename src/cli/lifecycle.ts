// How long-running commands end: on SIGINT/SIGTERM (exit 0), after --duration seconds, or when
// something calls stop(code) (a sensor failure). The cleanup runs once, whichever comes first.

export interface Lifecycle {
  /** Ends the command with `code` after running the cleanup (only the first call counts). */
  stop(code: number): void;
  /** Resolves with the exit code once the cleanup is done. */
  finished: Promise<number>;
}

export function lifecycle(cleanup: () => Promise<void>, durationSeconds = 0): Lifecycle {
  let resolve: (code: number) => void = () => {};
  const finished = new Promise<number>((r) => (resolve = r));
  let stopping = false;
  const onSignal = () => stop(0);
  const timer = durationSeconds > 0 ? setTimeout(onSignal, durationSeconds * 1000) : undefined;
  function stop(code: number): void {
    if (stopping) return;
    stopping = true;
    if (timer) clearTimeout(timer);
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    cleanup().then(() => resolve(code), (e: unknown) => {
      process.stderr.write(`saker: ${(e as Error).message}\n`);
      resolve(1);
    });
  }
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return { stop, finished };
}
