// The .scap capture file format (libscap scap_savefile.h): a pcapng-like sequence of blocks
//   { u32 block_type; u32 block_total_length; body; padding to 4 bytes; u32 block_total_length }
// little endian. This module holds the block type codes, the plain objects table blocks parse
// into, and the error the reader and writer raise.

export const BLOCK = {
  SECTION_HEADER: 0x0a0d0d0a,
  MACHINE_INFO: 0x201,
  MACHINE_INFO_INT: 0x8002abcd,
  PROCLIST_V1: 0x202,
  PROCLIST_V1_INT: 0x8000abcd,
  PROCLIST_V2: 0x207,
  PROCLIST_V2_INT: 0x8013abcd,
  PROCLIST_V3: 0x209,
  PROCLIST_V3_INT: 0x8014abcd,
  PROCLIST_V4: 0x210,
  PROCLIST_V5: 0x211,
  PROCLIST_V6: 0x212,
  PROCLIST_V7: 0x213,
  PROCLIST_V8: 0x214,
  PROCLIST_V9: 0x215,
  FDLIST: 0x203,
  FDLIST_INT: 0x8001abcd,
  FDLIST_V2: 0x218,
  EVENT: 0x204,
  EVENT_INT: 0x8010abcd,
  EVENT_V2: 0x216,
  EVENT_V2_LARGE: 0x221,
  EVENT_FLAGS: 0x208,
  EVENT_FLAGS_V2: 0x217,
  EVENT_FLAGS_V2_LARGE: 0x222,
  IFLIST: 0x205,
  IFLIST_INT: 0x8011abcd,
  IFLIST_V2: 0x219,
  USERLIST: 0x206,
  USERLIST_INT: 0x8012abcd,
  USERLIST_V2: 0x220,
} as const;

export const SHB_MAGIC = 0x1a2b3c4d;
/** Header (type + length) and trailer (length) of every block. */
export const BLOCK_OVERHEAD = 12;

/** Process list block version (1..9) of a block type, or 0 when it is not a process list. */
export function proclistVersion(bt: number): number {
  switch (bt) {
    case BLOCK.PROCLIST_V1: case BLOCK.PROCLIST_V1_INT: return 1;
    case BLOCK.PROCLIST_V2: case BLOCK.PROCLIST_V2_INT: return 2;
    case BLOCK.PROCLIST_V3: case BLOCK.PROCLIST_V3_INT: return 3;
    case BLOCK.PROCLIST_V4: return 4;
    case BLOCK.PROCLIST_V5: return 5;
    case BLOCK.PROCLIST_V6: return 6;
    case BLOCK.PROCLIST_V7: return 7;
    case BLOCK.PROCLIST_V8: return 8;
    case BLOCK.PROCLIST_V9: return 9;
    default: return 0;
  }
}

/** Event block shape: whether the header has nparams (V2), whether a u32 flags field precedes it. */
export interface EventBlockKind {
  readonly v2: boolean;
  readonly flags: boolean;
}
const V1: EventBlockKind = { v2: false, flags: false };
const V1F: EventBlockKind = { v2: false, flags: true };
const V2: EventBlockKind = { v2: true, flags: false };
const V2F: EventBlockKind = { v2: true, flags: true };
export function eventBlockKind(bt: number): EventBlockKind | undefined {
  switch (bt) {
    case BLOCK.EVENT: case BLOCK.EVENT_INT: return V1;
    case BLOCK.EVENT_FLAGS: return V1F;
    case BLOCK.EVENT_V2: case BLOCK.EVENT_V2_LARGE: return V2;
    case BLOCK.EVENT_FLAGS_V2: case BLOCK.EVENT_FLAGS_V2_LARGE: return V2F;
    default: return undefined;
  }
}

function blockName(bt: number): string {
  for (const [k, v] of Object.entries(BLOCK)) if (v === bt) return k.toLowerCase();
  return `0x${bt.toString(16)}`;
}

/** A capture that cannot be read: truncated, corrupt, or of an unsupported version. */
export class ScapFormatError extends Error {
  override readonly name = 'ScapFormatError';
  constructor(
    readonly reason: string,
    /** Byte offset of the offending block in the (decompressed) capture. */
    readonly offset: number,
    /** Type of that block, when its header could be read. */
    readonly blockType?: number,
    readonly file?: string,
  ) {
    super(`${file ? `${file}: ` : ''}${reason} (block ${blockType === undefined ? '?' : blockName(blockType)} at offset ${offset})`);
  }
}

