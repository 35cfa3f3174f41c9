import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeEvent, eventCode, type ParamValue, EventView } from '../events/index.js';
import { State } from './state.js';
import { matchCgroups } from './containers.js';
import { runcStateLookup } from '../runtimes/index.js';
import { ProcScanner } from './proc-scan.js';
import { PPM_O } from './ppm.js';
import type { ThreadSnapshot } from './snapshot.js';

let clock = 1_700_000_000_000_000_000n;
function ev(name: string, tid: number, params: ParamValue[], enter = false): EventView {
  clock += 1000n;
  return new EventView().reset(encodeEvent({ ts: clock, tid, type: eventCode(name, !enter), params }), 0, 1);
}
const nul = (...xs: string[]): Buffer => Buffer.from(xs.map((x) => x + '\0').join(''));
const DOCKER_ID = 'f3a9b2c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f80';

function snap(tid: number, ptid: number, more: Partial<ThreadSnapshot> = {}): ThreadSnapshot {
  return {
    tid, pid: tid, ptid, sid: tid, vpgid: tid, pgid: tid, vtid: tid, vpid: tid, comm: 'sh', exe: 'sh', exepath: '/bin/sh',
    args: [], env: [], cwd: '/', uid: 0, gid: 0, loginuid: 0xffffffff, capPermitted: 0n, capEffective: 0n,
    capInheritable: 0n, cgroups: ['cpu=/'], tty: 0, ...more,
  };
}

