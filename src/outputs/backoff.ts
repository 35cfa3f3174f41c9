// Retry delays: exponential from an initial delay up to a ceiling, with jitter so that many
// agents whose receiver came back do not all retry in the same instant.

/** The delay before retry number `attempt` (0 for the first retry): between half and all of
 *  min(max, initial·2^attempt). */
export function backoffDelay(attempt: number, initialMs: number, maxMs: number, random: () => number = Math.random): number {
  const ceiling = Math.min(maxMs, initialMs * 2 ** Math.min(attempt, 30));
  return ceiling * (0.5 + random() * 0.5);
}
