// `saker generate`'s actions: small, safe things that trigger the built-in rules, so a user can
// check a deployment end to end ("is the probe loaded, is the rule firing, is the output
// reaching the SIEM"). Each one only touches scratch files it removes, names it makes up
// (saker-generate-*) in the system directories the rules watch, a network namespace of its own,
// or a throwaway container. Nothing is left behind and nothing leaves the machine.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, closeSync, copyFileSync, existsSync, linkSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmdirSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { containerUnavailable, runInContainer } from './container.js';

export interface Action {
  name: string;
  /** The built-in rules it should raise. */
  rules: readonly string[];
  /** Runs in a container (runc): skipped, with the reason, when runc is missing. */
  container?: boolean;
  /** Why it cannot run here, or undefined. */
  unavailable?: () => string | undefined;
  run: (ctx: ActionContext) => void;
}

interface ActionContext {
  /** A scratch directory, removed after the action. */
  dir: string;
  /** A random suffix for names made in system directories. */
  tag: string;
}

function which(cmd: string): string | undefined {
  const r = spawnSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : undefined;
}

/** Creates a file for writing (open with O_CREAT|O_TRUNC) and removes it. */
function touchAndRemove(path: string): void {
  closeSync(openSync(path, 'w'));
  unlinkSync(path);
}

function run(cmd: string, args: string[], env?: NodeJS.ProcessEnv): void {
  const r = spawnSync(cmd, args, { stdio: 'ignore', timeout: 20_000, env });
  if (r.error) throw r.error;
}

const needs = (cmd: string) => () => (which(cmd) ? undefined : `needs ${cmd}`);

const PYTHON_PTRACE = `
import ctypes, os, subprocess, time
libc = ctypes.CDLL(None, use_errno=True)
libc.ptrace.argtypes = [ctypes.c_long, ctypes.c_long, ctypes.c_void_p, ctypes.c_void_p]
child = subprocess.Popen(['sleep', '30'])
time.sleep(0.05)
libc.ptrace(16, child.pid, None, None)
os.waitpid(child.pid, 0)
libc.ptrace(17, child.pid, None, None)
child.kill(); child.wait()
`;

const PYTHON_MEMFD = `
import os
fd = os.memfd_create('saker-generate', 0)
with open('/bin/true', 'rb') as f:
    os.write(fd, f.read())
os.execve(fd, ['saker-generate-memfd'], {})
`;

const PYTHON_BPF = `
import ctypes, os, struct
libc = ctypes.CDLL(None, use_errno=True)
insns = ctypes.create_string_buffer(struct.pack('<BBhiBBhi', 0xb7, 0, 0, 0, 0x95, 0, 0, 0))
lic = ctypes.create_string_buffer(b'GPL')
attr = ctypes.create_string_buffer(struct.pack('<IIQQ', 1, 2, ctypes.addressof(insns), ctypes.addressof(lic)), 128)
fd = libc.syscall(321, 5, attr, 128)
if fd >= 0: os.close(fd)
`;

// UFFD_USER_MODE_ONLY (1): what an unprivileged user may ask for even when
// vm.unprivileged_userfaultfd is 0 (Linux 5.11 and later).
const PYTHON_USERFAULTFD = `
import ctypes, os
libc = ctypes.CDLL(None, use_errno=True)
os.setgid(65534); os.setuid(65534)
fd = libc.syscall(323, 1)
if fd >= 0: os.close(fd)
`;

// io_uring_setup(1, params) and close: the ring is made and released, nothing submitted.
const PYTHON_IO_URING = `
import ctypes, os
libc = ctypes.CDLL(None, use_errno=True)
params = ctypes.create_string_buffer(120)
fd = libc.syscall(425, 1, params)
if fd < 0: raise SystemExit('io_uring_setup: errno %d' % ctypes.get_errno())
os.close(fd)
`;

/** Whether the running kernel is at least major.minor. */
function kernelAtLeast(major: number, minor: number): boolean {
  const [a = 0, b = 0] = readFileSync('/proc/sys/kernel/osrelease', 'utf8').split('.').map((n) => parseInt(n, 10));
  return a > major || (a === major && b >= minor);
}

/** Why the dummy network module cannot be loaded and unloaded here, or undefined. */
function dummyModuleUnavailable(): string | undefined {
  if (process.getuid?.() !== 0 || !which('modprobe')) return 'needs root and modprobe (kmod)';
  if (existsSync('/sys/module/dummy')) return 'the dummy module is already loaded (or built in): loading it again is no event';
  if (spawnSync('modprobe', ['-n', '-q', 'dummy']).status !== 0) return `no loadable dummy module for this kernel (/lib/modules/${readFileSync('/proc/sys/kernel/osrelease', 'utf8').trim()})`;
  return undefined;
}

