// Operational messages go to stderr, one line each, prefixed by the program name; alerts go to
// the alert writer. Keeping the two apart is what lets `saker run | jq` work.
export function log(message: string): void {
  process.stderr.write(`saker: ${message}\n`);
}
