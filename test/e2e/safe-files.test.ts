// Files the agent writes and the identity it excludes itself by, tried through the real CLI:
// `saker capture -w` makes its file 0600, refuses a symlink planted at the path and an existing
// file unless --force (inspect -w too); the V8 code cache of bin/saker.js is only written where the running user owns the
// directory; an agent in a pid namespace of its own passes the sensor its host tgid, not its
// namespace-local pid (1, which on the host is init).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chownSync, copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, readlinkSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sleep } from './helpers/agent.js';
import { agentMissing, repoRoot } from './helpers/env.js';
import { scratchDir } from './helpers/triggers.js';

const SAKER = join(repoRoot, 'bin', 'saker.js');
const saker = (args: string[]) => spawnSync(process.execPath, [SAKER, ...args], { encoding: 'utf8', timeout: 60_000 });

test('saker capture -w: a new file is 0600; a planted symlink and an existing file are refused', (t) => {
  const why = agentMissing();
  if (why) return t.skip(why);
  const { dir, cleanup } = scratchDir('capfile');
  try {
    const fresh = join(dir, 'new.scap');
    const old = process.umask(0o022);
    let r;
    try {
      r = saker(['capture', '-w', fresh, '--duration', '1', 'proc.name=nothing-at-all']);
    } finally {
      process.umask(old);
    }
    assert.equal(r.status, 0, r.stderr);
    assert.equal(statSync(fresh).mode & 0o777, 0o600, 'the capture holds every environment: owner only');

    const victim = join(dir, 'victim');
    writeFileSync(victim, 'precious');
    const link = join(dir, 'link.scap');
    symlinkSync(victim, link);
    r = saker(['capture', '-w', link, '--duration', '1']);
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /symbolic link/);
    assert.equal(readFileSync(victim, 'utf8'), 'precious');

    r = saker(['capture', '-w', fresh, '--duration', '1']);
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /already exists/);

    // --force truncates an existing file (still 0600, a symlink still refused), for capture
    // and for inspect -w.
    const before = statSync(fresh).size;
    r = saker(['capture', '-w', fresh, '--force', '--duration', '1', 'proc.name=nothing-at-all']);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(statSync(fresh).mode & 0o777, 0o600);
    assert.ok(statSync(fresh).size > 0 && statSync(fresh).size < before * 1.5, `rewritten, not appended (${before} -> ${statSync(fresh).size} bytes)`);
    r = saker(['capture', '-w', link, '--force', '--duration', '1']);
    assert.match(r.stderr, /symbolic link/);
    assert.equal(readFileSync(victim, 'utf8'), 'precious');
    const out = join(dir, 'out.scap');
    writeFileSync(out, 'old contents');
    r = saker(['inspect', fresh, '-w', out]);
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /already exists/);
    r = saker(['inspect', fresh, '-w', out, '--force']);
    assert.equal(r.status, 0, r.stderr);
    assert.notEqual(readFileSync(out, 'latin1').slice(0, 12), 'old contents');
  } finally {
    cleanup();
  }
});

test('the V8 code cache is written only in a directory the running user owns', (t) => {
  if (process.getuid?.() !== 0) return t.skip('needs root to give the install directory to another user');
  const bundle = join(repoRoot, 'dist', 'bundle', 'saker.cjs');
  if (!existsSync(bundle)) return t.skip('no bundle: run npm run build');
  const { dir, cleanup } = scratchDir('v8cache');
  try {
    // A copy of the install: bin/, the bundle, and the dependencies it loads.
    mkdirSync(join(dir, 'bin'));
    mkdirSync(join(dir, 'dist', 'bundle'), { recursive: true });
    for (const f of ['saker.js', 'package.json']) copyFileSync(join(repoRoot, 'bin', f), join(dir, 'bin', f));
    copyFileSync(bundle, join(dir, 'dist', 'bundle', 'saker.cjs'));
    symlinkSync(join(repoRoot, 'node_modules'), join(dir, 'node_modules'));
    copyFileSync(join(repoRoot, 'package.json'), join(dir, 'package.json'));
    const run = () => spawnSync(process.execPath, [join(dir, 'bin', 'saker.js'), 'fields', '--names'], { encoding: 'utf8', timeout: 60_000 });
    const caches = () => readdirSync(join(dir, 'dist', 'bundle')).filter((f) => f.includes('.cache'));

    chownSync(join(dir, 'dist', 'bundle'), 65534, 65534); // nobody's directory
    let r = run();
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(caches(), [], 'no cache in a directory another user owns');

    chownSync(join(dir, 'dist', 'bundle'), 0, 0);
    r = run();
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(caches(), ['saker.cjs.fields.cache'], 'written where we own the directory');
  } finally {
    cleanup();
  }
});