test('replay: snapshots, events, users and containers through one State', () => {
  const root = mkdtempSync(join(tmpdir(), 'saker-state-'));
  mkdirSync(join(root, 'etc'));
  writeFileSync(join(root, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/bash\nalice:x:1000:1000::/home/alice:/bin/bash\n');
  writeFileSync(join(root, 'etc/group'), 'root:x:0:\nalice:x:1000:\n');
  const state = new State({ hostRoot: root });
  try {
    assert.equal(state.loadSnapshots([snap(1, 0, { comm: 'init' }), snap(50, 1, { comm: 'containerd-shim', uid: 0 })]), 2);
    assert.equal(state.user(0, '')?.shell, '/bin/bash', 'host users known from the start');
    // The shim starts a containerised shell: its cgroups say which container.
    const clone: ParamValue[] = [60, '/bin/sh', nul('-c', 'id'), 50, 50, 1, '', 1024, 0, 0, 0, 0, 0, 'sh',
      nul(`cpu=/docker/${DOCKER_ID}`, `memory=/docker/${DOCKER_ID}`), 0, 1000, 1000, 50, 50, 0];
    let ctx = state.process(ev('clone', 50, clone));
    assert.equal(ctx.state, state);
    const child = state.thread(60)!;
    assert.equal(child.containerId, DOCKER_ID.slice(0, 12));
    const info = state.container(child.containerId);
    assert.equal(info?.fullId, DOCKER_ID);
    assert.equal(info?.type, 'docker');
    assert.equal(state.container('')?.id, 'host');
    assert.equal(state.thread(50)!.containerId, '');
    // Relative opens, failed opens and ancestors through the State's helpers.
    ctx = state.process(ev('openat', 60, [-2, -100, 'missing.conf', PPM_O.RDONLY, 0, 0, 0]));
    assert.equal(ctx.fdNum, -1);
    assert.equal(state.fdNameFromEvent(ctx), '/missing.conf');
    assert.equal(state.ancestor(child, 1)?.comm, 'containerd-shim');
    assert.equal(state.ancestor(child, 2)?.comm, 'init');
    assert.equal(state.cwd(child), '/');
    // An execve on the host as alice: her user entry is there for user.name.
    ctx = state.process(ev('execve', 50, [0, 'id', nul('-u'), 50, 50, 1, '/', 1024, 0, 0, 0, 0, 0, 'id', nul('cpu=/'), nul(), 0, 50,
      1000, 0, 0n, 0n, 0n, 0, 0n, 0n, 1000, '/usr/bin/id', 50, 1000, '/usr/bin/id']));
    assert.equal(state.user(ctx.thread!.uid, ctx.thread!.containerId)?.name, 'alice');
    assert.equal(state.group(1000, '')?.name, 'alice');
    // A capture's container metadata arrives as the container plugin's async events.
    const json = JSON.stringify({ container: {
      id: DOCKER_ID.slice(0, 12), full_id: DOCKER_ID, type: 0, name: 'web', image: 'nginx:1.25', imagerepo: 'nginx', imagetag: '1.25',
      privileged: true, labels: { 'io.kubernetes.pod.name': 'web-0', 'io.kubernetes.pod.namespace': 'shop' },
      Mounts: [{ Source: '/var/run/docker.sock', Destination: '/var/run/docker.sock', Mode: '', RW: true, Propagation: 'rprivate' }],
    } });
    state.process(ev('asyncevent', 0, [0, 'container', Buffer.from(json + '\0')], true));
    const meta = state.container(DOCKER_ID.slice(0, 12))!;
    assert.equal(meta.name, 'web');
    assert.equal(meta.type, 'docker');
    assert.equal(meta.imageRepository, 'nginx');
    assert.equal(meta.privileged, true);
    assert.equal(meta.podNamespace, 'shop');
    assert.equal(meta.mounts[0]?.dest, '/var/run/docker.sock');
    state.process(ev('asyncevent', 0, [0, 'container_removed', Buffer.from(json + '\0')], true));
    assert.equal(state.container(DOCKER_ID.slice(0, 12)), undefined);
    // Capture user lists arrive as useradded events.
    state.process(ev('useradded', 0, [33, 33, 'www-data', '/var/www', '/usr/sbin/nologin', DOCKER_ID.slice(0, 12)], true));
    assert.equal(state.user(33, DOCKER_ID.slice(0, 12))?.name, 'www-data');
  } finally {
    state.close();
    rmSync(root, { recursive: true, force: true });
  }
});

test('live: bootstrap from /proc, then threads born later are read from /proc on first sight', async () => {
  const state = new State({ live: true, containerLookup: false });
  const child = spawn('sleep', ['30'], { stdio: 'ignore' });
  try {
    await new Promise((r) => setTimeout(r, 100));
    const stats = state.bootstrapFromProc();
    assert.ok(stats.threads > 1 && stats.processes > 1);
    const me = state.thread(process.pid)!;
    assert.equal(me.pid, process.pid);
    assert.equal(me.containerId, '', 'this machine runs its processes on the host');
    assert.equal(state.ancestor(me, 1)?.pid, process.ppid);
    // Forget the child, as if it started after the scan.
    state.threads.remove(child.pid!);
    assert.equal(state.thread(child.pid!), undefined);
    const ctx = state.process(ev('close', child.pid!, [0, 0]));
    assert.equal(ctx.thread?.comm, 'sleep');
    assert.equal(ctx.thread?.ptid, process.pid);
    assert.equal(ctx.fd?.name, '/dev/null');
    assert.equal(state.parser.stats.procLookups, 1);
  } finally {
    child.kill('SIGKILL');
    state.close();
  }
});

/** A runc container running busybox sleep as uid 33, cgroup leaf = its 64-hex id. */
function startRuncContainer(dir: string, id: string): number {
  const bundle = join(dir, 'bundle');
  const rootfs = join(bundle, 'rootfs');
  mkdirSync(join(rootfs, 'bin'), { recursive: true });
  mkdirSync(join(rootfs, 'etc'));
  mkdirSync(join(rootfs, 'proc'));
  copyFileSync('/bin/busybox', join(rootfs, 'bin/busybox'));
  writeFileSync(join(rootfs, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/sh\nwww:x:33:33:web server:/var/www:/bin/false\n');
  writeFileSync(join(rootfs, 'etc/group'), 'root:x:0:\nwww:x:33:\n');
  execFileSync('runc', ['spec'], { cwd: bundle });
  const spec = JSON.parse(readFileSync(join(bundle, 'config.json'), 'utf8'));
  spec.process.terminal = false;
  spec.process.args = ['/bin/busybox', 'sleep', '60'];
  spec.process.user = { uid: 33, gid: 33 };
  spec.linux.cgroupsPath = `/${id}`;
  spec.annotations = { 'io.kubernetes.pod.name': 'web-0', 'io.kubernetes.pod.namespace': 'shop' };
  writeFileSync(join(bundle, 'config.json'), JSON.stringify(spec));
  execFileSync('runc', ['--root', join(dir, 'state'), 'run', '-d', '--bundle', bundle, id], { stdio: 'ignore', timeout: 20000 });
  const st = JSON.parse(execFileSync('runc', ['--root', join(dir, 'state'), 'state', id], { encoding: 'utf8' }));
  return st.pid as number;
}

test('a real runc container is found with its id by the /proc scan and by cgroup parsing', async (t) => {
  if (process.getuid?.() !== 0) return t.skip('needs root to run a container');
  if (spawnSync('runc', ['--version']).status !== 0) return t.skip('needs runc (apt-get install runc)');
  if (!existsSync('/bin/busybox')) return t.skip('needs busybox-static (apt-get install busybox-static)');
  const dir = mkdtempSync(join(tmpdir(), 'saker-runc-'));
  const id = [...Array(64)].map((_, i) => '0123456789abcdef'[(i * 7 + 3) % 16]).join('');
  let state: State | undefined;
  try {
    const pid = startRuncContainer(dir, id);
    const snapInit = new ProcScanner().readThread(pid)!;
    assert.equal(snapInit.vpid, 1, 'the container init is pid 1 inside');
    assert.ok(snapInit.cgroups.some((c) => c.endsWith(`=/${id}`)), snapInit.cgroups.join(' '));
    const roots = { runcRoots: [join(dir, 'state')] };
    assert.equal(matchCgroups(snapInit.cgroups, roots)?.id, id.slice(0, 12));
    assert.equal(matchCgroups(snapInit.cgroups, roots)?.fullId, id);
    assert.equal(matchCgroups(snapInit.cgroups, roots)?.type, 'runc');
    assert.equal(matchCgroups(snapInit.cgroups, { runcRoots: [join(dir, 'elsewhere')] }), undefined, 'a /<64 hex> leaf without runc state is no container');

    // What src/runtimes sets as the registry's quick lookup for plain runc containers.
    const quick = runcStateLookup([join(dir, 'state')]);
    state = new State({ live: true, runcRoots: [join(dir, 'state')], containerLookup: async (m) => quick(m) });
    state.bootstrapFromProc();
    const th = state.thread(pid)!;
    assert.equal(th.comm, 'busybox');
    assert.equal(th.exe, '/bin/busybox');
    assert.deepEqual(th.args, ['sleep', '60']);
    assert.equal(th.exepath, '/bin/busybox', 'the path inside the container');
    assert.equal(th.uid, 33);
    assert.equal(th.containerId, id.slice(0, 12));
    assert.equal(state.thread(process.pid)!.containerId, '');
    await state.usersRead(); // container files are read off the event loop
    assert.equal(state.user(33, th.containerId)?.name, 'www', "user from the container's own /etc/passwd");
    assert.equal(state.user(33, '')?.name === 'www', false);
    await state.containers.idle();
    const info = state.container(th.containerId)!;
    assert.equal(info.type, 'runc');
    assert.equal(info.fullId, id);
    assert.equal(info.name, id.slice(0, 12));
    assert.equal(info.privileged, false, "runc spec's defaults mask paths");
    assert.ok(info.mounts.some((m) => m.dest === '/proc'));
    assert.equal(info.podName, 'web-0');
    assert.equal(info.podNamespace, 'shop');
    assert.ok(info.startTs > 0n, 'container.start_ts from the pid namespace init');
  } finally {
    state?.close();
    spawnSync('runc', ['--root', join(dir, 'state'), 'delete', '-f', id], { stdio: 'ignore' });
    rmSync(dir, { recursive: true, force: true });
  }
});
