// Tetragon's JSON export, encoded as Tetragon encodes it (protojson with proto field names):
// keys in proto field order, zero values and empty lists omitted, wrapper types (pid, uid, tid,
// auid) present even when 0, 64-bit integers as strings, enums by name, timestamps RFC 3339 UTC
// with 0, 3, 6 or 9 fraction digits. The model types here are what Saker knows of a process and
// of a hit; the encoders turn them into the objects `JSON.stringify` prints.

export interface PodInfo {
  namespace: string;
  name: string;
  container?: { id: string; name?: string; image?: { id?: string; name?: string }; startTime?: bigint; pid?: number };
  labels?: Record<string, string>;
  workload?: string;
  workloadKind?: string;
}

interface NsInfo { inum: number; isHost?: boolean }
const NAMESPACE_KEYS = ['uts', 'ipc', 'mnt', 'pid', 'pid_for_children', 'net', 'time', 'time_for_children', 'cgroup', 'user'] as const;

export interface ProcessInfo {
  execId: string;
  pid: number;
  uid: number;
  cwd: string;
  binary: string;
  /** argv[1..] as Tetragon joins them (see joinArguments). */
  arguments: string;
  flags: string;
  /** ns since the epoch */
  startTime: bigint;
  auid: number;
  pod?: PodInfo;
  docker?: string;
  parentExecId?: string;
  refcnt?: number;
  cap?: { permitted: string[]; effective: string[]; inheritable: string[] };
  ns?: Partial<Record<(typeof NAMESPACE_KEYS)[number], NsInfo>>;
  tid?: number;
}

/** Tetragon's exec_id: base64("<node>:<ktime>:<pid>"). */
export function execId(node: string, ktimeNs: bigint, pid: number): string {
  return Buffer.from(`${node}:${ktimeNs}:${pid}`).toString('base64');
}

/** argv[1..] as Tetragon's ArgsDecoder joins them: an argument with a space is wrapped in "...". */
export function joinArguments(argv: readonly string[]): string {
  return argv.map((a) => (a.includes(' ') ? `"${a}"` : a)).join(' ');
}

/** protojson Timestamp: RFC 3339 in UTC, fraction of 0, 3, 6 or 9 digits. */
export function timestamp(ns: bigint): string {
  const ms = Number(ns / 1_000_000n);
  const base = new Date(ms).toISOString().slice(0, 19);
  const frac = ns % 1_000_000_000n;
  if (frac === 0n) return `${base}Z`;
  const digits = frac.toString().padStart(9, '0');
  const len = digits.endsWith('000000') ? 3 : digits.endsWith('000') ? 6 : 9;
  return `${base}.${digits.slice(0, len)}Z`;
}

type Json = Record<string, unknown>;

/** Adds `key: value` unless the value is protojson's zero (undefined, '', 0, empty list or object). */
function put(o: Json, key: string, value: unknown): void {
  if (value === undefined || value === '' || value === 0 || value === 0n || value === false) return;
  if (Array.isArray(value) && value.length === 0) return;
  if (typeof value === 'object' && value !== null && !Array.isArray(value) && Object.keys(value).length === 0) return;
  o[key] = value;
}

function encodePod(p: PodInfo): Json {
  const o: Json = {};
  put(o, 'namespace', p.namespace);
  put(o, 'name', p.name);
  if (p.container) {
    const c: Json = {};
    put(c, 'id', p.container.id);
    put(c, 'name', p.container.name);
    if (p.container.image) {
      const i: Json = {};
      put(i, 'id', p.container.image.id);
      put(i, 'name', p.container.image.name);
      put(c, 'image', i);
    }
    if (p.container.startTime !== undefined) c.start_time = timestamp(p.container.startTime);
    if (p.container.pid !== undefined) c.pid = p.container.pid;
    put(o, 'container', c);
  }
  put(o, 'pod_labels', p.labels);
  put(o, 'workload', p.workload);
  put(o, 'workload_kind', p.workloadKind);
  return o;
}

function encodeProcess(p: ProcessInfo): Json {
  const o: Json = {};
  put(o, 'exec_id', p.execId);
  o.pid = p.pid;
  o.uid = p.uid;
  put(o, 'cwd', p.cwd);
  put(o, 'binary', p.binary);
  put(o, 'arguments', p.arguments);
  put(o, 'flags', p.flags);
  o.start_time = timestamp(p.startTime);
  o.auid = p.auid;
  if (p.pod) put(o, 'pod', encodePod(p.pod));
  put(o, 'docker', p.docker);
  put(o, 'parent_exec_id', p.parentExecId);
  put(o, 'refcnt', p.refcnt);
  if (p.cap) {
    const c: Json = {};
    put(c, 'permitted', p.cap.permitted);
    put(c, 'effective', p.cap.effective);
    put(c, 'inheritable', p.cap.inheritable);
    put(o, 'cap', c);
  }
  if (p.ns) {
    const n: Json = {};
    for (const k of NAMESPACE_KEYS) {
      const v = p.ns[k];
      if (!v) continue;
      const e: Json = {};
      put(e, 'inum', v.inum);
      put(e, 'is_host', v.isHost);
      n[k] = e;
    }
    put(o, 'ns', n);
  }
  if (p.tid !== undefined) o.tid = p.tid;
  return o;
}

