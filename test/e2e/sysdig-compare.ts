// Side-by-side runs of `saker inspect` and `sysdig -r` over one capture, field by field, and the
// differences between them that are explained: sysdig 0.29 is older than the libs Saker follows.
//
// Why exit events, and why sysdig runs without `evt.dir=<`: Saker delivers one exit event per
// syscall (old captures' enter parameters merged into it, as current libscap converts them), so
// only exit events have a counterpart in both. sysdig is run over every event and its exit lines
// are picked afterwards, because filtering sysdig 0.29 with `evt.dir=<` changes its exit events:
// an enter event its filter rejects is forgotten, and the exit event then lacks what the enter
// event told (read's evt.category turns 'unknown', evt.buflen disappears).
import { execFileSync } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const SAKER = join(REPO, 'bin/saker.js');
const SEP = '\t';

/** `saker inspect ARGS`, stdout lines (throws with stderr if it fails). */
export function sakerLines(args: string[]): string[] {
  const out = execFileSync(process.execPath, [SAKER, 'inspect', ...args], { encoding: 'utf8', maxBuffer: 1 << 28, stdio: ['ignore', 'pipe', 'pipe'] });
  return out.split('\n').filter((l) => l !== '');
}

/** `sysdig -r FILE -p FORMAT [FILTER]` stdout lines. */
export function sysdigOut(file: string, format: string, filter?: string): string[] {
  const args = ['-r', file, '-p', format];
  if (filter) args.push(filter);
  return execFileSync('sysdig', args, { encoding: 'utf8', maxBuffer: 1 << 28, stdio: ['ignore', 'pipe', 'pipe'] }).split('\n').filter((l) => l !== '');
}

export interface EventRow {
  num: number;
  dir: string;
  tid: string;
  v: Record<string, string>;
}

function rows(lines: string[], fields: readonly string[]): EventRow[] {
  return lines.map((l) => {
    const parts = l.split(SEP);
    const v: Record<string, string> = {};
    fields.forEach((f, i) => void (v[f] = parts[i + 3] ?? ''));
    return { num: Number(parts[0]), dir: parts[1]!, tid: parts[2]!, v };
  });
}

function rowFormat(fields: readonly string[]): string {
  return `*${['%evt.num', '%evt.dir', '%thread.tid', ...fields.map((f) => `%${f}`)].join(SEP)}`;
}

/** Every event of the capture as sysdig sees it (enter and exit), with these fields. */
export function sysdigRows(file: string, fields: readonly string[]): EventRow[] {
  return rows(sysdigOut(file, rowFormat(fields)), fields);
}

/** Every event of the capture as saker inspect delivers it, with these fields. */
export function sakerRows(file: string, fields: readonly string[]): EventRow[] {
  return rows(sakerLines([file, '-p', rowFormat(fields)]), fields);
}

/** What one comparison knows about an exit event. */
export interface Pair {
  num: number;
  field: string;
  sd: EventRow;
  sk: EventRow;
  /** sysdig's enter event of the same syscall (same thread, just before), if any. */
  enter?: EventRow;
  /** The exit event is a generic one (a syscall without an event of its own). */
  generic: boolean;
}

export interface Rule {
  name: string;
  why: string;
  fields: readonly string[] | 'any';
  holds(p: Pair): boolean;
}

const NA = '<NA>';
const v = (r: EventRow | undefined, f: string): string | undefined => r?.v[f];

/**
 * The differences found between sysdig 0.29 and Saker (following current libs), each with the
 * reason. A field that differs on an event must be explained by one of these.
 */
