// Event codes and parameter positions the state parser depends on, resolved once from the event
// table by libs identifier. The positions are libsinsp's (parsers.cpp reads params by index);
// checking them against the table at load time turns a table/layout mismatch into an error at
// start-up instead of silently wrong state.
import { EVENT_TABLE } from '../events/index.js';

function code(id: string): number {
  const c = EVENT_TABLE.findIndex((e) => e.id === id);
  if (c === -1) throw new Error(`state: event ${id} is missing from the event table`);
  return c;
}

/** Asserts that parameter `index` of event `c` is called `name`; returns the index. */
function param(c: number, index: number, name: string): number {
  const p = EVENT_TABLE[c]!.params[index];
  if (p === undefined || p.name !== name) {
    throw new Error(`state: ${EVENT_TABLE[c]!.id} parameter ${index} is ${p?.name ?? 'missing'}, expected ${name}`);
  }
  return index;
}

export const EV = {
  OPEN_X: code('PPME_SYSCALL_OPEN_X'),
  CREAT_X: code('PPME_SYSCALL_CREAT_X'),
  OPENAT_X: code('PPME_SYSCALL_OPENAT_2_X'),
  OPENAT2_X: code('PPME_SYSCALL_OPENAT2_X'),
  OPEN_BY_HANDLE_AT_X: code('PPME_SYSCALL_OPEN_BY_HANDLE_AT_X'),
  SOCKET_X: code('PPME_SOCKET_SOCKET_X'),
  BIND_X: code('PPME_SOCKET_BIND_X'),
  CONNECT_X: code('PPME_SOCKET_CONNECT_X'),
  ACCEPT_X: code('PPME_SOCKET_ACCEPT_5_X'),
  ACCEPT4_X: code('PPME_SOCKET_ACCEPT4_6_X'),
  CLOSE_X: code('PPME_SYSCALL_CLOSE_X'),
  CLOSE_RANGE_X: code('PPME_SYSCALL_CLOSE_RANGE_X'),
  DUP_X: code('PPME_SYSCALL_DUP_1_X'),
  DUP2_X: code('PPME_SYSCALL_DUP2_X'),
  DUP3_X: code('PPME_SYSCALL_DUP3_X'),
  FCNTL_X: code('PPME_SYSCALL_FCNTL_X'),
  PIPE_X: code('PPME_SYSCALL_PIPE_X'),
  PIPE2_X: code('PPME_SYSCALL_PIPE2_X'),
  SOCKETPAIR_X: code('PPME_SOCKET_SOCKETPAIR_X'),
  CHDIR_X: code('PPME_SYSCALL_CHDIR_X'),
  FCHDIR_X: code('PPME_SYSCALL_FCHDIR_X'),
  GETCWD_X: code('PPME_SYSCALL_GETCWD_X'),
  SETUID_X: code('PPME_SYSCALL_SETUID_X'),
  SETGID_X: code('PPME_SYSCALL_SETGID_X'),
  SETRESUID_X: code('PPME_SYSCALL_SETRESUID_X'),
  SETRESGID_X: code('PPME_SYSCALL_SETRESGID_X'),
  SETREUID_X: code('PPME_SYSCALL_SETREUID_X'),
  SETREGID_X: code('PPME_SYSCALL_SETREGID_X'),
  MEMFD_CREATE_X: code('PPME_SYSCALL_MEMFD_CREATE_X'),
  PIDFD_OPEN_X: code('PPME_SYSCALL_PIDFD_OPEN_X'),
  PIDFD_GETFD_X: code('PPME_SYSCALL_PIDFD_GETFD_X'),
  USERFAULTFD_X: code('PPME_SYSCALL_USERFAULTFD_X'),
  EVENTFD_X: code('PPME_SYSCALL_EVENTFD_X'),
  EVENTFD2_X: code('PPME_SYSCALL_EVENTFD2_X'),
  SIGNALFD_X: code('PPME_SYSCALL_SIGNALFD_X'),
  SIGNALFD4_X: code('PPME_SYSCALL_SIGNALFD4_X'),
  TIMERFD_CREATE_X: code('PPME_SYSCALL_TIMERFD_CREATE_X'),
  INOTIFY_INIT_X: code('PPME_SYSCALL_INOTIFY_INIT_X'),
  INOTIFY_INIT1_X: code('PPME_SYSCALL_INOTIFY_INIT1_X'),
  EPOLL_CREATE_X: code('PPME_SYSCALL_EPOLL_CREATE_X'),
  EPOLL_CREATE1_X: code('PPME_SYSCALL_EPOLL_CREATE1_X'),
  BPF_X: code('PPME_SYSCALL_BPF_2_X'),
  IO_URING_SETUP_X: code('PPME_SYSCALL_IO_URING_SETUP_X'),
  SETNS_X: code('PPME_SYSCALL_SETNS_X'),
  UNSHARE_X: code('PPME_SYSCALL_UNSHARE_X'),
  CLONE_X: code('PPME_SYSCALL_CLONE_20_X'),
  FORK_X: code('PPME_SYSCALL_FORK_20_X'),
  VFORK_X: code('PPME_SYSCALL_VFORK_20_X'),
  CLONE3_X: code('PPME_SYSCALL_CLONE3_X'),
  EXECVE_X: code('PPME_SYSCALL_EXECVE_19_X'),
  EXECVEAT_X: code('PPME_SYSCALL_EXECVEAT_X'),
  PROCEXIT_E: code('PPME_PROCEXIT_1_E'),
  CHROOT_X: code('PPME_SYSCALL_CHROOT_X'),
  SETSID_X: code('PPME_SYSCALL_SETSID_X'),
  CAPSET_X: code('PPME_SYSCALL_CAPSET_X'),
  PRCTL_X: code('PPME_SYSCALL_PRCTL_X'),
  GETRLIMIT_X: code('PPME_SYSCALL_GETRLIMIT_X'),
  SETRLIMIT_X: code('PPME_SYSCALL_SETRLIMIT_X'),
  PRLIMIT_X: code('PPME_SYSCALL_PRLIMIT_X'),
  READ_X: code('PPME_SYSCALL_READ_X'),
  PREAD_X: code('PPME_SYSCALL_PREAD_X'),
  READV_X: code('PPME_SYSCALL_READV_X'),
  PREADV_X: code('PPME_SYSCALL_PREADV_X'),
  RECV_X: code('PPME_SOCKET_RECV_X'),
  RECVFROM_X: code('PPME_SOCKET_RECVFROM_X'),
  RECVMSG_X: code('PPME_SOCKET_RECVMSG_X'),
  RECVMMSG_X: code('PPME_SOCKET_RECVMMSG_X'),
  WRITE_X: code('PPME_SYSCALL_WRITE_X'),
  PWRITE_X: code('PPME_SYSCALL_PWRITE_X'),
  WRITEV_X: code('PPME_SYSCALL_WRITEV_X'),
  PWRITEV_X: code('PPME_SYSCALL_PWRITEV_X'),
  SEND_X: code('PPME_SOCKET_SEND_X'),
  SENDTO_X: code('PPME_SOCKET_SENDTO_X'),
  SENDMSG_X: code('PPME_SOCKET_SENDMSG_X'),
  SENDMMSG_X: code('PPME_SOCKET_SENDMMSG_X'),
  SCHEDSWITCH_E: code('PPME_SCHEDSWITCH_6_E'),
  PROCINFO_E: code('PPME_PROCINFO_E'),
  USER_ADDED_E: code('PPME_USER_ADDED_E'),
  USER_DELETED_E: code('PPME_USER_DELETED_E'),
  GROUP_ADDED_E: code('PPME_GROUP_ADDED_E'),
  GROUP_DELETED_E: code('PPME_GROUP_DELETED_E'),
  CONTAINER_JSON_E: code('PPME_CONTAINER_JSON_E'),
  CONTAINER_JSON_2_E: code('PPME_CONTAINER_JSON_2_E'),
  ASYNCEVENT_E: code('PPME_ASYNCEVENT_E'),
  PLUGINEVENT_E: code('PPME_PLUGINEVENT_E'),
} as const;