const containerWith = (cmd: string) => () => containerUnavailable() ?? (which(cmd) ? undefined : `needs ${cmd} (bind-mounted into the container with the host's /usr)`);

/** A non-blocking connect to a documentation address (198.51.100.7) from a network namespace of
 *  its own where that network is routed to loopback: the connect is made, no packet leaves. */
function outboundConnect(port: number): void {
  const script = `const s=require('net').connect(${port},'198.51.100.7');s.on('error',()=>{});setTimeout(()=>{s.destroy();process.exit(0)},200)`;
  run('unshare', ['-n', 'sh', '-c', 'ip link set lo up && ip route add 198.51.100.0/24 dev lo && exec "$0" -e "$1"', process.execPath, script]);
}

export const ACTIONS: readonly Action[] = [
  { name: 'read-sensitive-file', rules: ['Read of sensitive file'], run: () => void readFileSync('/etc/shadow') },
  {
    name: 'read-ssh-private-key', rules: ['Read of SSH private key'],
    run: ({ dir }) => {
      mkdirSync(join(dir, '.ssh'));
      writeFileSync(join(dir, '.ssh', 'id_rsa'), 'not a key\n');
      readFileSync(join(dir, '.ssh', 'id_rsa'));
    },
  },
  {
    name: 'read-cloud-credentials', rules: ['Read of cloud credentials'],
    run: ({ dir }) => {
      mkdirSync(join(dir, '.aws'));
      writeFileSync(join(dir, '.aws', 'credentials'), '[default]\n');
      readFileSync(join(dir, '.aws', 'credentials'));
    },
  },
  { name: 'write-below-binary-dir', rules: ['Write below binary directory', 'Modify binary directory'], run: ({ tag }) => touchAndRemove(`/usr/local/bin/saker-generate-${tag}`) },
  {
    name: 'mkdir-below-binary-dir', rules: ['Mkdir below binary directory'],
    run: ({ tag }) => {
      mkdirSync(`/usr/local/bin/saker-generate-${tag}.d`);
      rmdirSync(`/usr/local/bin/saker-generate-${tag}.d`);
    },
  },
  { name: 'write-below-etc', rules: ['Write below etc'], run: ({ tag }) => touchAndRemove(`/etc/saker-generate-${tag}`) },
  { name: 'clear-log-file', rules: ['Clear log files'], run: ({ tag }) => touchAndRemove(`/var/log/saker-generate-${tag}.log`) },
  {
    name: 'delete-shell-history', rules: ['Delete or rename shell history'],
    run: ({ dir }) => {
      writeFileSync(join(dir, '.bash_history'), 'ls\n');
      unlinkSync(join(dir, '.bash_history'));
    },
  },
  { name: 'symlink-sensitive-file', rules: ['Create symlink over sensitive files'], run: ({ dir }) => symlinkSync('/etc/shadow', join(dir, 'shadow')) },
  {
    name: 'hardlink-sensitive-file', rules: ['Create hardlink over sensitive files'],
    run: ({ tag }) => {
      linkSync('/etc/shadow', `/etc/saker-generate-${tag}`);
      unlinkSync(`/etc/saker-generate-${tag}`);
    },
  },
  {
    name: 'set-setuid-bit', rules: ['Set setuid or setgid bit'],
    run: ({ dir }) => {
      writeFileSync(join(dir, 'suid'), '');
      chmodSync(join(dir, 'suid'), 0o4755);
    },
  },
  {
    name: 'modify-authorized-keys', rules: ['Modify SSH authorized keys'],
    run: ({ dir }) => {
      mkdirSync(join(dir, '.ssh'), { recursive: true });
      writeFileSync(join(dir, '.ssh', 'authorized_keys'), '');
    },
  },
  {
    name: 'schedule-cron-job', rules: ['Schedule cron job'], unavailable: () => (existsSync('/bin/busybox') ? undefined : 'needs busybox (its crontab applet, run on a scratch directory)'),
    run: ({ dir }) => {
      symlinkSync('/bin/busybox', join(dir, 'crontab'));
      run(join(dir, 'crontab'), ['-c', dir, '-e'], { ...process.env, EDITOR: 'true', VISUAL: 'true' });
    },
  },
  { name: 'create-file-below-dev', rules: ['Create files below dev'], run: ({ tag }) => touchAndRemove(`/dev/saker-generate-${tag}`) },
  {
    name: 'crypto-miner', rules: ['Crypto miner launched'],
    run: ({ dir }) => {
      copyFileSync('/bin/true', join(dir, 'xmrig'));
      chmodSync(join(dir, 'xmrig'), 0o755);
      run(join(dir, 'xmrig'), ['--version']);
    },
  },
  {
    // A program of another name (the first matching rule wins, as in Falco) with a pool URL.
    name: 'stratum-command-line', rules: ['Crypto miner using the Stratum protocol'],
    run: ({ dir }) => {
      copyFileSync('/bin/true', join(dir, 'saker-generate-pool'));
      chmodSync(join(dir, 'saker-generate-pool'), 0o755);
      run(join(dir, 'saker-generate-pool'), ['-o', 'stratum+tcp://127.0.0.1:3333']);
    },
  },
  {
    name: 'execute-from-dev-shm', rules: ['Execution from /dev/shm'], unavailable: () => (existsSync('/dev/shm') ? undefined : 'needs /dev/shm'),
    run: ({ tag }) => {
      const p = `/dev/shm/saker-generate-${tag}`;
      copyFileSync('/bin/true', p);
      chmodSync(p, 0o755);
      try {
        run(p, []);
      } finally {
        rmSync(p, { force: true });
      }
    },
  },
  { name: 'search-private-keys', rules: ['Search for private keys or passwords'], unavailable: needs('find'), run: ({ dir }) => run('find', [dir, '-name', 'id_rsa']) },
  {
    name: 'remove-bulk-data', rules: ['Remove bulk data from disk'], unavailable: needs('shred'),
    run: ({ dir }) => {
      writeFileSync(join(dir, 'data'), 'scratch');
      run('shred', ['-u', join(dir, 'data')]);
    },
  },
  {
    name: 'unexpected-outbound-connection', rules: ['Unexpected outbound connection'],
    unavailable: () => (process.getuid?.() === 0 && which('unshare') && which('ip') ? undefined : 'needs root, unshare and ip (a network namespace of its own)'),
    run: () => outboundConnect(443),
  },
  { name: 'ptrace-attach', rules: ['Ptrace attached to a process'], unavailable: needs('python3'), run: () => run('python3', ['-c', PYTHON_PTRACE]) },
  { name: 'fileless-execution', rules: ['Fileless execution via memfd'], unavailable: needs('python3'), run: () => run('python3', ['-c', PYTHON_MEMFD]) },
  { name: 'bpf-program-load', rules: ['BPF program loaded'], unavailable: needs('python3'), run: () => run('python3', ['-c', PYTHON_BPF]) },
  {
    name: 'userfaultfd-as-nobody', rules: ['Non-root userfaultfd'],
    unavailable: () => {
      if (!which('python3')) return 'needs python3';
      const v = existsSync('/proc/sys/vm/unprivileged_userfaultfd') ? readFileSync('/proc/sys/vm/unprivileged_userfaultfd', 'utf8').trim() : '0';
      return v === '1' || kernelAtLeast(5, 11) ? undefined : 'vm.unprivileged_userfaultfd is 0 and the kernel is older than 5.11 (no user-mode-only userfaultfd): an unprivileged userfaultfd fails, and only a successful one is the rule';
    },
    run: () => run('python3', ['-c', PYTHON_USERFAULTFD]),
  },
  {
    name: 'mining-pool-connection', rules: ['Connection to a mining pool port'],
    unavailable: () => (process.getuid?.() === 0 && which('unshare') && which('ip') ? undefined : 'needs root, unshare and ip (a network namespace of its own)'),
    run: () => outboundConnect(3333),
  },
  {
    name: 'netcat-remote-shell', rules: ['Netcat remote shell'],
    unavailable: () => (existsSync('/bin/busybox') ? undefined : 'needs busybox (its nc, run as nc -e against a closed local port)'),
    // nc -e runs its program only once connected: port 9 on loopback refuses, nothing runs.
    run: ({ dir }) => {
      symlinkSync('/bin/busybox', join(dir, 'nc'));
      run(join(dir, 'nc'), ['-w', '1', '127.0.0.1', '9', '-e', '/bin/true']);
    },
  },
  {
    name: 'load-kernel-module', rules: ['Kernel module loaded'], unavailable: dummyModuleUnavailable,
    // The dummy network driver with no interfaces, unloaded at once.
    run: () => {
      run('modprobe', ['dummy', 'numdummies=0']);
      run('modprobe', ['-r', 'dummy']);
    },
  },
  {
    name: 'container-shell-and-tools', container: true, unavailable: containerUnavailable,
    rules: ['Shell spawned in a container', 'Package manager in a container', 'Network tool in a container'],
    // Each tool is the container's own process, started through its link: busybox's shell would
    // run an applet without an exec, which no exec rule can see.
    run: () => {
      runInContainer(['/bin/sh', '-c', 'true']);
      runInContainer(['/usr/bin/dpkg', '--version']);
      runInContainer(['/usr/bin/nc', '-w', '1', '127.0.0.1', '9']);
    },
  },
  {
    name: 'container-drop-and-execute', container: true, unavailable: containerUnavailable,
    rules: ['Drop and execute new binary in a container'],
    run: () => void runInContainer(['/bin/sh', '-c', 'cp /bin/busybox /tmp/dropped && /tmp/dropped true']),
  },
  {
    name: 'container-release-agent', container: true, unavailable: containerUnavailable,
    rules: ['Container escape via release_agent'],
    // A file named release_agent in the container's own /tmp: the rule watches the name.
    run: () => void runInContainer(['/bin/sh', '-c', 'echo 1 > /tmp/release_agent']),
  },
  {
    name: 'container-debugfs', container: true, unavailable: containerUnavailable,
    rules: ['Debugfs launched in a container'],
    // busybox run under the name debugfs: no such applet, it only says so.
    run: () => void runInContainer(['/bin/sh', '-c', 'ln -s /bin/busybox /tmp/debugfs; /tmp/debugfs; true']),
  },
  {
    name: 'container-read-environ', container: true, unavailable: containerUnavailable,
    rules: ['Read environment of another process in a container'],
    run: () => void runInContainer(['/bin/sh', '-c', 'sleep 5 & cat /proc/$!/environ > /dev/null; kill $!']),
  },
  {
    name: 'container-mount-and-unshare', container: true, unavailable: containerUnavailable,
    rules: ['Mount in a container', 'Namespace change in a container'],
    // CAP_SYS_ADMIN inside the container's own mount and UTS namespaces: a tmpfs mounted and
    // unmounted there, a new UTS namespace for one `true`.
    run: () => void runInContainer(['/bin/sh', '-c', 'mkdir -p /tmp/m && mount -t tmpfs none /tmp/m && umount /tmp/m; unshare -u true'], { caps: ['CAP_SYS_ADMIN'] }),
  },
  {
    name: 'container-network-tricks', container: true, unavailable: containerUnavailable,
    rules: ['Contact cloud metadata service from a container', 'Redirect standard streams to a network connection in a container', 'Packet socket created in a container'],
    // All inside the container's own network namespace (loopback only): the metadata address on
    // its loopback with a listener, nc -e to a local listener (dup2 of the socket onto 0-2), and
    // a packet socket (arping on loopback). CAP_NET_ADMIN/NET_RAW only there.
    run: () => void runInContainer(['/bin/sh', '-c', [
      'ip addr add 169.254.169.254/32 dev lo',
      '(nc -l -p 80 > /dev/null &)', '(nc -l -p 4444 > /dev/null &)', 'sleep 0.3',
      'nc -w 1 169.254.169.254 80 < /dev/null', 'nc -w 1 127.0.0.1 4444 -e /bin/true',
      'arping -c 1 -w 1 -I lo 127.0.0.1', 'true',
    ].join('; ')], { caps: ['CAP_NET_ADMIN', 'CAP_NET_RAW'] }),
  },
  {
    name: 'container-io-uring', container: true, unavailable: containerWith('python3'),
    rules: ['io_uring used in a container'],
    run: () => void runInContainer(['/usr/bin/python3', '-c', PYTHON_IO_URING], { hostUsr: true }),
  },
];

/** The actions named (or all), each with why it cannot run here if it cannot. */
export function selectActions(names: readonly string[], opts: { containerOnly?: boolean } = {}): Array<{ action: Action; skip?: string }> {
  const all = names.length === 0 || names.includes('all');
  const unknown = names.filter((n) => n !== 'all' && !ACTIONS.some((a) => a.name === n));
  if (unknown.length) throw new Error(`unknown action${unknown.length > 1 ? 's' : ''}: ${unknown.join(', ')} (saker generate --list shows them)`);
  return ACTIONS.filter((a) => (all || names.includes(a.name)) && (!opts.containerOnly || a.container)).map((action) => ({ action, skip: action.unavailable?.() }));
}

/** Runs one action in a scratch directory of its own. */
export function runAction(a: Action): void {
  const dir = mkdtempSync(join(tmpdir(), 'saker-generate-'));
  try {
    a.run({ dir, tag: randomBytes(4).toString('hex') });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