export const RULES: Rule[] = [
  {
    name: 'ppid-of-unknown-parent',
    why: 'current libsinsp takes proc.ppid from the parent process found in the thread table and has no value without one; sysdig 0.29 printed the raw ptid (-1)',
    fields: ['proc.ppid'],
    holds: ({ sd, sk }) => sk.v['proc.ppid'] === NA && sd.v['proc.ppid'] === '-1',
  },
  {
    name: 'args-layout',
    why: "sysdig 0.29 ends evt.args with a space (libs drop it since); Saker's exit events carry the enter event's parameters and parameters added since 0.29 after sysdig's",
    fields: ['evt.args', 'evt.info'],
    holds: ({ sd, sk, field }) => {
      const a = sd.v[field]!.replace(/ $/, '');
      const b = sk.v[field]!;
      return b === a || a === '' || b.startsWith(`${a} `);
    },
  },
  {
    name: 'fd-arg-after-syscall',
    why: "evt.arg.fd, which sysdig 0.29 had on the enter event only, is rendered with the fd's state after the syscall (a connect or bind has named it by then)",
    fields: ['evt.arg.fd'],
    holds: ({ sd, sk, enter }) => {
      const after = /^<(\w+)>(.*)$/.exec(sk.v['evt.arg.fd']!);
      const before = /^<(\w+)>/.exec(v(enter, 'evt.arg.fd') ?? '');
      return sd.v['evt.arg.fd'] === NA && after !== null && before !== null && after[1]![0] === before[1]![0] && after[2] === sk.v['fd.name'];
    },
  },
  {
    name: 'parameter-added-since',
    why: 'a parameter libs added after sysdig 0.29 (socket flags ...): the converter gives old events its default value',
    fields: 'any',
    holds: ({ sd, sk, enter, field }) => {
      const m = /^evt\.arg\.(\w+)$/.exec(field);
      return m !== null && sd.v[field] === NA && sk.v[field] !== NA && !` ${sd.v['evt.args']}`.includes(` ${m[1]}=`) &&
        !` ${v(enter, 'evt.args') ?? ''}`.includes(` ${m[1]}=`);
    },
  },
  {
    name: 'fd-of-mmap',
    why: "mmap is an fd event in current libs (its exit carries the fd): every fd.* field has a value; sysdig 0.29 treated it as no fd event at all — its enter event named the same fd only as an argument",
    fields: ['fd.num', 'fd.name', 'fd.type', 'fd.typechar', 'fd.directory', 'fd.filename', 'fd.is_server', 'fd.connected', 'fd.uid', 'fd.name_changed', 'fd.l4proto', 'fd.sockfamily'],
    holds: ({ sd, sk, enter, field }) => {
      if (sd.v[field] !== NA || sd.v['fd.num'] !== NA || enter === undefined || enter.v['fd.num'] !== NA) return false;
      const arg = enter.v['evt.arg.fd'];
      return arg === `<${sk.v['fd.typechar']}>${sk.v['fd.name']}` || (sk.v['fd.num'] === '-1' && arg === 'EPERM');
    },
  },
  {
    name: 'generic-category',
    why: "a syscall without an event of its own arrives as a generic event, whose category is 'other' in current libs; sysdig 0.29 looked the syscall's category up",
    fields: ['evt.category'],
    holds: ({ sk, generic }) => generic && sk.v['evt.category'] === 'other',
  },
  {
    name: 'no-return-value',
    why: 'evt.failed has no value on an exit event without a return value (current libs); sysdig 0.29 said false',
    fields: ['evt.failed'],
    holds: ({ sd, sk }) => sd.v['evt.failed'] === 'false' && sk.v['evt.failed'] === NA && sk.v['evt.rawres'] === NA,
  },
  {
    name: 'placeholder-thread',
    why: 'a thread missing from the capture tables is a placeholder with pid -1 in current libs (so not a main thread, cwd ./); sysdig 0.29 gave it pid = tid and an empty cwd',
    fields: ['proc.pid', 'thread.ismain', 'proc.cwd'],
    holds: ({ sd, sk, field }) => sk.v['proc.pid'] === '-1' && sd.v['proc.pid'] === sk.v['thread.tid'] &&
      ((field === 'proc.pid') || (field === 'thread.ismain' && sk.v[field] === 'false') || (field === 'proc.cwd' && sk.v[field] === './' && sd.v[field] === '')),
  },
  {
    name: 'virtual-ids',
    why: "proc.vpid/thread.vtid: current libs set them for a placeholder that execs (vtid = tid, vpid = pid, outside a pid namespace) and keep -1 for one that does not (no value); sysdig 0.29 printed none, or -1",
    fields: ['proc.vpid', 'thread.vtid'],
    holds: ({ sd, sk, field }) => (sd.v[field] === NA && sk.v[field] === (field === 'proc.vpid' ? sk.v['proc.pid'] : sk.v['thread.tid'])) ||
      (sd.v[field] === '-1' && sk.v[field] === NA) || (sd.v[field] === NA && sk.v[field] === '-1' && sk.v['proc.pid'] === '-1'),
  },
  {
    name: 'parent-of-thread',
    why: "proc.pname/proc.pcmdline of a non-main thread describe the parent process (current libs: the process's ancestor); sysdig 0.29 took the thread's creator",
    fields: ['proc.pname', 'proc.pcmdline'],
    holds: ({ sk }) => sk.v['thread.ismain'] === 'false',
  },
  {
    name: 'gid-33-bits',
    why: 'sysdig 0.29 prints an unset gid of a cloned thread as a 33-bit number (0x1ffffffff); it is 0xffffffff',
    fields: ['group.gid'],
    holds: ({ sd, sk }) => BigInt(sd.v['group.gid']!) > 0xffffffffn && BigInt(sk.v['group.gid']!) === (BigInt(sd.v['group.gid']!) & 0xffffffffn),
  },
  {
    name: 'typechar-failed-open',
    why: "fd.typechar of a failed open(): current libs guess it from the event only for openat/openat2/creat, so 'o'; sysdig 0.29 said 'f'",
    fields: ['fd.typechar'],
    holds: ({ sd, sk }) => sk.v['evt.type'] === 'open' && sk.v['fd.num'] === '-1' && sd.v['fd.typechar'] === 'f' && sk.v['fd.typechar'] === 'o',
  },
  {
    name: 'failed-connect-name',
    why: "fd.name of a failed connect is the socket's name in current libs; sysdig 0.29 showed the tuple the connect tried",
    fields: ['fd.name'],
    holds: ({ sd, sk }) => sk.v['evt.type'] === 'connect' && sk.v['evt.rawres']!.startsWith('-') && sd.v['fd.name'] === sk.v['evt.arg.tuple'],
  },
  {
    name: 'udp-reconnect',
    why: 'a UDP socket connected again to another peer: current libs overwrite the destination, sysdig 0.29 kept the first one (and with it fd.is_server, which asks whether the server address is local)',
    fields: ['fd.name', 'fd.sip', 'fd.sport', 'fd.rip', 'fd.rport', 'fd.is_server', 'fd.lip', 'fd.lport', 'fd.name_changed'],
    holds: ({ sd, sk }) => sk.v['fd.l4proto'] === 'udp' && sd.v['fd.name'] !== sk.v['fd.name'] && sd.v['fd.name']!.split('->')[0] === sk.v['fd.name']!.split('->')[0],
  },
  {
    name: 'server-socket-client-port',
    why: 'fd.cport of a bound server socket has no value in current libs; sysdig 0.29 printed 0',
    fields: ['fd.cport'],
    holds: ({ sd, sk }) => sd.v['fd.cport'] === '0' && sk.v['fd.cport'] === NA && sk.v['fd.cip'] === NA && sk.v['fd.is_server'] === 'true',
  },
  {
    name: 'enter-parameters',
    why: "the exit event carries what sysdig 0.29 only had on the enter event (evt.arg.fd, size, ...; the fd of mmap/ioctl and so every fd.* field): Saker's value is sysdig's value on that enter event",
    fields: 'any',
    holds: ({ sd, sk, enter, field }) => enter !== undefined && sk.v[field] === v(enter, field) && sd.v[field] !== sk.v[field],
  },
];