/** Clone-family exit parameters (identical across clone, fork, vfork, clone3). */
export const CLONE_P = {
  res: param(EV.CLONE_X, 0, 'res'), exe: param(EV.CLONE_X, 1, 'exe'), args: param(EV.CLONE_X, 2, 'args'),
  tid: param(EV.CLONE_X, 3, 'tid'), pid: param(EV.CLONE_X, 4, 'pid'), ptid: param(EV.CLONE_X, 5, 'ptid'),
  cwd: param(EV.CLONE_X, 6, 'cwd'), fdlimit: param(EV.CLONE_X, 7, 'fdlimit'),
  pgftMaj: param(EV.CLONE_X, 8, 'pgft_maj'), pgftMin: param(EV.CLONE_X, 9, 'pgft_min'),
  vmSize: param(EV.CLONE_X, 10, 'vm_size'), vmRss: param(EV.CLONE_X, 11, 'vm_rss'), vmSwap: param(EV.CLONE_X, 12, 'vm_swap'),
  comm: param(EV.CLONE_X, 13, 'comm'), cgroups: param(EV.CLONE_X, 14, 'cgroups'), flags: param(EV.CLONE_X, 15, 'flags'),
  uid: param(EV.CLONE_X, 16, 'uid'), gid: param(EV.CLONE_X, 17, 'gid'), vtid: param(EV.CLONE_X, 18, 'vtid'),
  vpid: param(EV.CLONE_X, 19, 'vpid'), pidnsInitStartTs: param(EV.CLONE_X, 20, 'pidns_init_start_ts'),
} as const;
for (const c of [EV.FORK_X, EV.VFORK_X, EV.CLONE3_X]) {
  for (const [i, p] of EVENT_TABLE[EV.CLONE_X]!.params.entries()) param(c, i, p.name);
}