/** scap file descriptor types (scap_fd_type). */
export const SCAP_FD = {
  UNKNOWN: 0, FILE: 1, DIRECTORY: 2, IPV4_SOCK: 3, IPV6_SOCK: 4, IPV4_SERVSOCK: 5, IPV6_SERVSOCK: 6,
  FIFO: 7, UNIX_SOCK: 8, EVENT: 9, UNSUPPORTED: 10, SIGNALFD: 11, EVENTPOLL: 12, INOTIFY: 13,
  TIMERFD: 14, NETLINK: 15, FILE_V2: 16, BPF: 17, USERFAULTFD: 18, IOURING: 19, MEMFD: 20, PIDFD: 21,
} as const;

/** scap_l4_proto. */
export const SCAP_L4 = { UNKNOWN: 0, NA: 1, TCP: 2, UDP: 3, ICMP: 4, RAW: 5 } as const;

interface ScapSectionHeader {
  major: number;
  minor: number;
  /** section_length as written (-1 = unknown). */
  sectionLength: bigint;
}

export interface ScapMachineInfo {
  numCpus: number;
  memorySizeBytes: bigint;
  maxPid: bigint;
  hostname: string;
  bootTsEpoch: bigint;
  flags: bigint;
}

/** One fd of a process, from an fd list block. */
export interface ScapFd {
  fd: number;
  ino: bigint;
  /** scap_fd_type (SCAP_FD). */
  type: number;
  /** Files, directories and most others: the path / name. */
  name?: string;
  /** FILE_V2: open flags (PPM_O_*) and device. */
  openFlags?: number;
  dev?: number;
  /** Sockets: addresses as text ("10.0.0.1", "::1"), ports, scap l4 protocol. */
  sip?: string;
  dip?: string;
  sport?: number;
  dport?: number;
  l4proto?: number;
  /** Unix sockets: kernel socket addresses. */
  source?: bigint;
  destination?: bigint;
}

/** One thread of a process list block, with every scap_threadinfo field the block version carries. */
export interface ScapProcess {
  tid: number;
  pid: number;
  ptid: number;
  sid: number;
  vpgid: number;
  pgid: number;
  comm: string;
  exe: string;
  exepath: string;
  args: string[];
  env: string[];
  cwd: string;
  fdlimit: number;
  /** PPM_CL_* flags (PPM_CL_IS_MAIN_THREAD ...). */
  flags: number;
  uid: number;
  gid: number;
  vmSizeKb: number;
  vmRssKb: number;
  vmSwapKb: number;
  pfMajor: bigint;
  pfMinor: bigint;
  vtid: number;
  vpid: number;
  /** "subsys=path" entries. */
  cgroups: string[];
  root: string;
  pidnsInitStartTs: bigint;
  tty: number;
  loginuid: number;
  exeWritable: boolean;
  capInheritable: bigint;
  capPermitted: bigint;
  capEffective: bigint;
  exeUpperLayer: boolean;
  exeLowerLayer: boolean;
  exeFromMemfd: boolean;
  exeIno: bigint;
  exeInoCtime: bigint;
  exeInoMtime: bigint;
  /** The fds of this thread from the fd list blocks that follow. */
  fds: ScapFd[];
}

export interface ScapUser {
  uid: number;
  gid: number;
  name: string;
  homedir: string;
  shell: string;
}

export interface ScapGroup {
  gid: number;
  name: string;
}

export interface ScapInterface {
  family: 'ipv4' | 'ipv6';
  name: string;
  addr: string;
  netmask: string;
  bcast: string;
  linkspeed: bigint;
}

/** Everything the table blocks of one section say, as libscap loads it before the first event. */
export interface ScapTables {
  section: ScapSectionHeader;
  machine?: ScapMachineInfo;
  processes: ScapProcess[];
  users: ScapUser[];
  groups: ScapGroup[];
  interfaces: ScapInterface[];
  /** Block types seen in this section that the reader skipped. */
  skippedBlocks: number[];
}
