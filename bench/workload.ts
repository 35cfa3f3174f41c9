// A synthetic but realistic event mix for benchmarks: a small process tree (systemd → sshd →
// bash → workers, plus a container), then file opens and closes, process launches, network
// connections and reads in the proportions a busy host shows. Events are encoded once in the
// libs layout into one buffer, so a benchmark measures the engine, not the generator.
import { encodeEvent, eventCode, type ParamValue, EVENT_TABLE } from '../src/events/index.js';
import { encodeSockAddr, encodeSockTuple, type ThreadSnapshot } from '../src/state/index.js';

export interface Workload {
  records: Buffer;
  offsets: Uint32Array;
  count: number;
  threads: ThreadSnapshot[];
}

const CONTAINER_CGROUP = 'cpuset=/docker/4f1e1c7e2d9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c';

function snap(tid: number, ptid: number, comm: string, exepath: string, args: string[], extra: Partial<ThreadSnapshot> = {}): ThreadSnapshot {
  return {
    tid, pid: tid, ptid, sid: tid, vpgid: tid, pgid: tid, vtid: tid, vpid: tid, comm, exe: comm, exepath, args,
    env: ['PATH=/usr/bin:/bin', 'HOME=/root'], cwd: '/root', uid: 0, gid: 0, loginuid: 1000,
    capPermitted: 0x1ffffffffffn, capEffective: 0x1ffffffffffn, capInheritable: 0n, cgroups: [], tty: 0, ...extra,
  };
}

const FILES = [
  '/etc/ld.so.cache', '/lib/x86_64-linux-gnu/libc.so.6', '/usr/lib/locale/locale-archive', '/etc/passwd',
  '/proc/self/status', '/var/log/app.log', '/tmp/work.tmp', '/etc/nsswitch.conf', '/usr/share/zoneinfo/UTC',
  '/home/app/data.json', '/etc/hosts', '/dev/null', '/etc/resolv.conf', '/var/lib/app/state.db',
];
const COMMANDS: Array<[string, string, string[]]> = [
  ['ls', '/usr/bin/ls', ['-la']], ['cat', '/usr/bin/cat', ['/etc/hosts']], ['grep', '/usr/bin/grep', ['foo', 'bar.txt']],
  ['python3', '/usr/bin/python3', ['app.py']], ['sh', '/bin/sh', ['-c', 'true']], ['curl', '/usr/bin/curl', ['http://10.0.0.9/']],
];

/** Builds `count` events (deterministic). */
export function buildWorkload(count: number): Workload {
  const threads = [
    snap(1, 0, 'systemd', '/usr/lib/systemd/systemd', []),
    snap(100, 1, 'sshd', '/usr/sbin/sshd', ['-D']),
    snap(200, 100, 'bash', '/usr/bin/bash', []),
    snap(300, 1, 'containerd-shim', '/usr/bin/containerd-shim-runc-v2', []),
    snap(400, 300, 'nginx', '/usr/sbin/nginx', ['-g', 'daemon off;'], { cgroups: [CONTAINER_CGROUP] }),
  ];
  const workers = [200, 400];
  for (let i = 0; i < 8; i++) {
    const tid = 1000 + i;
    const parent = workers[i % 2]!;
    threads.push(snap(tid, parent, i % 2 ? 'worker' : 'java', i % 2 ? '/usr/bin/worker' : '/usr/bin/java', ['-x'], parent === 400 ? { cgroups: [CONTAINER_CGROUP] } : {}));
  }
  const tids = threads.filter((t) => t.tid >= 1000).map((t) => t.tid);
  const codes = {
    openat: eventCode('openat'), close: eventCode('close'), read: eventCode('read'), execve: eventCode('execve'),
    connect: eventCode('connect'), socket: eventCode('socket'), clone: eventCode('clone'), procexit: EVENT_TABLE.findIndex((e) => e.id === 'PPME_PROCEXIT_1_E'), sendto: eventCode('sendto'),
  };
  const parts: Buffer[] = [];
  let ts = 1_700_000_000_000_000_000n;
  const push = (type: number, tid: number, params: ParamValue[]) => {
    ts += 1000n;
    parts.push(encodeEvent({ ts, tid, type, params }));
  };
  let nextPid = 5000;
  let rnd = 12345;
  const rand = (n: number) => {
    rnd = (rnd * 1103515245 + 12345) & 0x7fffffff;
    return rnd % n;
  };
  while (parts.length < count) {
    const tid = tids[rand(tids.length)]!;
    const r = rand(100);
    if (r < 40) {
      const fd = 10 + rand(20);
      const path = FILES[rand(FILES.length)]!;
      const write = path.startsWith('/tmp') || path.startsWith('/var/log') ? 2 : 1;
      push(codes.openat, tid, [fd, -100, path, write, 0, 0x803, 1000 + rand(99999)]);
      push(codes.read, tid, [512, Buffer.alloc(16, 0x61), fd, 512]);
      push(codes.close, tid, [0, fd]);
    } else if (r < 55) {
      push(codes.read, tid, [128, Buffer.alloc(16, 0x62), 0, 128]);
    } else if (r < 62) {
      const fd = 40 + rand(10);
      push(codes.socket, tid, [fd, 2, 1, 0, 0]);
      const dport = [80, 443, 5432, 6379][rand(4)]!;
      const dip = rand(2) ? '10.0.0.9' : '192.0.2.7';
      push(codes.connect, tid, [0, encodeSockTuple({ sip: '10.0.0.2', sport: 30000 + rand(20000), dip, dport }), fd, encodeSockAddr({ ip: dip, port: dport })]);
      push(codes.sendto, tid, [64, Buffer.alloc(16, 0x63), fd, 64, null]);
      push(codes.close, tid, [0, fd]);
    } else if (r < 66) {
      // A short-lived child: clone in the parent and the child, execve, exit.
      const child = nextPid++;
      const [comm, path, args] = COMMANDS[rand(COMMANDS.length)]!;
      push(codes.clone, tid, [child, 'worker', Buffer.from(''), tid, tid, 1, '/root', 1024, 0, 0, 0, 0, 0, 'worker', Buffer.from(''), 0, 0, 0, child, child, 0n]);
      push(codes.clone, child, [0, 'worker', Buffer.from(''), child, child, tid, '/root', 1024, 0, 0, 0, 0, 0, 'worker', Buffer.from(''), 0, 0, 0, child, child, 0n]);
      push(codes.execve, child, [0, comm, Buffer.from(`${args.join('\0')}\0`), child, child, tid, '/root', 1024, 0, 0, 0, 0, 0, comm,
        Buffer.from(''), Buffer.from('PATH=/usr/bin\0'), 0, child, 1000, 0, 0n, 0n, 0n, 1234, 0n, 0n, 0, path, child, 0, path]);
      push(codes.openat, child, [3, -100, '/etc/ld.so.cache', 1, 0, 0x803, 77]);
      push(codes.close, child, [0, 3]);
      push(codes.procexit, child, [0, 0, 0, 0, 0]);
    } else {
      push(codes.read, tid, [4096, Buffer.alloc(16, 0x64), 1, 4096]);
    }
  }
  parts.length = count;
  const records = Buffer.concat(parts);
  const offsets = new Uint32Array(count);
  let off = 0;
  parts.forEach((p, i) => {
    offsets[i] = off;
    off += p.length;
  });
  return { records, offsets, count, threads };
}
