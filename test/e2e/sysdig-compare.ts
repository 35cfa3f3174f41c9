// Side-by-side runs of `saker inspect` and `sysdig -r` over one capture, field by field, and the
// differences between them that are explained: sysdig 0.29 is older than the libs Saker follows.
// What each rule says libs does is what libs master does, measured: inspect.test.ts checks, on every
// event a rule explains, that Saker's value is libs master's (the field oracle's fixtures from
// sinsp-example, test/fixtures/oracle); field-oracle.test.ts compares every field with libs directly.
//
// Why exit events, and why sysdig runs without `evt.dir=<`: Saker delivers one exit event per
// syscall (old captures' enter parameters merged into it, as libs mastercap converts them), so
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
  /** The event code (set by callers that know it: the live comparison). */
  code?: number;
}

/** Lines of `-p` output, one per event: a value with a newline in it (a command line ...)
 *  continues its event's line. */
function eventLines(lines: string[]): string[] {
  const out: string[] = [];
  for (const l of lines) {
    if (/^\d+\t/.test(l) || out.length === 0) out.push(l);
    else out[out.length - 1] += `\n${l}`;
  }
  return out;
}

function rows(lines: string[], fields: readonly string[]): EventRow[] {
  return eventLines(lines).map((l) => {
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
  /** Saker's earlier exit events of the same thread, oldest first. */
  before: readonly EventRow[];
  /** Saker's earlier exit events of the same process (by proc.pid when compared, else thread). */
  inProcess: readonly EventRow[];
  /** Saker's earlier exit events, all threads. */
  earlier: readonly EventRow[];
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
 * The differences found between sysdig 0.29 and Saker (following libs master), each with the
 * reason. A field that differs on an event must be explained by one of these.
 */
export const RULES: Rule[] = [
  {
    name: 'ppid-of-unknown-parent',
    why: 'libsinsp master takes proc.ppid from the parent process found in the thread table and has no value without one; sysdig 0.29 printed the raw ptid (-1)',
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
    why: "mmap is an fd event in libs master (its exit carries the fd): every fd.* field has a value; sysdig 0.29 treated it as no fd event at all — its enter event named the same fd only as an argument",
    fields: ['fd.num', 'fd.name', 'fd.type', 'fd.typechar', 'fd.directory', 'fd.filename', 'fd.is_server', 'fd.connected', 'fd.uid', 'fd.name_changed', 'fd.l4proto', 'fd.sockfamily'],
    holds: ({ sd, sk, enter, field }) => {
      if (sd.v[field] !== NA || sd.v['fd.num'] !== NA || enter === undefined || enter.v['fd.num'] !== NA) return false;
      const arg = enter.v['evt.arg.fd'];
      return arg === `<${sk.v['fd.typechar']}>${sk.v['fd.name']}` || (sk.v['fd.num'] === '-1' && arg === 'EPERM');
    },
  },
  {
    name: 'generic-category',
    why: "a syscall without an event of its own arrives as a generic event, whose category is 'other' in libs master; sysdig 0.29 looked the syscall's category up",
    fields: ['evt.category'],
    holds: ({ sk, generic }) => generic && sk.v['evt.category'] === 'other',
  },
  {
    name: 'no-return-value',
    why: 'evt.failed has no value on an exit event without a return value (libs master); sysdig 0.29 said false',
    fields: ['evt.failed'],
    holds: ({ sd, sk }) => sd.v['evt.failed'] === 'false' && sk.v['evt.failed'] === NA && sk.v['evt.rawres'] === NA,
  },
  {
    name: 'placeholder-thread',
    why: 'a thread missing from the capture tables is a placeholder with pid -1 in libs master (so not a main thread, cwd ./); sysdig 0.29 gave it pid = tid and an empty cwd',
    fields: ['proc.pid', 'thread.ismain', 'proc.cwd'],
    holds: ({ sd, sk, field }) => sk.v['proc.pid'] === '-1' && sd.v['proc.pid'] === sk.v['thread.tid'] &&
      ((field === 'proc.pid') || (field === 'thread.ismain' && sk.v[field] === 'false') || (field === 'proc.cwd' && sk.v[field] === './' && sd.v[field] === '')),
  },
  {
    name: 'virtual-ids',
    why: "proc.vpid/thread.vtid: libs master set them for a placeholder that execs (vtid = tid, vpid = pid, outside a pid namespace) and keep -1 for one that does not (no value); sysdig 0.29 printed none, or -1",
    fields: ['proc.vpid', 'thread.vtid'],
    holds: ({ sd, sk, field }) => (sd.v[field] === NA && sk.v[field] === (field === 'proc.vpid' ? sk.v['proc.pid'] : sk.v['thread.tid'])) ||
      (sd.v[field] === '-1' && sk.v[field] === NA) || (sd.v[field] === NA && sk.v[field] === '-1' && sk.v['proc.pid'] === '-1'),
  },
  {
    name: 'parent-of-thread',
    why: "proc.pname/proc.pcmdline of a non-main thread describe the parent process (libs master: the process's ancestor); sysdig 0.29 took the thread's creator",
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
    why: "fd.typechar of a failed open(): libs master guess it from the event only for openat/openat2/creat, so 'o'; sysdig 0.29 said 'f'",
    fields: ['fd.typechar'],
    holds: ({ sd, sk }) => sk.v['evt.type'] === 'open' && sk.v['fd.num'] === '-1' && sd.v['fd.typechar'] === 'f' && sk.v['fd.typechar'] === 'o',
  },
  {
    name: 'failed-connect-name',
    why: "fd.name of a failed connect is the socket's name in libs master; sysdig 0.29 showed the tuple the connect tried",
    fields: ['fd.name'],
    holds: ({ sd, sk }) => sk.v['evt.type'] === 'connect' && sk.v['evt.rawres']!.startsWith('-') && sd.v['fd.name'] === sk.v['evt.arg.tuple'],
  },
  {
    name: 'udp-reconnect',
    why: 'a UDP socket connected again to another peer: libs master overwrite the destination, sysdig 0.29 kept the first one (and with it fd.is_server, which asks whether the server address is local)',
    fields: ['fd.name', 'fd.sip', 'fd.sport', 'fd.rip', 'fd.rport', 'fd.is_server', 'fd.lip', 'fd.lport', 'fd.name_changed'],
    holds: ({ sd, sk }) => sk.v['fd.l4proto'] === 'udp' && sd.v['fd.name'] !== sk.v['fd.name'] && sd.v['fd.name']!.split('->')[0] === sk.v['fd.name']!.split('->')[0],
  },
  {
    name: 'udp-sendto-address',
    why: "a sendto with an address on a UDP socket: libs master's update_fd sets the destination from it, so the name changes when the address differs from the previous one (fd.name_changed true, as the oracle fixtures show); sysdig 0.29 kept the socket's name",
    fields: ['fd.name_changed'],
    holds: ({ sd, sk }) => (sk.v['evt.type'] === 'sendto' || sk.v['evt.type'] === 'sendmsg') && sk.v['fd.l4proto'] === 'udp' && sd.v['fd.name_changed'] === 'false' && sk.v['fd.name_changed'] === 'true',
  },
  {
    name: 'server-socket-client-port',
    why: 'fd.cport of a bound server socket has no value in libs master; sysdig 0.29 printed 0',
    fields: ['fd.cport'],
    holds: ({ sd, sk }) => sd.v['fd.cport'] === '0' && sk.v['fd.cport'] === NA && sk.v['fd.cip'] === NA && sk.v['fd.is_server'] === 'true',
  },
  {
    name: 'empty-parameter-and-enum-names',
    why: "libs master print an empty buffer (a read of 0 bytes), tuple, fd list or string array as NULL and any other empty parameter, an address included, as <NA> (sysdig 0.29: nothing, and NULL for an address); an enum value with two names (socket families) gets both, AF_LOCAL|AF_UNIX (sysdig 0.29: the first)",
    fields: 'any',
    holds: ({ sd, sk, field }) => {
      const same = (a: string, b: string): boolean => a === b || (a === '' && b === 'NULL') || (a === 'NULL' && b === '<NA>') ||
        (/^\d+\([\w|]+\)$/.test(b) && b.startsWith(a.slice(0, -1)) && b[a.length - 1] === '|');
      const a = sd.v[field];
      const b = sk.v[field];
      if (a === undefined || b === undefined) return false;
      if (field !== 'evt.args' && field !== 'evt.info') return same(a, b);
      const split = (x: string) => x.replace(/ $/, '').split(/ (?=[\w[\]]+=)/);
      const ta = split(a);
      const tb = split(b);
      return ta.length <= tb.length && ta.every((t, i) => {
        const eq = t.indexOf('=');
        return tb[i]!.slice(0, eq + 1) === t.slice(0, eq + 1) && same(t.slice(eq + 1), tb[i]!.slice(eq + 1));
      });
    },
  },
  {
    name: 'fdopencount-of-a-placeholder',
    why: "libs master counts the fds of the main thread's table (threadinfo.cpp get_fd_opencount): a thread whose process the capture never described (pid -1) has no main thread, so 0; sysdig 0.29 counted the thread's own table",
    fields: ['proc.fdopencount'],
    holds: ({ sd, sk }) => sk.v['proc.fdopencount'] === '0' && sd.v['proc.fdopencount'] !== '0' && (sk.v['proc.pid'] ?? '-1') === '-1',
  },
  {
    name: 'mmap-res-in-decimal',
    why: "libs master prints an ERRNO parameter in decimal whatever its print format (event.cpp PT_ERRNO), mmap's PF_HEX res included; sysdig 0.29 had mmap's res as a hex UINT64 (its exit event then ended after vm_swap)",
    fields: ['evt.args', 'evt.info', 'evt.arg.res', 'evt.arg[0]'],
    holds: ({ sd, sk, field }) => {
      if (!/^mmap2?$/.test(sk.v['evt.type'] ?? '')) return false;
      const hex = (dec: string): string => (/^\d+$/.test(dec) ? BigInt(dec).toString(16).toUpperCase() : dec);
      const mine = sk.v[field] ?? '';
      if (field === 'evt.arg.res' || field === 'evt.arg[0]') return hex(mine) === sd.v[field];
      return mine.replace(/^res=(\d+)/, (_, d: string) => `res=${hex(d)}`).startsWith((sd.v[field] ?? '').trimEnd());
    },
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
  /** Each explained difference: event, field, the rule that explains it and Saker's value (checked against libs master). */
  explainedAt: Array<{ num: number; field: string; rule: string; saker: string }>;
}

/**
 * Compares every exit event of a capture field by field. `generic` says which event numbers
 * Saker delivers as generic events.
 */
export function compareFields(
  sd: EventRow[], sk: EventRow[], fields: readonly string[], generic: ReadonlySet<number>, rules: readonly Rule[] = RULES,
): Comparison {
  const skByNum = new Map(sk.filter((r) => r.dir === '<').map((r) => [r.num, r]));
  const skEnter = new Map(sk.filter((r) => r.dir === '>').map((r) => [r.num, r]));
  const lastEnter = new Map<string, EventRow>();
  const history = new Map<string, EventRow[]>();
  const earlier: EventRow[] = [];
  const c: Comparison = { events: 0, equal: new Map(), explained: new Map(), unexplained: [], differs: new Map(), explainedAt: [] };
  for (const r of sd) {
    if (r.dir === '>') {
      const mine = skEnter.get(r.num);
      if (mine) earlier.push(mine);
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
    const before = history.get(s.tid) ?? [];
    const pkey = `p${s.v['proc.pid'] ?? s.tid}`;
    const inProcess = history.get(pkey) ?? [];
    for (const field of fields) {
      if (r.v[field] === s.v[field]) {
        c.equal.set(field, (c.equal.get(field) ?? 0) + 1);
        continue;
      }
      let set = c.differs.get(field);
      if (!set) c.differs.set(field, (set = new Set()));
      set.add(r.num);
      const pair: Pair = { num: r.num, field, sd: r, sk: s, enter, generic: generic.has(r.num), before, inProcess, earlier };
      const rule = rules.find((x) => (x.fields === 'any' || x.fields.includes(field)) && x.holds(pair));
      if (rule) {
        c.explained.set(rule.name, (c.explained.get(rule.name) ?? 0) + 1);
        c.explainedAt.push({ num: r.num, field, rule: rule.name, saker: s.v[field]! });
      } else c.unexplained.push(`${r.num} ${r.v['evt.type']} ${field}: sysdig '${r.v[field]}' saker '${s.v[field]}'`);
    }
    for (const [k, list] of [[s.tid, before], [pkey, inProcess]] as const) {
      if (!history.has(k)) history.set(k, list);
      list.push(s);
    }
    earlier.push(s);
  }
  for (const n of skByNum.keys()) c.unexplained.push(`${n}: saker exit event missing from sysdig`);
  return c;
}

const FD_STATE = ['fd.num', 'fd.name', 'fd.type', 'fd.typechar', 'fd.directory', 'fd.filename', 'fd.is_server', 'fd.connected', 'fd.uid',
  'fd.name_changed', 'fd.l4proto', 'fd.sockfamily', 'fd.sip', 'fd.sport', 'fd.cip', 'fd.cport', 'fd.lip', 'fd.rip', 'fd.lport', 'fd.rport'];
/** `x(<f>name)` annotations of fd-valued parameters in evt.args, for fds sysdig does not know. */
const FD_NOTE = /(=-?\d+)\(<[^>]*>[^ ]*?\)(?= [\w[\]]+=|$)/g;
const sameArgs = (sd: string, sk: string): boolean => {
  const a = sd.replace(/ $/, '');
  return sk === a || sk.startsWith(`${a} `);
};

/**
 * More differences, seen on captures recorded by Saker (exit events only, as current drivers
 * write them, some of codes sysdig 0.29 does not know): sysdig 0.29 needs enter events for part
 * of its state. These apply on top of RULES.
 */
export const EXIT_ONLY_RULES: Rule[] = [
  {
    name: 'stale-fd-without-enter',
    why: "sysdig 0.29 takes an exit event's fd from the enter event before it and, with none, does not apply the exit event to its fd table (a close leaves the fd, socket/fcntl/pipe2/dup2 add none): it shows the fd its thread's last opened one (that event's values), or none",
    fields: [...FD_STATE, 'evt.category'],
    holds: ({ sd, sk, field, inProcess }) => {
      if (sd.v[field] === NA || (field === 'evt.category' && sd.v[field] === 'unknown')) return true;
      if (field === 'evt.category') return false;
      // Another fd than the event's: the thread's last one (0 before it has used any).
      if (sd.v['fd.num'] !== sk.v['fd.num']) return true;
      // The same number: an older fd of that number (a close sysdig did not apply), or one from the process table.
      return inProcess.some((b) => b.v['fd.num'] === sd.v['fd.num'] && b.v[field] === sd.v[field]) ||
        !inProcess.some((b) => b.v['fd.num'] === sd.v['fd.num']);
    },
  },
  {
    name: 'fd-unknown-to-sysdig',
    why: "an fd parameter is rendered with sysdig 0.29's fd table, which an exit-only capture leaves stale (stale-fd-without-enter): a bare number where it has no fd, another fd's type and name where it missed a close or dup2",
    fields: 'any',
    holds: ({ sd, sk, field }) => {
      if (!/^(-?\d+|<\w*>.*)$/.test(sd.v[field]!) || !/^<\w*>/.test(sk.v[field]!)) return false;
      const name = /^evt\.arg\.(\w+)$/.exec(field)?.[1] ?? '[\\w]+';
      return new RegExp(`(^| )${name}=-?\\d+\\(<`).test(sk.v['evt.args'] ?? '');
    },
  },
  {
    name: 'args-since-0.29',
    why: "evt.args: fd parameters sysdig 0.29 has no fd for are bare numbers (fd-unknown-to-sysdig); execve's 17th parameter is vpgid now (pgid in 0.29), loginuid a uid printed with its name; flag names and parameters added since (args-layout, flag-added-since)",
    fields: ['evt.args', 'evt.info'],
    holds: ({ sd, sk, field }) => {
      const a = sd.v[field]!.replace(/ $/, '').replaceAll(/\/(?=\) | |\)$)/g, '');
      const b = sk.v[field]!.replaceAll('|O_F_CREATED', '').replace(' vpgid=', ' pgid=').replace('loginuid=-1(<NONE>)', 'loginuid=-1')
        .replaceAll(/\/(?=\) | |\)$)/g, '');
      return sameArgs(a, b) || sameArgs(a, b.replace(FD_NOTE, '$1')) || sameArgs(a.replace(FD_NOTE, '$1'), b.replace(FD_NOTE, '$1'));
    },
  },
  {
    name: 'flag-added-since',
    why: 'O_F_CREATED (the open created the file) is a flag libs added after sysdig 0.29: same value, one more name',
    fields: ['evt.arg.flags'],
    holds: ({ sd, sk }) => sk.v['evt.arg.flags'] === `${sd.v['evt.arg.flags']}|O_F_CREATED`,
  },
  {
    name: 'relative-path-trailing-slash',
    why: "a relative path ending in '/' keeps the slash when libs master join it to the directory; sysdig 0.29 dropped it",
    fields: ['evt.arg.name', 'evt.arg.path', 'evt.arg.pathname', 'evt.arg.filename'],
    holds: ({ sd, sk, field }) => sk.v[field] === `${sd.v[field]}/`,
  },
  {
    name: 'deleted-exepath',
    why: "libs master strip ' (deleted)' from an executable path read from /proc (the process table); sysdig 0.29 kept it",
    fields: ['proc.exepath', 'proc.pexepath'],
    holds: ({ sd, sk, field }) => sd.v[field] === `${sk.v[field]} (deleted)`,
  },
  {
    name: 'exepath-from-enter',
    why: "sysdig 0.29 takes the new proc.exepath of an execve from its enter event: without one the process keeps the path it had (its parent's, after a clone); libs master take the exit event's trusted_exepath",
    fields: ['proc.exepath', 'proc.pexepath', 'proc.aexepath[1]'],
    holds: ({ sd, sk, field, earlier }) => sd.v['proc.name'] === sk.v['proc.name'] && [sk, ...earlier].some((b) => b.v['evt.type'] === 'execve' && b.v['proc.exepath'] === sk.v['proc.exepath']) &&
      earlier.some((b) => b.v['proc.exepath'] === sd.v[field]),
  },
  {
    name: 'exited-thread-named',
    why: "a pid parameter naming a thread that has exited before the event (a vfork child): libs master have removed the thread and print the bare pid; sysdig 0.29 still had it (it keeps a thread with children) and adds its name",
    fields: 'any',
    holds: ({ sd, sk, field, earlier }) => {
      const pid = /(?:^| )res=(\d+) /.exec(sk.v['evt.args'] ?? '')?.[1];
      if (pid === undefined || !earlier.some((b) => b.tid === pid && b.v['evt.type'] === 'procexit')) return false;
      if (field === 'evt.args' || field === 'evt.info') return sameArgs(sd.v[field]!.replace(`res=${pid}(`, 'res=('), sk.v[field]!.replace(`res=${pid} `, 'res=( ').replace(/res=\( /, `res=(${sd.v[field]!.match(new RegExp(`res=${pid}\\(([^)]*)\\)`))?.[1]}) `));
      return sk.v[field] === pid;
    },
  },
  {
    name: 'null-string-parameter',
    why: "current drivers write a NULL string argument (mount's source and type ...) as an empty parameter, printed <NA>; sysdig 0.29 reads it as a C string and runs into the next parameter",
    fields: ['evt.args', 'evt.info', 'evt.arg.dev', 'evt.arg.type'],
    holds: ({ sd, sk, field }) => {
      if (!sk.v[field]!.includes('<NA>')) return false;
      const split = (x: string) => x.replace(/ $/, '').split(/ (?=[\w[\]]+=)/);
      const a = split(sd.v[field]!);
      const b = split(sk.v[field]!);
      return a.length <= b.length && a.every((t, i) => t === b[i] || (b[i]!.endsWith('=<NA>') && t.startsWith(b[i]!.slice(0, -4))));
    },
  },
  {
    name: 'parent-not-in-table',
    why: 'a process whose parent is not in the process list (it could not be read) gets ptid 0 in libs master; sysdig 0.29 kept the ptid the table gave',
    fields: ['proc.ppid'],
    holds: ({ sk }) => sk.v['proc.ppid'] === '0',
  },
  {
    name: 'credentials-from-enter',
    why: "sysdig 0.29 takes the new uid of setuid/setresuid from the enter event, so an exit-only capture never changes its user; libs master take the exit event's euid (-1 for setresuid(-1, -1, -1): an unknown user)",
    fields: ['user.uid', 'user.name', 'user.homedir', 'user.shell'],
    holds: ({ sk, before }) => [sk, ...before].some((b) => /^set(res|re)?uid$/.test(b.v['evt.type']!) && b.v['evt.res'] === 'SUCCESS') &&
      (sk.v['user.uid'] === '4294967295' || [sk, ...before].some((b) => b.v['evt.args']!.includes(`uid=${sk.v['user.uid']}`))),
  },
];

/** Events where any of `fields` differs between the two tools (each difference explained). */
export function outside(c: Comparison, fields: readonly string[]): Set<number> {
  const s = new Set<number>();
  for (const f of fields) for (const n of c.differs.get(f) ?? []) s.add(n);
  return s;
}

/** FORMAT with %evt.dir in front (after a leading '*'), so exit lines can be picked out. */
export function withDir(format: string): string {
  const star = format.startsWith('*');
  return `${star ? '*' : ''}%evt.dir ${star ? format.slice(1) : format}`;
}