export interface Comparison {
  /** Exit events compared. */
  events: number;
  /** Per field: values equal. */
  equal: Map<string, number>;
  /** Per rule: differences it explains. */
  explained: Map<string, number>;
  /** Differences nothing explains. */
  unexplained: string[];
  /** Exit events (evt.num) where a field differs, per field. */
  differs: Map<string, Set<number>>;
}

/**
 * Compares every exit event of a capture field by field. `generic` says which event numbers
 * Saker delivers as generic events.
 */
export function compareFields(sd: EventRow[], sk: EventRow[], fields: readonly string[], generic: ReadonlySet<number>): Comparison {
  const skByNum = new Map(sk.filter((r) => r.dir === '<').map((r) => [r.num, r]));
  const lastEnter = new Map<string, EventRow>();
  const c: Comparison = { events: 0, equal: new Map(), explained: new Map(), unexplained: [], differs: new Map() };
  for (const r of sd) {
    if (r.dir === '>') {
      lastEnter.set(`${r.tid} ${r.v['evt.type']}`, r);
      continue;
    }
    const s = skByNum.get(r.num);
    if (!s) {
      c.unexplained.push(`${r.num}: sysdig exit event missing from saker`);
      continue;
    }
    skByNum.delete(r.num);
    c.events++;
    const key = `${r.tid} ${r.v['evt.type']}`;
    const enter = lastEnter.get(key);
    lastEnter.delete(key);
    for (const field of fields) {
      if (r.v[field] === s.v[field]) {
        c.equal.set(field, (c.equal.get(field) ?? 0) + 1);
        continue;
      }
      let set = c.differs.get(field);
      if (!set) c.differs.set(field, (set = new Set()));
      set.add(r.num);
      const pair: Pair = { num: r.num, field, sd: r, sk: s, enter, generic: generic.has(r.num) };
      const rule = RULES.find((x) => (x.fields === 'any' || x.fields.includes(field)) && x.holds(pair));
      if (rule) c.explained.set(rule.name, (c.explained.get(rule.name) ?? 0) + 1);
      else c.unexplained.push(`${r.num} ${r.v['evt.type']} ${field}: sysdig '${r.v[field]}' saker '${s.v[field]}'`);
    }
  }
  for (const n of skByNum.keys()) c.unexplained.push(`${n}: saker exit event missing from sysdig`);
  return c;
}
