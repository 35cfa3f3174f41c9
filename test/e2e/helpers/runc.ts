// Real runc containers for end-to-end tests. The root filesystem is Debian's busybox-static with a
// link per applet, built once into .cache/e2e/ under the repository (gitignored); each container
// gets an overlay on top of it (so writes stay in the container, and binaries dropped into it
// land in the overlay's upper layer, as with Docker or containerd), a `runc spec` bundle with a
// few edits, and a random 64-hex id. Containers are killed and deleted by destroy(), and by an
// exit hook for any a failing test left behind.
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, statSync, writeFileSync, openSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BUSYBOX, populateBusyboxRoot } from '../../../src/generate/index.js';
import { repoRoot } from './env.js';

/** Bumped when the layout below changes, so an old cache is not reused. */
const LAYOUT_VERSION = 2;

/** Every capability by number, up to this kernel's era (0 .. CAP_CHECKPOINT_RESTORE), for privileged containers. */
const ALL_CAPS = [
  'CHOWN', 'DAC_OVERRIDE', 'DAC_READ_SEARCH', 'FOWNER', 'FSETID', 'KILL', 'SETGID', 'SETUID', 'SETPCAP', 'LINUX_IMMUTABLE',
  'NET_BIND_SERVICE', 'NET_BROADCAST', 'NET_ADMIN', 'NET_RAW', 'IPC_LOCK', 'IPC_OWNER', 'SYS_MODULE', 'SYS_RAWIO', 'SYS_CHROOT',
  'SYS_PTRACE', 'SYS_PACCT', 'SYS_ADMIN', 'SYS_BOOT', 'SYS_NICE', 'SYS_RESOURCE', 'SYS_TIME', 'SYS_TTY_CONFIG', 'MKNOD', 'LEASE',
  'AUDIT_WRITE', 'AUDIT_CONTROL', 'SETFCAP', 'MAC_OVERRIDE', 'MAC_ADMIN', 'SYSLOG', 'WAKE_ALARM', 'BLOCK_SUSPEND', 'AUDIT_READ',
  'PERFMON', 'BPF', 'CHECKPOINT_RESTORE',
].map((c) => `CAP_${c}`);

/** The capabilities this process may hand on (its bounding set): a sandbox may lack some. */
function boundingCaps(): string[] {
  const m = /^CapBnd:\s*([0-9a-f]+)$/m.exec(readFileSync('/proc/self/status', 'utf8'));
  const mask = m ? BigInt(`0x${m[1]}`) : 0n;
  return ALL_CAPS.filter((_, bit) => (mask >> BigInt(bit)) & 1n);
}

