// The state the engine keeps about the system, as libsinsp keeps it: threads (with their
// process-wide data), file descriptors, users and groups, containers. Field extractors in
// filter/ read these; state/ parsers write them from events and from /proc or .scap tables.
import type { ParamResolver, RenderOptions, EventView } from '../events/index.js';
import type { HostNames } from './host-names.js';
import type { NetworkInterfaces } from './interfaces.js';


/** Kinds of file descriptor, with the libs type character (fd.typechar). */
export const FD_TYPES = {
  file: 'f', directory: 'd', ipv4: '4', ipv6: '6', unix: 'u', pipe: 'p', event: 'e', signalfd: 's',
  eventpoll: 'l', inotify: 'i', timerfd: 't', netlink: 'n', bpf: 'b', userfaultfd: 'u', io_uring: 'r',
  memfd: 'm', pidfd: 'P', unknown: 'o', unsupported: 'X',
} as const;
export type FdType = keyof typeof FD_TYPES;

export type L4Proto = 'tcp' | 'udp' | 'icmp' | 'raw' | undefined;

export interface FdInfo {
  type: FdType;
  /** fd.name: path for files, "cip:cport->sip:sport" for connected sockets, unix path ... */
  name: string;
  /** The decoded path `name` is the text of, when it is one (an open's absolute, normal path):
   *  its directory and file name are made once per distinct path rather than per event. Only
   *  an open sets it, after setting nameRaw to the same text, and only opens set nameRaw: while
   *  it is set, nameRaw is its text too. */
  namePath?: NamedPath;
  /** fd.nameraw: the path exactly as the syscall passed it. */
  nameRaw: string;
  /** Open flags in PPM_O_* bits. */
  openFlags: number;
  dev: number;
  ino: number;
  cloexec: boolean;
  /** Socket data for ipv4/ipv6/unix fds. IPs as strings ("10.0.0.1", "::1"). */
  l4proto?: L4Proto;
  sip?: string;
  sport?: number;
  cip?: string;
  cport?: number;
  /** True when this process is the server side (accept), false for the client side (connect). */
  isServer?: boolean;
  /** A bound server socket (libs SCAP_FD_IPV4/6_SERVSOCK, after bind): only sip/sport, the local
   * address, are meaningful; fd.cip/lip/rip have no value for it. */
  serverSocket?: boolean;
  connected?: boolean;
  /** unix socket path. */
  unixPath?: string;
}

/** A path with fd.directory's and fd.filename's parts of it (path-texts.ts PathText). */
export interface NamedPath {
  readonly text: string;
  /** paths.dirnameOf(text) */
  readonly directory: string;
  /** paths.basenameOf(text) */
  readonly filename: string;
  /** Results of checks on this path that `owner` keeps here, `size` of them, 0 for not known yet
   *  (the rule groups' memo of checks on fd.name, fd.directory, fd.filename: group-compiler.ts). */
  checkMemo(owner: object, size: number): Uint8Array;
}

/** An open's path parameter as the event gives it, from the parser's cache of decoded paths. */
export interface OpenPath extends NamedPath {
  /** The text with each run of '/' made one: fd.nameraw of an open that created no fd. */
  readonly collapsed: string;
  /** dirnameOf(name) for the name the open gave (fd.directory of an open that created no fd). */
  directoryOf(name: string): string;
}

/** Data shared by all threads of one process (thread group). */
export interface ProcessShared {
  fds: Map<number, FdInfo>;
}

export interface ThreadInfo {
  tid: number;
  pid: number;
  ptid: number;
  sid: number;
  vpgid: number;
  pgid: number;
  vtid: number;
  vpid: number;
  /** task->comm, at most 16 chars: proc.name. */
  comm: string;
  /** argv[0]: proc.exe. */
  exe: string;
  /** Full executable path: proc.exepath. */
  exepath: string;
  args: string[];
  env: string[];
  cwd: string;
  tty: number;
  /** Audit login uid; 0xffffffff when unset. */
  loginuid: number;
  uid: number;
  gid: number;
  capPermitted: bigint;
  capEffective: bigint;
  capInheritable: bigint;
  /** PPM_EXE_* flags from execve: writable, upper layer, lower layer, from memfd. */
  exeFlags: number;
  exeIno: number;
  exeInoCtime: bigint;
  exeInoMtime: bigint;
  /** Clone time in ns (proc.duration base). */
  cloneTs: bigint;
  lastExecTs: bigint;
  pidnsInitStartTs: bigint;
  /** "subsys=path" entries as the execve/clone cgroups param carries them. */
  cgroups: string[];
  /** Container id (12 hex chars, or the runtime's id), '' for the host. */
  containerId: string;
  /** The process-wide part (fd table), shared by all threads of the group. */
  shared: ProcessShared;
}

export interface UserInfo {
  uid: number;
  gid: number;
  name: string;
  home: string;
  shell: string;
}

export interface GroupInfo {
  gid: number;
  name: string;
}

