// saker command-line entry point.
const HELP = `saker - runtime security agent (Falco rules, Tetragon policies, eBPF capture)

Usage: saker <command> [options]
`;
const [cmd] = process.argv.slice(2);
if (!cmd || cmd === '--help' || cmd === '-h' || cmd === 'help') {
  process.stdout.write(HELP);
} else {
  process.stderr.write(`saker: unknown command '${cmd}'\n${HELP}`);
  process.exitCode = 1;
}