/** The cached busybox root filesystem, built on first use. */
export function busyboxRootfs(): string {
  const st = statSync(BUSYBOX);
  const key = `${LAYOUT_VERSION}-${st.size}-${Math.floor(st.mtimeMs)}`;
  const cache = join(repoRoot, '.cache', 'e2e');
  const rootfs = join(cache, `rootfs-${key}`);
  if (existsSync(join(rootfs, 'bin', 'busybox'))) return rootfs;
  mkdirSync(cache, { recursive: true });
  const tmp = mkdtempSync(join(cache, 'rootfs-build-'));
  populateBusyboxRoot(tmp);
  writeFileSync(join(tmp, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n');
  writeFileSync(join(tmp, 'etc/group'), 'root:x:0:\nnogroup:x:65534:\n');
  writeFileSync(join(tmp, 'etc/shadow'), 'root:*:19000:0:99999:7:::\nnobody:*:19000:0:99999:7:::\n', { mode: 0o640 });
  writeFileSync(join(tmp, 'etc/hosts'), '127.0.0.1 localhost\n');
  writeFileSync(join(tmp, 'root/.ash_history'), 'ls\n');
  try {
    renameSync(tmp, rootfs);
  } catch {
    rmSync(tmp, { recursive: true, force: true }); // built meanwhile by another run
  }
  return rootfs;
}

export interface ContainerOptions {
  /** The container's init command (default: sleep for the test's lifetime). */
  args?: string[];
  /**
   * All capabilities, no masked or read-only paths, sysfs read-write: what containerd's
   * WithPrivileged gives, so container.privileged is true.
   */
  privileged?: boolean;
  /** Capabilities added to runc's defaults (AUDIT_WRITE, KILL, NET_BIND_SERVICE), e.g. CAP_NET_RAW. */
  addCaps?: string[];
  /** Join this network namespace (a name under /var/run/netns) instead of a new empty one. */
  netns?: string;
  /** Host paths bind-mounted read-only into the container. */
  binds?: Array<{ source: string; dest: string }>;
  /** The init process's uid and gid (default 0:0). */
  user?: { uid: number; gid: number };
  /** OCI annotations (org.opencontainers.image.ref.name names the image of a plain runc container). */
  annotations?: Record<string, string>;
  /** Files put in the container's root before it starts (path in the container -> content, mode). */
  files?: Record<string, { content: string | Buffer; mode?: number }>;
}

export interface ExecResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

const live = new Set<RuncContainer>();
process.on('exit', () => {
  for (const c of live) c.destroy();
});

export class RuncContainer {
  /** The 64-hex id runc knows the container by. */
  readonly id = randomBytes(32).toString('hex');
  private readonly dir: string;
  private readonly bundle: string;
  private readonly rootfs: string;
  private mounted = false;
  /** Host pid of the container's init. */
  pid = 0;

  private constructor(readonly opts: ContainerOptions) {
    this.dir = mkdtempSync(join(tmpdir(), 'saker-e2e-runc-'));
    this.bundle = join(this.dir, 'bundle');
    this.rootfs = join(this.bundle, 'rootfs');
  }

  /** container.id: the first 12 characters of the runc id. */
  get shortId(): string {
    return this.id.slice(0, 12);
  }

  /** Directory of the overlay's upper layer: what the container wrote. */
  get upperDir(): string {
    return join(this.dir, 'upper');
  }

  static start(opts: ContainerOptions = {}): RuncContainer {
    const c = new RuncContainer(opts);
    live.add(c);
    try {
      c.create();
    } catch (e) {
      c.destroy();
      throw e;
    }
    return c;
  }

  private create(): void {
    for (const d of ['upper', 'work', 'bundle/rootfs']) mkdirSync(join(this.dir, d), { recursive: true });
    execFileSync('mount', ['-t', 'overlay', 'overlay', '-o',
      `lowerdir=${busyboxRootfs()},upperdir=${join(this.dir, 'upper')},workdir=${join(this.dir, 'work')}`, this.rootfs]);
    this.mounted = true;
    for (const [path, f] of Object.entries(this.opts.files ?? {})) {
      writeFileSync(join(this.rootfs, path), f.content);
      if (f.mode !== undefined) chmodSync(join(this.rootfs, path), f.mode);
    }
    execFileSync('runc', ['spec'], { cwd: this.bundle });
    const specPath = join(this.bundle, 'config.json');
    const spec = JSON.parse(readFileSync(specPath, 'utf8'));
    spec.process.terminal = false;
    spec.process.args = this.opts.args ?? ['/bin/sleep', '600'];
    spec.root = { path: 'rootfs', readonly: false };
    spec.hostname = 'saker-e2e';
    if (this.opts.user !== undefined) spec.process.user = { uid: this.opts.user.uid, gid: this.opts.user.gid };
    const caps = spec.process.capabilities;
    const add = this.opts.privileged ? boundingCaps() : this.opts.addCaps ?? [];
    for (const set of ['bounding', 'effective', 'permitted']) caps[set] = [...new Set([...caps[set], ...add])];
    if (this.opts.privileged) {
      // Absent, as containerd's WithPrivileged leaves them (an empty list is not the same thing).
      delete spec.linux.maskedPaths;
      delete spec.linux.readonlyPaths;
      spec.linux.resources.devices = [{ allow: true, access: 'rwm' }];
      for (const m of spec.mounts) if (m.type === 'sysfs' || m.type === 'cgroup') m.options = m.options.filter((o: string) => o !== 'ro');
    }
    if (this.opts.annotations !== undefined) spec.annotations = { ...spec.annotations, ...this.opts.annotations };
    for (const b of this.opts.binds ?? []) spec.mounts.push({ destination: b.dest, type: 'bind', source: b.source, options: ['rbind', 'ro'] });
    if (this.opts.netns !== undefined) {
      const ns = spec.linux.namespaces.find((n: { type: string }) => n.type === 'network');
      ns.path = `/var/run/netns/${this.opts.netns}`;
    }
    writeFileSync(specPath, JSON.stringify(spec, null, 1));
    // The detached container keeps runc's stdio: a file, so no pipe stays open behind it.
    const log = join(this.dir, 'runc.log');
    const fd = openSync(log, 'w');
    try {
      const r = spawnSync('runc', ['run', '-d', '--bundle', this.bundle, this.id], { stdio: ['ignore', fd, fd], timeout: 30_000 });
      if (r.status !== 0) throw new Error(`runc run failed (${r.status ?? r.signal}): ${readFileSync(log, 'utf8')}`);
    } finally {
      closeSync(fd);
    }
    this.pid = (JSON.parse(execFileSync('runc', ['state', this.id], { encoding: 'utf8' })) as { pid: number }).pid;
  }

  /** Runs a command in the container and waits for it (`runc exec`). */
  exec(args: string[], opts: { input?: string | Buffer; timeoutMs?: number } = {}): ExecResult {
    const r = spawnSync('runc', ['exec', this.id, ...args], { input: opts.input, encoding: 'utf8', timeout: opts.timeoutMs ?? 20_000 });
    return { status: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
  }

  /** exec() that throws unless the command exits 0; returns its stdout. */
  run(args: string[], opts: { input?: string | Buffer; timeoutMs?: number } = {}): string {
    const r = this.exec(args, opts);
    if (r.status !== 0) throw new Error(`runc exec ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
    return r.stdout;
  }

  /** Starts a command in the container without waiting (`runc exec` stays its parent on the host). */
  spawn(args: string[]): ChildProcess {
    return spawn('runc', ['exec', this.id, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  }

  /**
   * Runs a command with a terminal, as `docker exec -it` does: `script` gives `runc exec -t` a
   * pseudo-terminal to hand on.
   */
  execWithTerminal(command: string, timeoutMs = 20_000): ExecResult {
    const r = spawnSync('script', ['-qec', `runc exec -t ${this.id} ${command}`, '/dev/null'], { encoding: 'utf8', timeout: timeoutMs });
    return { status: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
  }

  /** Copies a host file into the container (written through the container, so into its upper layer). */
  copyIn(hostPath: string, containerPath: string, mode = '755'): void {
    this.run(['/bin/sh', '-c', `cat > '${containerPath}' && chmod ${mode} '${containerPath}'`], { input: readFileSync(hostPath) });
  }

  /** Kills and deletes the container and removes its files; safe to call twice. */
  destroy(): void {
    if (!live.delete(this)) return;
    spawnSync('runc', ['kill', this.id, 'KILL'], { stdio: 'ignore', timeout: 10_000 });
    spawnSync('runc', ['delete', '-f', this.id], { stdio: 'ignore', timeout: 10_000 });
    if (this.mounted) spawnSync('umount', ['-l', this.rootfs], { stdio: 'ignore' });
    rmSync(this.dir, { recursive: true, force: true });
  }
}
