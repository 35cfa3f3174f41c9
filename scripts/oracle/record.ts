// Records the live captures the oracle fixtures are made from, with `saker capture` (root, eBPF):
//   live-fields.scap.gz   scripts/oracle/workload.sh (files, sockets of every family, pipes,
//                         process trees, threads, setuid, failed calls) and a runc container
//   live-alerts.scap.gz   test/e2e/upstream-rules.test.ts, whose triggers make the upstream
//                         Falco rules fire (on the host, in two runc containers, in a netns)
// Each capture keeps only the workload's events (the machine is shared): its process tree and
// every container. Run where the sensor is built; the captures land in test/fixtures/oracle/captures
// (then run scripts/oracle/generate.ts where the oracle is built).
//
//   node --import tsx scripts/oracle/record.ts [fields|alerts]...
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '../../test/e2e/helpers/env.js';
import { CAPTURES_DIR } from '../../test/e2e/helpers/oracle.js';
import { RuncContainer } from '../../test/e2e/helpers/runc.js';

const SAKER = join(repoRoot, 'bin', 'saker.js');
const EXERCISE = join(repoRoot, 'sensor', 'build', 'exercise');

function waitFor(child: ChildProcess, stream: 'stdout' | 'stderr', word: string, ms = 60_000): Promise<void> {
  let text = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no '${word}' within ${ms} ms: ${text}`)), ms);
    child[stream]!.setEncoding('utf8').on('data', (s: string) => {
      text += s;
      if (text.includes(word)) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => reject(new Error(`exited (${code}) before '${word}': ${text}`)));
  });
}

const exited = (c: ChildProcess): Promise<number | null> =>
  c.exitCode !== null ? Promise.resolve(c.exitCode) : new Promise((r) => c.once('exit', (code) => r(code)));

/** Starts `saker capture` of the tree under `root` and of every container; resolves once it is live. */
async function startCapture(file: string, root: number): Promise<ChildProcess> {
  const filter = `proc.pid = ${root} or proc.apid = ${root} or container.id != host`;
  // --force: re-recording replaces the committed capture. 'ready:' with its colon: "already exists" is not it.
  const cap = spawn(process.execPath, [SAKER, 'capture', '--gzip', '--force', '-w', file, filter], { stdio: ['ignore', 'inherit', 'pipe'] });
  await waitFor(cap, 'stderr', 'ready:');
  cap.stderr.pipe(process.stderr);
  return cap;
}

async function stopCapture(cap: ChildProcess, file: string): Promise<void> {
  await new Promise((r) => setTimeout(r, 500));
  cap.kill('SIGINT');
  const code = await exited(cap);
  if (code !== 0) throw new Error(`saker capture exited ${code}`);
  process.stderr.write(`${file}: ${statSync(file).size} bytes\n`);
}

async function recordFields(): Promise<void> {
  const file = join(CAPTURES_DIR, 'live-fields.scap.gz');
  const scratch = mkdtempSync(join(tmpdir(), 'saker-oracle-'));
  spawnSync('chmod', ['777', scratch]);
  const shell = spawn('bash', [join(repoRoot, 'scripts/oracle/workload.sh'), scratch, EXERCISE], { stdio: ['pipe', 'pipe', 'inherit'] });
  await waitFor(shell, 'stdout', 'started');
  const cap = await startCapture(file, shell.pid!);
  // A container: its init and the processes runc execs into it, each doing a little.
  const c = RuncContainer.start({ addCaps: ['CAP_NET_RAW'] });
  try {
    c.run(['sh', '-c', 'cat /etc/shadow > /dev/null; ls /tmp; echo x > /tmp/f; mv /tmp/f /tmp/g; cat /missing 2>/dev/null; true']);
    c.run(['sh', '-c', 'nc -w 1 127.0.0.1 9 < /dev/null; true']);
    shell.stdin.end('go\n');
    const code = await exited(shell);
    if (code !== 0) throw new Error(`workload exited ${code}`);
  } finally {
    c.destroy();
  }
  await stopCapture(cap, file);
  rmSync(scratch, { recursive: true, force: true });
}

async function recordAlerts(): Promise<void> {
  const file = join(CAPTURES_DIR, 'live-alerts.scap.gz');
  const shell = spawn('bash', ['-c', 'echo started; read -r go; exec "$0" --import tsx --test --test-reporter=spec test/e2e/upstream-rules.test.ts', process.execPath], {
    cwd: repoRoot, stdio: ['pipe', 'pipe', 'inherit'],
  });
  await waitFor(shell, 'stdout', 'started');
  const cap = await startCapture(file, shell.pid!);
  shell.stdout.pipe(process.stderr);
  shell.stdin.end('go\n');
  const code = await exited(shell);
  if (code !== 0) process.stderr.write(`upstream-rules.test.ts exited ${code} (its failures are the triggers' business; the capture stands)\n`);
  await stopCapture(cap, file);
}

const which = process.argv.slice(2);
mkdirSync(CAPTURES_DIR, { recursive: true });
if (which.length === 0 || which.includes('fields')) await recordFields();
if (which.length === 0 || which.includes('alerts')) await recordAlerts();