/** `saker run` under `unshare FLAGS`, once it said it is ready; stop() ends it. */
async function agentInNamespace(flags: string[]): Promise<{ child: ChildProcess; out: { stdout: string; stderr: string }; stop: () => Promise<void> }> {
  const child = spawn('unshare', [...flags, process.execPath, SAKER, 'run', '--duration', '30'], { stdio: ['ignore', 'pipe', 'pipe'] });
  const out = { stdout: '', stderr: '' };
  child.stdout.setEncoding('utf8').on('data', (s: string) => (out.stdout += s));
  child.stderr.setEncoding('utf8').on('data', (s: string) => (out.stderr += s));
  const stop = async () => {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('close', r));
  };
  const deadline = Date.now() + 40_000;
  while (!/saker: ready/.test(out.stderr)) {
    if (Date.now() >= deadline) {
      await stop();
      assert.fail(`not ready:\n${out.stderr}`);
    }
    await sleep(50);
  }
  return { child, out, stop };
}

test('an agent in its own pid namespace excludes its host tgid, never its namespace pid 1', async (t) => {
  const why = agentMissing();
  if (why) return t.skip(why);
  // unshare --fork makes the agent pid 1 of a new pid namespace; /proc stays the host's.
  const { child, out, stop } = await agentInNamespace(['--pid', '--fork']);
  try {
    // The agent: the child of unshare; the sensor: the agent's child.
    const agentPid = Number(readFileSync(`/proc/${child.pid}/task/${child.pid}/children`, 'utf8').trim().split(/\s+/)[0]);
    assert.match(readFileSync(`/proc/${agentPid}/status`, 'utf8'), /NSpid:\s+\d+\s+1\n/, 'the agent is pid 1 in its namespace');
    assert.notEqual(readlinkSync(`/proc/${agentPid}/ns/pid`), readlinkSync('/proc/self/ns/pid'));
    const sensorPid = Number(readFileSync(`/proc/${agentPid}/task/${agentPid}/children`, 'utf8').trim().split(/\s+/)[0]);
    const argv = readFileSync(`/proc/${sensorPid}/cmdline`, 'utf8').split('\0');
    assert.ok(argv.includes(`--ignore=${agentPid}`), `sensor arguments: ${argv.join(' ')}`);
    assert.ok(!argv.includes('--ignore=1'), 'host pid 1 (init) is not excluded');
    // The sensor (pid 2 there) found its own host pid through the host's /proc: no warning.
    assert.doesNotMatch(out.stderr, /host pid is unknown/);
  } finally {
    await stop();
  }
});

test('an agent in a pid namespace with only its own /proc says its sensor cannot exclude itself, and still alerts', async (t) => {
  const why = agentMissing();
  if (why) return t.skip(why);
  // --mount-proc: /proc is the new namespace's; no HOST_ROOT with the host's. Guessing would
  // exclude whatever host process has the sensor's namespace pid.
  const { out, stop } = await agentInNamespace(['--pid', '--fork', '--mount-proc']);
  try {
    assert.match(out.stderr, /sensor: its host pid is unknown/);
    spawnSync('cat', ['/etc/shadow']);
    const until = Date.now() + 10_000;
    while (!/Read of sensitive file|Sensitive file opened/.test(out.stdout) && Date.now() < until) await sleep(50);
    assert.match(out.stdout, /\/etc\/shadow/, 'the agent still alerts');
  } finally {
    await stop();
  }
});