export interface Envelope { nodeName: string; time: bigint }

function envelope(kind: string, body: Json, env: Envelope): Json {
  return { [kind]: body, node_name: env.nodeName, time: timestamp(env.time) };
}

export function encodeExec(process: ProcessInfo, parent: ProcessInfo | undefined, env: Envelope): Json {
  const body: Json = { process: encodeProcess(process) };
  if (parent) body.parent = encodeProcess(parent);
  return envelope('process_exec', body, env);
}

/** process_exit: `signal` the name of the killing signal, `status` the exit code (omitted when 0). */
export function encodeExit(process: ProcessInfo, parent: ProcessInfo | undefined, exit: { signal?: string; status?: number; time?: bigint }, env: Envelope): Json {
  const body: Json = { process: encodeProcess(process) };
  if (parent) body.parent = encodeProcess(parent);
  put(body, 'signal', exit.signal);
  put(body, 'status', exit.status);
  if (exit.time !== undefined) body.time = timestamp(exit.time);
  return envelope('process_exit', body, env);
}

/** One argument as KprobeArgument: the oneof key for its type, then `label`. */
export type ArgValue =
  | { int_arg: number } | { uint_arg: number } | { long_arg: string } | { size_arg: string } | { string_arg: string }
  | { bytes_arg: string } | { truncated_bytes_arg: { bytes_arg: string; orig_size: string } } | { file_arg: { path: string; permission?: string } } | { linux_binprm_arg: { path: string; permission?: string } }
  | { syscall_id: { id: number; abi: string } } | { error_arg: { Message: string } }
  | { sockaddr_arg: { family?: string; addr?: string; port?: number } };

const ACTION_NAMES: Readonly<Record<number, string>> = {
  0: 'KPROBE_ACTION_UNKNOWN', 1: 'KPROBE_ACTION_POST', 3: 'KPROBE_ACTION_SIGKILL', 5: 'KPROBE_ACTION_OVERRIDE', 7: 'KPROBE_ACTION_GETURL',
  8: 'KPROBE_ACTION_DNSLOOKUP', 9: 'KPROBE_ACTION_NOPOST', 10: 'KPROBE_ACTION_SIGNAL', 11: 'KPROBE_ACTION_TRACKSOCK', 12: 'KPROBE_ACTION_UNTRACKSOCK',
  13: 'KPROBE_ACTION_NOTIFYENFORCER', 14: 'KPROBE_ACTION_CLEANUPENFORCERNOTIFICATION', 15: 'KPROBE_ACTION_SET',
};

export interface HitInfo {
  process: ProcessInfo;
  parent?: ProcessInfo;
  policyName: string;
  action: number;
  args: Array<ArgValue & { label?: string }>;
  message?: string;
  tags?: string[];
}

export function encodeKprobe(hit: HitInfo & { functionName: string; ret?: ArgValue; returnAction?: number }, env: Envelope): Json {
  const body: Json = { process: encodeProcess(hit.process) };
  if (hit.parent) body.parent = encodeProcess(hit.parent);
  put(body, 'function_name', hit.functionName);
  put(body, 'args', hit.args);
  put(body, 'return', hit.ret);
  put(body, 'action', ACTION_NAMES[hit.action]);
  put(body, 'policy_name', hit.policyName);
  put(body, 'return_action', hit.returnAction !== undefined ? ACTION_NAMES[hit.returnAction] : undefined);
  put(body, 'message', hit.message);
  put(body, 'tags', hit.tags);
  return envelope('process_kprobe', body, env);
}

export function encodeTracepoint(hit: HitInfo & { subsys: string; event: string }, env: Envelope): Json {
  const body: Json = { process: encodeProcess(hit.process) };
  if (hit.parent) body.parent = encodeProcess(hit.parent);
  put(body, 'subsys', hit.subsys);
  put(body, 'event', hit.event);
  // Tetragon drops labels of tracepoint arguments.
  put(body, 'args', hit.args.map(({ label: _label, ...v }) => v));
  put(body, 'policy_name', hit.policyName);
  put(body, 'action', ACTION_NAMES[hit.action]);
  put(body, 'message', hit.message);
  put(body, 'tags', hit.tags);
  return envelope('process_tracepoint', body, env);
}
