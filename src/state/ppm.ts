// Flag values of the libs event format (driver/ppm_events_public.h) that the state machine reads.
// They are part of the wire format, so they are the libs values, not Saker's own.

/** Open flags (PPM_O_*), as carried by open/openat/openat2 `flags` and kept in FdInfo.openFlags. */
export const PPM_O = {
  RDONLY: 1 << 0, WRONLY: 1 << 1, RDWR: 3, CREAT: 1 << 2, APPEND: 1 << 3, DSYNC: 1 << 4, EXCL: 1 << 5,
  NONBLOCK: 1 << 6, SYNC: 1 << 7, TRUNC: 1 << 8, DIRECT: 1 << 9, DIRECTORY: 1 << 10, LARGEFILE: 1 << 11,
  CLOEXEC: 1 << 12, TMPFILE: 1 << 13,
  /** Added by the exit probe: the file was created by this call. */
  F_CREATED: 1 << 14,
  /** Added by the exit probe: the file lives in the upper / lower layer of an overlayfs. */
  FD_UPPER_LAYER: 1 << 15, FD_LOWER_LAYER: 1 << 16,
} as const;

/** creat's `creat_flags` (it has no flags parameter to carry the layer bits). */
export const PPM_FD_UPPER_LAYER_CREAT = 1 << 0;
export const PPM_FD_LOWER_LAYER_CREAT = 1 << 1;

/** Clone flags (PPM_CL_*) from the clone family `flags` parameter, plus libsinsp's own bits. */
export const PPM_CL = {
  CLONE_FILES: 1 << 0, CLONE_FS: 1 << 1, CLONE_NEWPID: 1 << 6, CLONE_PARENT: 1 << 8, CLONE_THREAD: 1 << 13,
  CLONE_VM: 1 << 15,
  /** libsinsp: the child's clone exit was seen before the parent's. */
  CLONE_INVERTED: 1 << 16,
  NAME_CHANGED: 1 << 17,
  /** The thread has exited (procexit seen). */
  CLOSED: 1 << 18,
  ACTIVE: 1 << 19,
  CLONE_NEWUSER: 1 << 20,
  PIPE_SRC: 1 << 21, PIPE_DST: 1 << 22,
  CLONE_VFORK: 1 << 27,
  /** The child is not in the init pid namespace. */
  CHILD_IN_PIDNS: 1 << 29,
  IS_MAIN_THREAD: 1 << 30,
} as const;

/** execve `flags` (PPM_EXE_*), kept in ThreadInfo.exeFlags. */
export const PPM_EXE = { WRITABLE: 1 << 0, UPPER_LAYER: 1 << 1, FROM_MEMFD: 1 << 2, LOWER_LAYER: 1 << 3 } as const;

/** Socket families (PPM_AF_*). */
export const PPM_AF = { UNSPEC: 0, UNIX: 1, INET: 2, INET6: 10, NETLINK: 16, PACKET: 17 } as const;

/** fcntl commands (PPM_FCNTL_*). */
export const PPM_FCNTL = { F_DUPFD: 1, F_SETFD: 3, F_DUPFD_CLOEXEC: 26 } as const;

export const PPM_AT_FDCWD = -100;
export const PPM_EPOLL_CLOEXEC = 1 << 0;
export const PPM_CLOSE_RANGE_CLOEXEC = 1 << 2;
export const PPM_PR_SET_CHILD_SUBREAPER = 36;
export const PPM_PR_GET_CHILD_SUBREAPER = 37;

/** Linux socket types and protocols the socket parser distinguishes. */
export const SOCK_STREAM = 1;
export const SOCK_DGRAM = 2;
export const SOCK_RAW = 3;
export const IPPROTO = { IP: 0, ICMP: 1, TCP: 6, UDP: 17, RAW: 255 } as const;

/** The kernel's FD_CLOEXEC bit (fcntl F_SETFD argument). */
export const FD_CLOEXEC = 1;

/** UINT32_MAX: unset uid/gid/loginuid. */
export const NO_ID = 0xffffffff;

/** Every capability libsinsp knows (41, CAP_CHOWN..CAP_CHECKPOINT_RESTORE): set by unshare/setns(NEWUSER). */
export const MAX_CAPS = (1n << 41n) - 1n;
