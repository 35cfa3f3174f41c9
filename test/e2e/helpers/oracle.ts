// The field oracle's shared pieces: which fields are asked of libs' sinsp-example and of
// `saker inspect`, the one -p/-o format both print them with, how that output is cut into rows,
// and where the fixtures live. scripts/oracle/generate.ts writes the fixtures with these; the
// oracle tests read them back, so both sides always parse the same way.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { repoRoot } from './env.js';

export const ORACLE_DIR = join(repoRoot, 'test', 'fixtures', 'oracle');
/** Captures Saker recorded for the oracle (committed, gzip). */
export const CAPTURES_DIR = join(ORACLE_DIR, 'captures');

/**
 * The fields compared: every field Saker implements whose value libs' core computes without a
 * plugin (container.* and k8s.* come from the container plugin: the alert oracle covers them),
 * less those libs only allows in filters (fd.ip, fd.port, fd.net ...) and the reverse-DNS
 * names. evt.num comes first: rows are matched by it.
 */
export const ORACLE_FIELDS: readonly string[] = [
  'evt.num', 'evt.type', 'evt.dir', 'evt.time', 'evt.time.s', 'evt.time.iso8601', 'evt.datetime', 'evt.datetime.s', 'evt.rawtime',
  'evt.rawtime.s', 'evt.rawtime.ns', 'syscall.type', 'evt.category', 'evt.cpu', 'evt.args', 'evt.info', 'evt.res', 'evt.rawres',
  'evt.failed', 'evt.arg.fd', 'evt.arg.name', 'evt.arg.res', 'evt.arg.flags', 'evt.arg.size', 'evt.arg.data', 'evt.arg.tuple',
  'evt.arg.addr', 'evt.arg.uid', 'evt.arg.path', 'evt.arg[0]', 'evt.arg[1]', 'evt.rawarg.res', 'evt.rawarg.fd', 'evt.rawarg.flags', 'evt.buffer',
  'evt.buflen', 'evt.is_io', 'evt.is_io_read', 'evt.is_io_write', 'evt.io_dir', 'evt.is_wait', 'evt.count', 'evt.count.error',
  'evt.count.exit', 'evt.is_open_read', 'evt.is_open_write', 'evt.is_open_exec', 'evt.is_open_create', 'evt.latency',
  'evt.source', 'evt.is_async',
  'proc.exe', 'proc.pexe', 'proc.aexe[2]', 'proc.exepath', 'proc.pexepath', 'proc.aexepath[2]', 'proc.name', 'proc.pname',
  'proc.aname[2]', 'proc.args', 'proc.cmdline', 'proc.pcmdline', 'proc.acmdline[2]', 'proc.cmdnargs', 'proc.cmdlenargs',
  'proc.exeline', 'proc.env', 'proc.cwd', 'proc.tty', 'proc.pid', 'proc.ppid', 'proc.apid[2]', 'proc.vpid', 'proc.pvpid',
  'proc.sid', 'proc.sname', 'proc.sid.exe', 'proc.sid.exepath', 'proc.vpgid', 'proc.vpgid.name', 'proc.vpgid.exe', 'proc.pgid',
  'proc.pgid.name', 'proc.duration', 'proc.ppid.duration', 'proc.pid.ts', 'proc.ppid.ts', 'proc.is_exe_writable',
  'proc.is_exe_upper_layer', 'proc.is_exe_lower_layer', 'proc.is_exe_from_memfd', 'proc.is_sid_leader', 'proc.is_vpgid_leader',
  'proc.is_pgid_leader', 'proc.exe_ino', 'proc.exe_ino.ctime', 'proc.exe_ino.mtime', 'proc.pidns_init_start_ts',
  'proc.fdopencount', 'proc.stdin.type', 'proc.stdout.type', 'proc.stderr.type', 'proc.stdin.name', 'proc.stdout.name',
  'proc.stderr.name',
  'thread.tid', 'thread.ismain', 'thread.vtid', 'thread.cap_permitted', 'thread.cap_inheritable', 'thread.cap_effective',
  'thread.cgroups',
  'fd.num', 'fd.type', 'fd.typechar', 'fd.name', 'fd.directory', 'fd.filename', 'fd.cip', 'fd.sip', 'fd.lip', 'fd.rip',
  'fd.cport', 'fd.sport', 'fd.lport', 'fd.rport', 'fd.l4proto', 'fd.sockfamily', 'fd.is_server', 'fd.uid', 'fd.connected',
  'fd.name_changed', 'fd.dev', 'fd.dev.major', 'fd.dev.minor', 'fd.ino', 'fd.nameraw', 'fd.is_upper_layer', 'fd.is_lower_layer',
  'user.uid', 'user.name', 'user.homedir', 'user.shell', 'user.loginuid', 'user.loginname', 'group.gid', 'group.name',
];