/** execve/execveat exit parameters (execveat has the same first 30). */
export const EXECVE_P = {
  res: 0, exe: 1, args: 2, tid: 3, pid: 4, ptid: 5, cwd: 6, fdlimit: 7, pgftMaj: 8, pgftMin: 9, vmSize: 10,
  vmRss: 11, vmSwap: 12, comm: 13, cgroups: 14, env: 15, tty: 16, vpgid: 17, loginuid: 18, flags: 19,
  capInheritable: 20, capPermitted: 21, capEffective: 22, exeIno: 23, exeInoCtime: 24, exeInoMtime: 25, uid: 26,
  trustedExepath: 27, pgid: 28, gid: 29,
} as const;
{
  const names = ['res', 'exe', 'args', 'tid', 'pid', 'ptid', 'cwd', 'fdlimit', 'pgft_maj', 'pgft_min', 'vm_size', 'vm_rss',
    'vm_swap', 'comm', 'cgroups', 'env', 'tty', 'vpgid', 'loginuid', 'flags', 'cap_inheritable', 'cap_permitted',
    'cap_effective', 'exe_ino', 'exe_ino_ctime', 'exe_ino_mtime', 'uid', 'trusted_exepath', 'pgid', 'gid'];
  for (const c of [EV.EXECVE_X, EV.EXECVEAT_X]) names.forEach((n, i) => param(c, i, n));
}

