// The shape of one entry of the libs event table: what an event code means and how its
// parameters are laid out. Numeric values here are Saker's own (they never reach the wire);
// only the event codes (EVENT_TABLE index) are part of the libs/scap format.

/** Parameter types of the libs event format (ppm_param_type). */
export const PT = {
  NONE: 0, INT8: 1, INT16: 2, INT32: 3, INT64: 4, UINT8: 5, UINT16: 6, UINT32: 7, UINT64: 8,
  CHARBUF: 9, BYTEBUF: 10, ERRNO: 11, SOCKADDR: 12, SOCKTUPLE: 13, FD: 14, PID: 15, FDLIST: 16,
  FSPATH: 17, SYSCALLID: 18, SIGTYPE: 19, RELTIME: 20, ABSTIME: 21, PORT: 22, L4PROTO: 23,
  SOCKFAMILY: 24, BOOL: 25, IPV4ADDR: 26, DYN: 27, FLAGS8: 28, FLAGS16: 29, FLAGS32: 30, UID: 31,
  GID: 32, DOUBLE: 33, SIGSET: 34, CHARBUFARRAY: 35, CHARBUF_PAIR_ARRAY: 36, IPV4NET: 37,
  IPV6ADDR: 38, IPV6NET: 39, IPADDR: 40, IPNET: 41, MODE: 42, FSRELPATH: 43, ENUMFLAGS8: 44,
  ENUMFLAGS16: 45, ENUMFLAGS32: 46, FD32: 47, PID32: 48,
} as const;
export type ParamType = (typeof PT)[keyof typeof PT];

/** Print formats of parameters (ppm_print_format). */
export const PF = { NA: 0, DEC: 1, HEX: 2, OCT: 3, '10_PADDED_DEC': 4, ID: 5, DIR: 6 } as const;
export type PrintFormat = (typeof PF)[keyof typeof PF];

/** Event categories (ppm_event_category), as bits. */
export const EC = {
  UNKNOWN: 1 << 0, OTHER: 1 << 1, FILE: 1 << 2, NET: 1 << 3, IPC: 1 << 4, MEMORY: 1 << 5,
  PROCESS: 1 << 6, SLEEP: 1 << 7, SYSTEM: 1 << 8, SIGNAL: 1 << 9, USER: 1 << 10, TIME: 1 << 11,
  IO_READ: 1 << 12, IO_WRITE: 1 << 13, IO_OTHER: 1 << 14, WAIT: 1 << 15, SCHEDULER: 1 << 16,
  INTERNAL: 1 << 17, SYSCALL: 1 << 18, TRACEPOINT: 1 << 19, PLUGIN: 1 << 20, METAEVENT: 1 << 21,
  ITER: 1 << 22,
} as const;

/** Event flags (ppm_event_flags), as bits. */
export const EF = {
  CREATES_FD: 1 << 0, DESTROYS_FD: 1 << 1, USES_FD: 1 << 2, READS_FROM_FD: 1 << 3,
  WRITES_TO_FD: 1 << 4, MODIFIES_STATE: 1 << 5, UNUSED: 1 << 6, WAITS: 1 << 7,
  SKIPPARSERESET: 1 << 8, OLD_VERSION: 1 << 9, DROP_SIMPLE_CONS: 1 << 10, LARGE_PAYLOAD: 1 << 11,
  CONVERTER_MANAGED: 1 << 12,
} as const;

interface ParamInfo {
  readonly name: string;
  readonly type: ParamType;
  readonly fmt: PrintFormat;
  /**
   * The libs `info` field: for FLAGS, ENUMFLAGS and MODE params the name of the flag table (flags.ts),
   * for DYN the name of the variant table, for FSRELPATH the index of its dirfd parameter.
   */
  readonly info?: string | number;
}

export interface EventInfo {
  /** The libs identifier, e.g. PPME_SYSCALL_OPENAT_2_X. */
  readonly id: string;
  /** The name rules see as evt.type, e.g. openat. */
  readonly name: string;
  readonly category: number;
  readonly flags: number;
  readonly params: readonly ParamInfo[];
}

export function ev(
  id: string,
  name: string,
  category: number,
  flags: number,
  params: ReadonlyArray<readonly [string, ParamType, PrintFormat, (string | number)?]>,
): EventInfo {
  return {
    id, name, category, flags,
    params: params.map(([n, t, f, info]) => (info === undefined ? { name: n, type: t, fmt: f } : { name: n, type: t, fmt: f, info })),
  };
}

/** Exit events have odd codes, enter events even ones. */
export const isExitCode = (code: number): boolean => (code & 1) === 1;

/** Size in bytes of a fixed-size parameter type (ppm_param_min_len_from_type); 0 for variable-size ones. */
export function fixedParamSize(t: ParamType): number {
  switch (t) {
    case PT.INT8: case PT.UINT8: case PT.FLAGS8: case PT.ENUMFLAGS8: case PT.SIGTYPE: case PT.L4PROTO: case PT.SOCKFAMILY:
      return 1;
    case PT.INT16: case PT.UINT16: case PT.FLAGS16: case PT.ENUMFLAGS16: case PT.PORT: case PT.SYSCALLID:
      return 2;
    case PT.INT32: case PT.UINT32: case PT.FLAGS32: case PT.ENUMFLAGS32: case PT.UID: case PT.GID: case PT.MODE:
    case PT.BOOL: case PT.IPV4ADDR: case PT.SIGSET: case PT.FD32: case PT.PID32:
      return 4;
    case PT.INT64: case PT.UINT64: case PT.ERRNO: case PT.FD: case PT.PID: case PT.RELTIME: case PT.ABSTIME: case PT.DOUBLE:
    case PT.IPV4NET:
      return 8;
    case PT.IPV6ADDR:
      return 16;
    case PT.IPV6NET:
      return 32;
    default:
      return 0;
  }
}