export interface ContainerInfo {
  id: string;
  fullId: string;
  name: string;
  image: string;
  imageRepository: string;
  imageTag: string;
  imageDigest: string;
  type: string;
  privileged: boolean | undefined;
  mounts: Array<{ source: string; dest: string; mode: string; rdwr: boolean; propagation: string }>;
  labels: Record<string, string>;
  podName: string;
  podNamespace: string;
  podUid: string;
  startTs: bigint;
  /** container.image.id: the runtime's image id (without "sha256:"). */
  imageId?: string;
  /** container.ip / k8s.pod.ip: the primary IPv4 address. */
  ip?: string;
  /** container.cni.json / k8s.pod.cni.json: the pod's CNI result (CRI). */
  cniJson?: string;
  hostPid?: boolean;
  hostNetwork?: boolean;
  hostIpc?: boolean;
  /** k8s.pod.full_sandbox_id (k8s.pod.sandbox_id is its first 12 characters). */
  podSandboxId?: string;
  /** k8s.pod.label(s): the pod sandbox's labels, not the container's. */
  podLabels?: Record<string, string>;
  /** container.healthcheck, container.liveness_probe, container.readiness_probe: the command line. */
  healthcheck?: string;
  livenessProbe?: string;
  readinessProbe?: string;
  /** k8s.rs.name, k8s.deployment.name: from the pod name and its pod-template-hash label. */
  rsName?: string;
  deploymentName?: string;
  /** The runtime that described the container (docker, podman, cri, containerd, runc). */
  source?: string;
  /**
   * A runtime (or a capture's container record) described it: its metadata fields then print
   * what the runtime said, '' included, as the container plugin does for a container it knows;
   * before that they have no value (<NA>).
   */
  described?: boolean;
}

/** Read access to the state, as field extractors need it. */
export interface StateView {
  thread(tid: number): ThreadInfo | undefined;
  /** The user `uid` as seen in `containerId` ('' = host). */
  user(uid: number, containerId: string): UserInfo | undefined;
  group(gid: number, containerId: string): GroupInfo | undefined;
  container(id: string): ContainerInfo | undefined;
  /** The main thread of `t`'s process. */
  mainThread(t: ThreadInfo): ThreadInfo | undefined;
  /** The n-th ancestor process: 0 is the process itself, 1 the parent (proc.aname[n]). */
  ancestor(t: ThreadInfo, n: number): ThreadInfo | undefined;
  /** Visits the ancestors (by ptid) from the parent up while `visit` returns true; loop-safe. */
  forEachAncestor(t: ThreadInfo, visit: (a: ThreadInfo) => boolean): void;
  /** Session leader, virtual and real process group leaders (proc.sname, proc.vpgid.name ...). */
  sessionLeader(t: ThreadInfo): ThreadInfo | undefined;
  vpgidLeader(t: ThreadInfo): ThreadInfo | undefined;
  pgidLeader(t: ThreadInfo): ThreadInfo | undefined;
  /** proc.cwd ('./' when unknown). */
  cwd(t: ThreadInfo): string;
  /** fd.name of an fd event whose fd is not in the table (a failed open or connect). */
  fdNameFromEvent(ctx: EventContext): string | undefined;
  /** The path parameter of an open-family exit event (undefined for other events): decoded
   *  once per distinct path, with its parts, so that the fields of opens that create no fd
   *  (fd.nameraw, fd.directory) cost no string per event. */
  openPath(ctx: EventContext): OpenPath | undefined;
  /** This machine's interfaces (a capture's own list when replaying): fd.lip/rip, fd.is_server. */
  readonly interfaces: NetworkInterfaces;
  /** The names fd.*ip.name checks watch, and what they resolved to. */
  readonly hostNames: HostNames;
}

/**
 * What field extraction keeps per agent rather than per process (made by field-scope.ts): how
 * arguments render, the host name, and per-event caches of values several rules read. It lives
 * in the EventContext, so compiled rules hold no state of their own and two agents in one
 * process never see each other's settings or cached values.
 */
export interface FieldScope {
  /** How evt.arg.* and evt.args render byte buffers (undefined: whole, as Falco). */
  readonly argRender: RenderOptions | undefined;
  /** evt.hostname and the alerts' hostname. */
  readonly hostname: string;
  /** Resolves rendered parameters (fd names, users ...) against `ctx`'s state. */
  resolverFor(ctx: EventContext): ParamResolver;
  /** evt.arg.NAME of the current event by parameter-name slot (events/param-names.ts): the
   *  event's seq when argText holds it. */
  readonly argSeq: Float64Array;
  readonly argText: Array<string | undefined>;
  /** fd.name of an event whose fd is not in the table, for the event numbered fdNameSeq. */
  fdNameSeq: number;
  fdName: string | undefined;
}

/**
 * What rule evaluation sees for one event: the event, the thread that produced it, the fd the
 * event is about (libsinsp's m_lastevent_fd), all filled by the state parser before rules run.
 * One instance is reused for every event.
 */
export interface EventContext {
  evt: EventView;
  thread: ThreadInfo | undefined;
  /** The event's fd number: return value of fd creators, `fd` param of fd users; -1 when none. */
  fdNum: number;
  fd: FdInfo | undefined;
  /** True when this event changed the name of its fd (connect, accept ...): fd.name_changed. */
  fdNameChanged: boolean;
  state: StateView;
  /** Different for every event the state processes: what per-event caches are keyed by. */
  seq: number;
  /** Per-agent field settings and per-event caches (see FieldScope). */
  readonly scope: FieldScope;
}