/** Starts every event's record (values may hold newlines, so lines cannot be records). */
const RS = '\x1e';
/** Separates the values of one record. */
const US = '\x1f';

/** The format given to both tools: '*' so a field without a value prints <NA> instead of dropping the line. */
export function oracleFormat(fields: readonly string[]): string {
  return `*${RS}${fields.map((f) => `%${f}`).join(US)}`;
}

/** Rows of values (in `fields` order) from either tool's output; other lines (sinsp-example's "-- ..." banners) are dropped. */
export function parseOracleOutput(out: string, fields: readonly string[]): string[][] {
  const rows: string[][] = [];
  const records = out.split(RS);
  for (let i = 1; i < records.length; i++) {
    let r = records[i]!;
    // The record ends with the newline the tool printed after it, and may be followed by a banner line.
    const last = r.lastIndexOf(US);
    const nl = r.indexOf('\n', last === -1 ? 0 : last);
    if (nl !== -1) r = r.slice(0, nl);
    const values = r.split(US);
    if (values.length !== fields.length) throw new Error(`record ${i}: ${values.length} values for ${fields.length} fields: ${JSON.stringify(r.slice(0, 200))}`);
    rows.push(values);
  }
  return rows;
}

/** What the generation script writes per capture: libs' answer for every event. */
export interface FieldFixture {
  /** File name of the capture (in ../shared/peers/scap, or in CAPTURES_DIR). */
  capture: string;
  origin: 'peer' | 'saker';
  sha256: string;
  fields: string[];
  /** The filter both tools print with (state is rebuilt from every event either way), or none. */
  filter?: string;
  /** The command that printed `rows`. */
  command: string;
  rows: string[][];
}

/**
 * Filters for captures too large to compare event by event in full: the alert capture is mostly
 * runc setting containers up and the test runner's node; what is left has the triggers.
 */
export const ORACLE_FILTERS: Readonly<Record<string, string>> = {
  'live-alerts.scap.gz': 'not proc.name in (runc, node) and not proc.name startswith "runc:"',
};

/** Alerts Falco raised replaying one capture (its JSON lines, parsed). */
export interface AlertFixture {
  capture: string;
  sha256: string;
  command: string;
  /** Falco's summary: rule -> count. */
  counts: Record<string, number>;
  /** Rules whose compiled condition reads container-scoped fields: container.*, k8s.*, user/group names (Falco's `-L` inventory). */
  containerRules: string[];
  alerts: FalcoAlert[];
}

export interface FalcoAlert {
  time: string;
  rule: string;
  priority: string;
  output: string;
  output_fields: Record<string, string | number | boolean | null | string[]>;
  source?: string;
  tags?: string[];
  hostname?: string;
}

/** Versions and commands of the oracle the fixtures came from (ORACLE_DIR/meta.json). */
export interface OracleMeta {
  generated: string;
  falco: string;
  falcoCommit: string;
  libsCommit: string;
  containerPlugin: string;
  versionsFile: string;
  script: string;
  /** The falco command line the falco-replay wrapper (named in the alert fixtures' commands) runs. */
  falcoReplay: string;
  /** The exact command behind each fixture (fields/NAME.json.gz, alerts/NAME.json.gz). */
  commands: Record<string, string>;
}

export function readGzJson<T>(file: string): T {
  return JSON.parse(gunzipSync(readFileSync(file)).toString('utf8')) as T;
}

export function sha256(file: string): string {
  return createHash('sha256').update(readFileSync(file)).digest('hex');
}

/** Fixture file of a capture's field answers. */
export const fieldFixturePath = (capture: string): string => join(ORACLE_DIR, 'fields', `${capture}.json.gz`);
/** Fixture file of a capture's alerts. */
export const alertFixturePath = (capture: string): string => join(ORACLE_DIR, 'alerts', `${capture}.json.gz`);

export const hasFixture = (p: string): boolean => existsSync(p);