// Spot checks of the other layouts the parser indexes into.
param(EV.OPEN_X, 1, 'name'); param(EV.OPEN_X, 2, 'flags'); param(EV.OPEN_X, 4, 'dev'); param(EV.OPEN_X, 5, 'ino');
param(EV.CREAT_X, 1, 'name'); param(EV.CREAT_X, 3, 'dev'); param(EV.CREAT_X, 4, 'ino'); param(EV.CREAT_X, 5, 'creat_flags');
param(EV.OPENAT_X, 1, 'dirfd'); param(EV.OPENAT_X, 2, 'name'); param(EV.OPENAT_X, 3, 'flags'); param(EV.OPENAT_X, 6, 'ino');
param(EV.OPENAT2_X, 1, 'dirfd'); param(EV.OPENAT2_X, 2, 'name'); param(EV.OPENAT2_X, 3, 'flags'); param(EV.OPENAT2_X, 7, 'ino');
param(EV.OPEN_BY_HANDLE_AT_X, 2, 'flags'); param(EV.OPEN_BY_HANDLE_AT_X, 3, 'path');
param(EV.SOCKET_X, 1, 'domain'); param(EV.SOCKET_X, 4, 'flags');
param(EV.BIND_X, 1, 'addr'); param(EV.CONNECT_X, 1, 'tuple'); param(EV.CONNECT_X, 3, 'addr');
param(EV.ACCEPT_X, 1, 'tuple'); param(EV.ACCEPT4_X, 1, 'tuple'); param(EV.ACCEPT4_X, 5, 'flags');
param(EV.DUP3_X, 3, 'flags'); param(EV.FCNTL_X, 2, 'cmd'); param(EV.FCNTL_X, 3, 'arg');
param(EV.PIPE_X, 3, 'ino'); param(EV.PIPE2_X, 4, 'flags');
param(EV.SOCKETPAIR_X, 3, 'source'); param(EV.SOCKETPAIR_X, 4, 'peer');
param(EV.CLOSE_RANGE_X, 3, 'flags'); param(EV.MEMFD_CREATE_X, 2, 'flags');
param(EV.PIDFD_OPEN_X, 1, 'pid'); param(EV.PIDFD_GETFD_X, 2, 'target_fd');
param(EV.SETRESUID_X, 2, 'euid'); param(EV.SETREUID_X, 2, 'euid'); param(EV.SETRESGID_X, 2, 'egid'); param(EV.SETREGID_X, 2, 'egid');
param(EV.PROCEXIT_E, 4, 'reaper_tid'); param(EV.PRCTL_X, 3, 'arg2_int'); param(EV.CAPSET_X, 3, 'cap_effective');
param(EV.UNSHARE_X, 1, 'flags'); param(EV.SETNS_X, 2, 'nstype');
param(EV.PRLIMIT_X, 5, 'pid'); param(EV.PRLIMIT_X, 6, 'resource'); param(EV.GETRLIMIT_X, 3, 'resource');
param(EV.RECVFROM_X, 2, 'tuple'); param(EV.RECVMSG_X, 3, 'tuple'); param(EV.RECVMSG_X, 4, 'msgcontrol');
param(EV.RECVMMSG_X, 4, 'tuple'); param(EV.RECV_X, 4, 'tuple');
param(EV.SEND_X, 4, 'tuple'); param(EV.SENDTO_X, 4, 'tuple'); param(EV.SENDMSG_X, 4, 'tuple'); param(EV.SENDMMSG_X, 4, 'tuple');
param(EV.SENDTO_X, 2, 'fd'); param(EV.USER_ADDED_E, 5, 'container_id'); param(EV.GROUP_ADDED_E, 2, 'container_id');

/**
 * Where the fd parameter of an exit event is (libscap get_exit_event_fd_location); -1 when the
 * event has none. Events that only create fds take their fd from the return value instead.
 */
export const FD_PARAM_OF_EXIT = new Int8Array(EVENT_TABLE.length).fill(-1);
{
  const at: Array<[number, string[]]> = [
    [1, ['SETNS_X', 'SOCKET_LISTEN_X', 'SOCKET_SHUTDOWN_X', 'FCHDIR_X', 'LSEEK_X', 'LLSEEK_X', 'IOCTL_3_X', 'FSTAT_X',
      'CLOSE_X', 'GETDENTS_X', 'GETDENTS64_X', 'FLOCK_X', 'COPY_FILE_RANGE_X', 'FCNTL_X', 'DUP_1_X', 'DUP2_X', 'DUP3_X',
      'NEWFSTATAT_X', 'FCHOWNAT_X', 'FCHMODAT_X', 'MKDIRAT_X', 'UNLINKAT_2_X', 'MKNODAT_X', 'SOCKET_SENDMMSG_X',
      'SOCKET_RECVMMSG_X', 'IO_URING_REGISTER_X', 'IO_URING_ENTER_X', 'SOCKET_SETSOCKOPT_X', 'SOCKET_GETSOCKOPT_X',
      'FSCONFIG_X', 'FINIT_MODULE_X', 'FCHMOD_X', 'FCHOWN_X']],
    [2, ['READ_X', 'PREAD_X', 'SOCKET_BIND_X', 'WRITE_X', 'PWRITE_X', 'SOCKET_RECV_X', 'SOCKET_SEND_X', 'SOCKET_SENDTO_X',
      'SOCKET_SENDMSG_X', 'SENDFILE_X', 'SPLICE_X', 'WRITEV_X', 'PWRITEV_X', 'SOCKET_CONNECT_X', 'SYMLINKAT_X']],
    [3, ['SOCKET_RECVFROM_X', 'READV_X', 'PREADV_X']],
    [5, ['SOCKET_RECVMSG_X']],
    [8, ['MMAP_X', 'MMAP2_X']],
  ];
  for (const [loc, names] of at) {
    for (const n of names) {
      const id = n.startsWith('SOCKET_') ? `PPME_${n}` : `PPME_SYSCALL_${n}`;
      FD_PARAM_OF_EXIT[code(id)] = loc;
    }
  }
}
