// Real container runtimes for end-to-end tests, each private to the test: a Docker daemon
// (dockerd with its own data root, exec root and socket, no bridge or iptables), a podman API
// service (its own storage, cgroupfs, file events), and containerd with its CRI plugin (its own
// root, state and socket, Debian's CNI plugins on a private bridge, a locally imported pause
// image). No registry pulls: images are imported from the busybox root filesystem. stop()
// removes everything they made (containers, pods, network namespaces, the bridge, mounts).
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { criServices, unary, type Stub } from '../../../src/runtimes/index.js';
import { ociImageArchive, rootfsTar } from './oci-image.js';
import { runs, which } from './env.js';

/** The image every runtime test runs: a registry with a port, a path and a tag. */
export const TEST_IMAGE = 'saker.test:5000/e2e/busybox:1.0';

async function waitForSocket(path: string, child: ChildProcess, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      if (statSync(path).isSocket()) return;
    } catch {
      // not yet
    }
    if (child.exitCode !== null) throw new Error(`${what} exited (${child.exitCode}) before its socket appeared`);
    if (Date.now() > deadline) throw new Error(`${what}: no socket ${path} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function stopDaemon(child: ChildProcess | undefined, timeoutMs = 10_000): Promise<void> {
  if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  const t = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  await exited;
  clearTimeout(t);
}

/** Unmounts whatever is still mounted below `dir` (deepest first). */
function unmountBelow(dir: string): void {
  const mounts = readFileSync('/proc/mounts', 'utf8').split('\n').map((l) => l.split(' ')[1] ?? '').filter((m) => m.startsWith(`${dir}/`));
  for (const m of mounts.sort().reverse()) spawnSync('umount', ['-l', m], { stdio: 'ignore' });
}

/** Why the Docker test daemon cannot run here. */
export function dockerMissing(): string | undefined {
  if (!which('dockerd') || !existsSync('/usr/bin/docker')) return 'needs docker.io (apt-get install docker.io; scripts/setup.sh installs it)';
  return undefined;
}

export class DockerDaemon {
  readonly dir = mkdtempSync(join(tmpdir(), 'saker-e2e-docker-'));
  readonly socket = join(this.dir, 'docker.sock');
  private child: ChildProcess | undefined;

  static async start(): Promise<DockerDaemon> {
    const d = new DockerDaemon();
    // The namespace in the daemon's own containerd keeps its containers apart from any other.
    d.child = spawn('dockerd', ['--data-root', join(d.dir, 'data'), '--exec-root', join(d.dir, 'exec'), '--pidfile', join(d.dir, 'pid'),
      '-H', `unix://${d.socket}`, '--bridge=none', '--iptables=false', '--ip-masq=false', '--containerd-namespace=saker-e2e',
      '--containerd-plugins-namespace=saker-e2e-plugins'], { stdio: 'ignore' });
    await waitForSocket(d.socket, d.child, 'dockerd');
    // The socket appears before the API answers.
    for (let i = 0; i < 100 && !runs('/usr/bin/docker', '-H', `unix://${d.socket}`, 'version'); i++) await new Promise((r) => setTimeout(r, 100));
    d.docker('import', '-c', 'CMD ["/bin/sleep","600"]', rootfsTar(d.dir), TEST_IMAGE);
    return d;
  }

  docker(...args: string[]): string {
    return execFileSync('/usr/bin/docker', ['-H', `unix://${this.socket}`, ...args], { encoding: 'utf8', timeout: 60_000 }).trim();
  }

  async stop(): Promise<void> {
    spawnSync('sh', ['-c', `/usr/bin/docker -H unix://${this.socket} ps -aq | xargs -r /usr/bin/docker -H unix://${this.socket} rm -f`], { stdio: 'ignore', timeout: 30_000 });
    await stopDaemon(this.child, 20_000);
    unmountBelow(this.dir);
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Why the podman test service cannot run here. */
export function podmanMissing(): string | undefined {
  if (!which('podman')) return 'needs podman (apt-get install podman; scripts/setup.sh installs it)';
  return undefined;
}

export class PodmanService {
  readonly dir = mkdtempSync(join(tmpdir(), 'saker-e2e-podman-'));
  readonly socket = join(this.dir, 'podman.sock');
  private child: ChildProcess | undefined;

  private get global(): string[] {
    return ['--root', join(this.dir, 'root'), '--runroot', join(this.dir, 'run'), '--cgroup-manager=cgroupfs', '--events-backend=file',
      '--tmpdir', join(this.dir, 'tmp')];
  }

  static async start(): Promise<PodmanService> {
    const p = new PodmanService();
    p.child = spawn('podman', [...p.global, 'system', 'service', '--time=0', `unix://${p.socket}`], { stdio: 'ignore' });
    await waitForSocket(p.socket, p.child, 'podman system service');
    p.podman('import', '-c', 'CMD ["/bin/sleep","600"]', rootfsTar(p.dir), TEST_IMAGE);
    return p;
  }

  /**
   * A podman command on the service's storage. `run` gets limits this sandbox allows (podman's
   * default RLIMIT_NOFILE/NPROC are above what an unprivileged user namespace may set).
   */
  podman(...args: string[]): string {
    const a = args[0] === 'run' ? ['run', '--ulimit', 'nofile=1024:1024', '--ulimit', 'nproc=1024:1024', ...args.slice(1)] : args;
    return execFileSync('podman', [...this.global, ...a], { encoding: 'utf8', timeout: 60_000 }).trim();
  }

  async stop(): Promise<void> {
    spawnSync('podman', [...this.global, 'rm', '-a', '-f'], { stdio: 'ignore', timeout: 30_000 });
    await stopDaemon(this.child);
    spawnSync('podman', [...this.global, 'system', 'reset', '-f'], { stdio: 'ignore', timeout: 30_000 });
    unmountBelow(this.dir);
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Why containerd's CRI plugin cannot be driven here. */
export function criMissing(): string | undefined {
  if (!which('containerd') || !which('ctr') || !existsSync('/usr/bin/containerd-shim-runc-v2')) return 'needs containerd (apt-get install containerd)';
  if (!existsSync('/usr/lib/cni/bridge') || !existsSync('/usr/lib/cni/host-local')) {
    return 'needs the CNI plugins (apt-get install containernetworking-plugins; scripts/setup.sh installs it)';
  }
  return undefined;
}

export interface PodSpec {
  name: string;
  namespace: string;
  uid: string;
  labels: Record<string, string>;
  /** A privileged sandbox: CRI allows privileged containers only in one (as the kubelet asks). */
  privileged?: boolean;
}

export interface CriContainerSpec {
  name: string;
  command: string[];
  privileged?: boolean;
  labels?: Record<string, string>;
}

/** containerd with its CRI plugin, driven through the CRI API as a kubelet would. */
export class ContainerdCri {
  readonly dir = mkdtempSync(join(tmpdir(), 'saker-e2e-cri-'));
  readonly socket = join(this.dir, 'containerd.sock');
  /** A bridge name private to this test. */
  readonly bridge = `sk${process.pid.toString(36)}`;
  private child: ChildProcess | undefined;
  private stub: Stub | undefined;
  private readonly sandboxes: string[] = [];

  static async start(): Promise<ContainerdCri> {
    const c = new ContainerdCri();
    const cni = join(c.dir, 'cni');
    mkdirSync(cni);
    // A private bridge, no gateway, no masquerading: pods reach nothing outside this host.
    writeFileSync(join(cni, '10-saker-e2e.conflist'), JSON.stringify({
      cniVersion: '0.4.0', name: 'saker-e2e', plugins: [
        { type: 'bridge', bridge: c.bridge, isGateway: false, ipMasq: false, ipam: { type: 'host-local', ranges: [[{ subnet: '10.233.77.0/24' }]] } },
        { type: 'loopback' },
      ],
    }));
    // The state directory holds the socket, as /run/containerd holds /run/containerd/containerd.sock:
    // the agent finds the tasks' bundles beside the socket it was given.
    writeFileSync(join(c.dir, 'config.toml'), [
      'version = 2', `root = "${join(c.dir, 'root')}"`, `state = "${c.dir}"`, '[grpc]', `  address = "${c.socket}"`,
      '[plugins."io.containerd.grpc.v1.cri"]', '  sandbox_image = "saker.test/pause:1.0"', '  disable_tcp_service = true',
      '  disable_apparmor = true', '  restrict_oom_score_adj = true',
      '[plugins."io.containerd.grpc.v1.cri".cni]', '  bin_dir = "/usr/lib/cni"', `  conf_dir = "${cni}"`, '',
    ].join('\n'));
    c.child = spawn('containerd', ['--config', join(c.dir, 'config.toml')], { stdio: 'ignore' });
    await waitForSocket(c.socket, c.child, 'containerd');
    const ctr = (...a: string[]): string => execFileSync('ctr', ['--address', c.socket, '--namespace', 'k8s.io', ...a], { encoding: 'utf8', timeout: 60_000 });
    ctr('images', 'import', ociImageArchive(c.dir, 'saker.test/pause:1.0', ['/bin/sleep', '999999']));
    ctr('images', 'import', ociImageArchive(c.dir, TEST_IMAGE, ['/bin/sleep', '600']));
    c.stub = new (criServices().runtime)(`unix://${c.socket}`, grpc.credentials.createInsecure()) as Stub;
    return c;
  }

  private call<T>(method: string, req: unknown): Promise<T> {
    return unary<T>(this.stub!, method, req, AbortSignal.timeout(60_000));
  }

  private sandboxConfig(pod: PodSpec): unknown {
    return {
      metadata: { name: pod.name, uid: pod.uid, namespace: pod.namespace, attempt: 0 }, hostname: pod.name.slice(0, 60), log_directory: join(this.dir, 'logs', pod.uid),
      labels: pod.labels, annotations: {},
      linux: {
        cgroup_parent: `/kubepods/besteffort/pod${pod.uid}`,
        security_context: { privileged: pod.privileged ?? false, namespace_options: { network: 'POD', pid: 'CONTAINER', ipc: 'POD' } },
      },
    };
  }

  /** RunPodSandbox; returns the sandbox id. */
  async runPod(pod: PodSpec): Promise<string> {
    const r = await this.call<{ pod_sandbox_id: string }>('RunPodSandbox', { config: this.sandboxConfig(pod) });
    this.sandboxes.push(r.pod_sandbox_id);
    return r.pod_sandbox_id;
  }

  /** CreateContainer then StartContainer, as the kubelet does; returns the container id. */
  async runContainer(sandboxId: string, pod: PodSpec, spec: CriContainerSpec): Promise<string> {
    const c = await this.call<{ container_id: string }>('CreateContainer', {
      pod_sandbox_id: sandboxId, sandbox_config: this.sandboxConfig(pod), config: {
        metadata: { name: spec.name, attempt: 0 }, image: { image: TEST_IMAGE }, command: spec.command, log_path: `${spec.name}.log`, labels: spec.labels ?? {},
        linux: { security_context: { privileged: spec.privileged ?? false, namespace_options: { network: 'POD', pid: 'CONTAINER', ipc: 'POD' } } },
      },
    });
    await this.call('StartContainer', { container_id: c.container_id });
    return c.container_id;
  }

  /** ContainerStatus, as the runtime reports it (verbose: with containerd's info, its config as JSON). */
  status(id: string, verbose = false): Promise<{ status: { metadata: { name: string }; image: { image: string } }; info?: Record<string, string> }> {
    return this.call('ContainerStatus', { container_id: id, verbose });
  }

  async stop(): Promise<void> {
    for (const id of this.sandboxes) {
      await this.call('StopPodSandbox', { pod_sandbox_id: id }).catch(() => undefined);
      await this.call('RemovePodSandbox', { pod_sandbox_id: id }).catch(() => undefined);
    }
    this.stub?.close();
    await stopDaemon(this.child);
    // Shims outlive containerd: kill those of this test's containerd (their command line names its socket).
    for (const pid of (spawnSync('pgrep', ['-f', `containerd-shim-runc-v2 .*-address ${this.socket}`], { encoding: 'utf8' }).stdout ?? '').split('\n').filter(Boolean)) {
      try {
        process.kill(Number(pid), 'SIGKILL');
      } catch {
        // gone already
      }
    }
    spawnSync('ip', ['link', 'delete', this.bridge], { stdio: 'ignore' });
    unmountBelow(this.dir);
    rmSync(this.dir, { recursive: true, force: true });
  }
}
