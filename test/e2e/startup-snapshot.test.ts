// The `saker` command (bin/saker) starts list, validate and replay from the V8 start-up snapshot
// npm run build makes (dist/bundle/snapshot/saker.blob), and everything else, or these whenever
// the snapshot cannot be used safely, through bin/saker.js. Checked through the real script:
// the same output, errors and exit status either way, which way it went (its sh -x trace), and
// that it falls back where node would refuse the blob (NODE_OPTIONS), where the blob is not the
// running user's alone, and where the tree moved (the heap holds its paths).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdtempSync, renameSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { peerCapture } from '../../src/testing/shared.js';
import { repoRoot } from './helpers/env.js';

const BLOB = join(repoRoot, 'dist', 'bundle', 'snapshot', 'saker.blob');
const missing = existsSync(BLOB) ? undefined : 'no start-up snapshot (npm run build makes dist/bundle/snapshot/saker.blob)';

interface Run { status: number | null; stdout: string; stderr: string }

function launcher(root: string, args: string[], env: NodeJS.ProcessEnv = {}): Run & { trace: string } {
  const r = spawnSync('sh', ['-x', join(root, 'bin', 'saker'), ...args], { encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '', ...env }, timeout: 120_000 });
  // sh -x writes its trace on stderr, each line led by '+ '
  const lines = r.stderr.split('\n');
  return { status: r.status, stdout: r.stdout, stderr: lines.filter((l) => !l.startsWith('+ ')).join('\n'), trace: lines.filter((l) => l.startsWith('+ ')).join('\n') };
}

function plain(args: string[]): Run {
  const r = spawnSync(process.execPath, [join(repoRoot, 'bin', 'saker.js'), ...args], { encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '' }, timeout: 120_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const fromSnapshot = (trace: string) => trace.includes('+ exec node --snapshot-blob ');
const fromBundle = (trace: string) => /\+ exec node \S+\/bin\/saker\.js /.test(trace);

test('list, validate and replay start from the snapshot and print what bin/saker.js prints', { skip: missing }, () => {
  const capture = peerCapture('curl_google.scap');
  const cases = [['list'], ['list', '--json'], ['validate'], ['validate', '--json'], ['validate', '--falco-json'], ['list', '-o', 'priority=error'],
    ...(capture ? [['replay', capture, '-o', 'syslog_output.enabled=false'], ['replay', capture, '--stats', '-o', 'json_output=true', '-o', 'syslog_output.enabled=false']] : [])];
  if (!capture) console.log('replay: not compared (no ../shared/peers/scap/curl_google.scap)');
  launcher(repoRoot, ['list']); // a first run may check the blob and write its key
  for (const args of cases) {
    const snap = launcher(repoRoot, args);
    assert.ok(fromSnapshot(snap.trace), `saker ${args.join(' ')} did not start from the snapshot:\n${snap.trace}`);
    const want = plain(args);
    assert.equal(snap.status, want.status, args.join(' '));
    assert.equal(snap.stdout, want.stdout, args.join(' '));
    assert.equal(snap.stderr, want.stderr, args.join(' '));
  }
});

test('rules that are not the built-in ones, and errors, come out the same from the snapshot', { skip: missing }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'saker-snapshot-'));
  try {
    const bad = join(dir, 'bad.yaml');
    cpSync(join(repoRoot, 'test', 'e2e', 'startup-snapshot.test.ts'), bad); // not YAML rules at all
    for (const args of [['validate', '-r', bad], ['list', '-r', bad], ['validate', '-r', join(repoRoot, 'rules')], ['list', '--no-such-option']]) {
      const snap = launcher(repoRoot, args);
      assert.ok(fromSnapshot(snap.trace), args.join(' '));
      const want = plain(args);
      assert.equal(snap.status, want.status, args.join(' '));
      assert.equal(snap.stdout, want.stdout, args.join(' '));
      assert.equal(snap.stderr, want.stderr, args.join(' '));
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('other commands, and NODE_OPTIONS (which makes node refuse any snapshot), go through bin/saker.js', { skip: missing }, () => {
  for (const [args, env] of [[['--version'], {}], [['fields', '--names'], {}], [['list'], { NODE_OPTIONS: '--max-old-space-size=512' }]] as const) {
    const r = launcher(repoRoot, [...args], env);
    assert.ok(fromBundle(r.trace), `saker ${args.join(' ')}:\n${r.trace}`);
    assert.equal(r.status, 0, r.stderr);
  }
});

test('commands that open no connection start without NODE_EXTRA_CA_CERTS; the others keep it', () => {
  // node warns on stderr when it cannot read the file: the warning shows who was given it
  const env = { NODE_EXTRA_CA_CERTS: join(tmpdir(), 'saker-no-such-ca-bundle.pem') };
  const warned = (r: Run) => r.stderr.includes('Ignoring extra certs from');
  for (const args of [['list'], ['validate'], ['inspect', '--help'], ['fields', '--names'], ['--version']]) {
    const r = launcher(repoRoot, args, env);
    assert.equal(r.status, 0, r.stderr);
    assert.ok(!warned(r), `saker ${args.join(' ')} started node with NODE_EXTRA_CA_CERTS:\n${r.stderr}`);
  }
  for (const args of [['replay', '--help'], ['run', '--help']]) {
    const r = launcher(repoRoot, args, env);
    assert.ok(warned(r), `saker ${args.join(' ')} (outputs may use TLS) lost NODE_EXTRA_CA_CERTS:\n${r.stderr}`);
  }
});

test('a copy of the tree does not run the heap built for the original; a blob others may write is not even tried', { skip: missing }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'saker-snapshot-'));
  try {
    for (const d of ['bin', 'dist', 'rules']) cpSync(join(repoRoot, d), join(dir, d), { recursive: true });
    cpSync(join(repoRoot, 'package.json'), join(dir, 'package.json'));
    symlinkSync(join(repoRoot, 'node_modules'), join(dir, 'node_modules'));
    rmSync(join(dir, 'dist', 'bundle', 'snapshot.key'), { force: true });
    const first = launcher(dir, ['list']);
    assert.match(first.trace, /--snapshot-blob \S+ -- --version/, 'the new blob is asked once');
    assert.ok(fromBundle(first.trace), first.trace);
    assert.equal(first.stdout, plain(['list']).stdout);
    const again = launcher(dir, ['list']);
    assert.doesNotMatch(again.trace, /-- --version/, 'refused: not asked again');
    assert.ok(fromBundle(again.trace));
    cpSync(join(dir, 'dist', 'bundle', 'snapshot', 'saker.blob'), join(dir, 'dist', 'bundle', 'snapshot', 'new.blob'));
    renameSync(join(dir, 'dist', 'bundle', 'snapshot', 'new.blob'), join(dir, 'dist', 'bundle', 'snapshot', 'saker.blob'));
    assert.match(launcher(dir, ['list']).trace, /-- --version/, 'another blob is asked again');

    rmSync(join(dir, 'dist', 'bundle', 'snapshot.key'));
    chmodSync(join(dir, 'dist', 'bundle', 'snapshot'), 0o775);
    const writable = launcher(dir, ['list']);
    assert.doesNotMatch(writable.trace, /--snapshot-blob/, 'a directory its group may write is not used');
    assert.ok(fromBundle(writable.trace));
    assert.equal(writable.status, 0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
