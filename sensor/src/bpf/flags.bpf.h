/* Kernel flag values (x86-64 uapi; vmlinux.h has no macros) and their conversion to the PPM_*
 * encodings of the libs event format, following driver/ppm_flag_helpers.h.
 *
 * Two deliberate differences from libs: PPM_O_TMPFILE needs the whole O_TMPFILE value
 * (__O_TMPFILE | O_DIRECTORY) and PPM_O_SYNC needs __O_SYNC, where libs tests any bit of the
 * compound masks and so flags every O_DIRECTORY open as O_TMPFILE and every O_DSYNC one as O_SYNC.
 */
#ifndef SAKER_FLAGS_BPF_H
#define SAKER_FLAGS_BPF_H

#define K_O_WRONLY 00000001
#define K_O_RDWR 00000002
#define K_O_CREAT 00000100
#define K_O_EXCL 00000200
#define K_O_TRUNC 00001000
#define K_O_APPEND 00002000
#define K_O_NONBLOCK 00004000
#define K_O_DSYNC 00010000
#define K_O_DIRECT 00040000
#define K_O_LARGEFILE 00100000
#define K_O_DIRECTORY 00200000
#define K_O_CLOEXEC 02000000
#define K___O_SYNC 04000000
#define K___O_TMPFILE 020000000
#define K_O_TMPFILE (K___O_TMPFILE | K_O_DIRECTORY)

#define K_S_IFMT 00170000
#define K_S_IFSOCK 0140000
#define K_S_IFREG 0100000
#define K_S_IFDIR 0040000
#define K_S_IFLNK 0120000

#define K_AT_FDCWD -100
#define K_AT_SYMLINK_FOLLOW 0x400
#define K_AT_REMOVEDIR 0x200
#define K_AT_EMPTY_PATH 0x1000

#define K_CLONE_VM 0x00000100
#define K_CLONE_FS 0x00000200
#define K_CLONE_FILES 0x00000400
#define K_CLONE_SIGHAND 0x00000800
#define K_CLONE_PTRACE 0x00002000
#define K_CLONE_VFORK 0x00004000
#define K_CLONE_PARENT 0x00008000
#define K_CLONE_THREAD 0x00010000
#define K_CLONE_NEWNS 0x00020000
#define K_CLONE_SYSVSEM 0x00040000
#define K_CLONE_SETTLS 0x00080000
#define K_CLONE_PARENT_SETTID 0x00100000
#define K_CLONE_CHILD_CLEARTID 0x00200000
#define K_CLONE_UNTRACED 0x00800000
#define K_CLONE_CHILD_SETTID 0x01000000
#define K_CLONE_NEWCGROUP 0x02000000
#define K_CLONE_NEWUTS 0x04000000
#define K_CLONE_NEWIPC 0x08000000
#define K_CLONE_NEWUSER 0x10000000
#define K_CLONE_NEWPID 0x20000000
#define K_CLONE_NEWNET 0x40000000
#define K_CLONE_IO 0x80000000

#define K_AF_UNIX 1
#define K_AF_INET 2
#define K_AF_INET6 10

#define K_MNT_FORCE 1
#define K_MNT_DETACH 2
#define K_MNT_EXPIRE 4
#define K_UMOUNT_NOFOLLOW 8

#define K_MFD_CLOEXEC 1
#define K_MFD_ALLOW_SEALING 2
#define K_MFD_HUGETLB 4

#define K_PF_KTHREAD 0x00200000
#define K_PF_EXITING 0x00000004
#define K_TS_COMPAT 0x0002
#define K_FMODE_CREATED 0x100000
#define K_SB_RDONLY 1
#define K_S_IMMUTABLE 8
#define K_OVERLAYFS_SUPER_MAGIC 0x794c7630
#define K_EINPROGRESS 115

static __always_inline __u32 open_flags_to_ppm(__u32 f)
{
	__u32 r;

	switch (f & (K_O_WRONLY | K_O_RDWR)) {
	case K_O_WRONLY: r = PPM_O_WRONLY; break;
	case K_O_RDWR: r = PPM_O_RDWR; break;
	default: r = PPM_O_RDONLY; break;
	}
	if (f & K_O_CREAT) r |= PPM_O_CREAT;
	if ((f & K_O_TMPFILE) == K_O_TMPFILE) r |= PPM_O_TMPFILE;
	if (f & K_O_APPEND) r |= PPM_O_APPEND;
	if (f & K_O_DSYNC) r |= PPM_O_DSYNC;
	if (f & K_O_EXCL) r |= PPM_O_EXCL;
	if (f & K_O_NONBLOCK) r |= PPM_O_NONBLOCK;
	if (f & K___O_SYNC) r |= PPM_O_SYNC;
	if (f & K_O_TRUNC) r |= PPM_O_TRUNC;
	if (f & K_O_DIRECT) r |= PPM_O_DIRECT;
	if (f & K_O_DIRECTORY) r |= PPM_O_DIRECTORY;
	if (f & K_O_LARGEFILE) r |= PPM_O_LARGEFILE;
	if (f & K_O_CLOEXEC) r |= PPM_O_CLOEXEC;
	return r;
}

/* Permission bits; the same layout serves chmod and open modes. */
static __always_inline __u32 mode_to_ppm(__u32 m)
{
	__u32 r = 0;

	if (m & 0001) r |= PPM_S_IXOTH;
	if (m & 0002) r |= PPM_S_IWOTH;
	if (m & 0004) r |= PPM_S_IROTH;
	if (m & 0010) r |= PPM_S_IXGRP;
	if (m & 0020) r |= PPM_S_IWGRP;
	if (m & 0040) r |= PPM_S_IRGRP;
	if (m & 0100) r |= PPM_S_IXUSR;
	if (m & 0200) r |= PPM_S_IWUSR;
	if (m & 0400) r |= PPM_S_IRUSR;
	if (m & 01000) r |= PPM_S_ISVTX;
	if (m & 02000) r |= PPM_S_ISGID;
	if (m & 04000) r |= PPM_S_ISUID;
	return r;
}

/* open(2) only uses the mode when it may create the file. */
static __always_inline __u32 open_mode_to_ppm(__u32 flags, __u32 mode)
{
	if (!(flags & K_O_CREAT) && (flags & K_O_TMPFILE) != K_O_TMPFILE)
		return 0;
	return mode_to_ppm(mode);
}

static __always_inline __u32 clone_flags_to_ppm(__u64 f)
{
	__u32 r = 0;

	if (f & K_CLONE_FILES) r |= PPM_CL_CLONE_FILES;
	if (f & K_CLONE_FS) r |= PPM_CL_CLONE_FS;
	if (f & K_CLONE_IO) r |= PPM_CL_CLONE_IO;
	if (f & K_CLONE_NEWIPC) r |= PPM_CL_CLONE_NEWIPC;
	if (f & K_CLONE_NEWNET) r |= PPM_CL_CLONE_NEWNET;
	if (f & K_CLONE_NEWNS) r |= PPM_CL_CLONE_NEWNS;
	if (f & K_CLONE_NEWPID) r |= PPM_CL_CLONE_NEWPID;
	if (f & K_CLONE_NEWUTS) r |= PPM_CL_CLONE_NEWUTS;
	if (f & K_CLONE_PARENT_SETTID) r |= PPM_CL_CLONE_PARENT_SETTID;
	if (f & K_CLONE_PARENT) r |= PPM_CL_CLONE_PARENT;
	if (f & K_CLONE_PTRACE) r |= PPM_CL_CLONE_PTRACE;
	if (f & K_CLONE_SIGHAND) r |= PPM_CL_CLONE_SIGHAND;
	if (f & K_CLONE_SYSVSEM) r |= PPM_CL_CLONE_SYSVSEM;
	if (f & K_CLONE_THREAD) r |= PPM_CL_CLONE_THREAD;
	if (f & K_CLONE_UNTRACED) r |= PPM_CL_CLONE_UNTRACED;
	if (f & K_CLONE_VM) r |= PPM_CL_CLONE_VM;
	if (f & K_CLONE_NEWUSER) r |= PPM_CL_CLONE_NEWUSER;
	if (f & K_CLONE_CHILD_CLEARTID) r |= PPM_CL_CLONE_CHILD_CLEARTID;
	if (f & K_CLONE_CHILD_SETTID) r |= PPM_CL_CLONE_CHILD_SETTID;
	if (f & K_CLONE_SETTLS) r |= PPM_CL_CLONE_SETTLS;
	if (f & K_CLONE_VFORK) r |= PPM_CL_CLONE_VFORK;
	if (f & K_CLONE_NEWCGROUP) r |= PPM_CL_CLONE_NEWCGROUP;
	return r;
}

/* O_NONBLOCK / O_CLOEXEC as used by accept4, socket types, dup3 and pipe2. */
static __always_inline __u32 fd_flags_to_ppm(__s32 f)
{
	__u32 r = 0;

	if (f < 0)
		return 0;
	if (f & K_O_NONBLOCK) r |= PPM_O_NONBLOCK;
	if (f & K_O_CLOEXEC) r |= PPM_O_CLOEXEC;
	return r;
}

static __always_inline __u32 pipe2_flags_to_ppm(__s32 f)
{
	__u32 r = fd_flags_to_ppm(f);

	if (f >= 0 && (f & K_O_DIRECT))
		r |= PPM_O_DIRECT;
	return r;
}

/* PPM_AF_* equal the Linux values up to AF_NFC (39); anything else is reported as AF_UNSPEC. */
static __always_inline __u8 family_to_ppm(__u16 family)
{
	return family <= 39 && family != 27 && family != 28 ? family : 0;
}

static __always_inline __u32 resolve_to_ppm(__u64 f)
{
	__u32 r = 0;

	if (f & 0x01) r |= PPM_RESOLVE_NO_XDEV;
	if (f & 0x02) r |= PPM_RESOLVE_NO_MAGICLINKS;
	if (f & 0x04) r |= PPM_RESOLVE_NO_SYMLINKS;
	if (f & 0x08) r |= PPM_RESOLVE_BENEATH;
	if (f & 0x10) r |= PPM_RESOLVE_IN_ROOT;
	if (f & 0x20) r |= PPM_RESOLVE_CACHED;
	return r;
}

static __always_inline __u32 umount2_flags_to_ppm(__s32 f)
{
	__u32 r = 0;

	if (f & K_MNT_FORCE) r |= PPM_MNT_FORCE;
	if (f & K_MNT_DETACH) r |= PPM_MNT_DETACH;
	if (f & K_MNT_EXPIRE) r |= PPM_MNT_EXPIRE;
	if (f & K_UMOUNT_NOFOLLOW) r |= PPM_UMOUNT_NOFOLLOW;
	return r;
}

static __always_inline __u32 memfd_flags_to_ppm(__u32 f)
{
	__u32 r = 0;

	if (f & K_MFD_CLOEXEC) r |= PPM_MFD_CLOEXEC;
	if (f & K_MFD_ALLOW_SEALING) r |= PPM_MFD_ALLOW_SEALING;
	if (f & K_MFD_HUGETLB) r |= PPM_MFD_HUGETLB;
	return r;
}

/* MODULE_INIT_* have the same values as PPM_MODULE_INIT_*. */
static __always_inline __u32 finit_module_flags_to_ppm(__s32 f)
{
	return f & (PPM_MODULE_INIT_IGNORE_MODVERSIONS | PPM_MODULE_INIT_IGNORE_VERMAGIC |
		    PPM_MODULE_INIT_COMPRESSED_FILE);
}

static __always_inline __u32 linkat_flags_to_ppm(__s32 f)
{
	__u32 r = 0;

	if (f & K_AT_SYMLINK_FOLLOW) r |= PPM_AT_SYMLINK_FOLLOW;
	if (f & K_AT_EMPTY_PATH) r |= PPM_AT_EMPTY_PATH;
	return r;
}

static __always_inline __u32 unlinkat_flags_to_ppm(__s32 f)
{
	return (f & K_AT_REMOVEDIR) ? PPM_AT_REMOVEDIR : 0;
}

/* AT_FDCWD is the same number in both encodings, but libs normalises it explicitly. */
static __always_inline __s64 dirfd_to_ppm(__s32 fd)
{
	return fd == K_AT_FDCWD ? PPM_AT_FDCWD : fd;
}

/* fcntl commands: the PPM codes are a dense renumbering of the x86-64 F_* values. */
static __always_inline __u8 fcntl_cmd_to_ppm(__u32 cmd)
{
	switch (cmd) {
	case 0: return 1;     /* F_DUPFD */
	case 1: return 2;     /* F_GETFD */
	case 2: return 3;     /* F_SETFD */
	case 3: return 4;     /* F_GETFL */
	case 4: return 5;     /* F_SETFL */
	case 5: return 6;     /* F_GETLK */
	case 6: return 8;     /* F_SETLK */
	case 7: return 9;     /* F_SETLKW */
	case 8: return 10;    /* F_SETOWN */
	case 9: return 12;    /* F_GETOWN */
	case 10: return 13;   /* F_SETSIG */
	case 11: return 15;   /* F_GETSIG */
	case 15: return 21;   /* F_SETOWN_EX */
	case 16: return 22;   /* F_GETOWN_EX */
	case 36: return 30;   /* F_OFD_GETLK */
	case 37: return 31;   /* F_OFD_SETLK */
	case 38: return 32;   /* F_OFD_SETLKW */
	case 1024: return 23; /* F_SETLEASE */
	case 1025: return 24; /* F_GETLEASE */
	case 1026: return 27; /* F_NOTIFY */
	case 1029: return 25; /* F_CANCELLK */
	case 1030: return 26; /* F_DUPFD_CLOEXEC */
	case 1031: return 28; /* F_SETPIPE_SZ */
	case 1032: return 29; /* F_GETPIPE_SZ */
	default: return 0;
	}
}

/* ptrace requests (x86-64 PTRACE_* values) to PPM_PTRACE_* codes. */
static __always_inline __u16 ptrace_req_to_ppm(__u64 req)
{
	switch (req) {
	case 0: return 1;       /* TRACEME */
	case 1: return 2;       /* PEEKTEXT */
	case 2: return 3;       /* PEEKDATA */
	case 3: return 4;       /* PEEKUSR */
	case 4: return 5;       /* POKETEXT */
	case 5: return 6;       /* POKEDATA */
	case 6: return 7;       /* POKEUSR */
	case 7: return 8;       /* CONT */
	case 8: return 9;       /* KILL */
	case 9: return 10;      /* SINGLESTEP */
	case 12: return 26;     /* GETREGS */
	case 13: return 27;     /* SETREGS */
	case 14: return 28;     /* GETFPREGS */
	case 15: return 29;     /* SETFPREGS */
	case 16: return 11;     /* ATTACH */
	case 17: return 12;     /* DETACH */
	case 18: return 30;     /* GETFPXREGS */
	case 19: return 31;     /* SETFPXREGS */
	case 21: return 32;     /* OLDSETOPTIONS */
	case 24: return 13;     /* SYSCALL */
	case 25: return 33;     /* GET_THREAD_AREA */
	case 26: return 34;     /* SET_THREAD_AREA */
	case 30: return 35;     /* ARCH_PRCTL */
	case 31: return 36;     /* SYSEMU */
	case 32: return 37;     /* SYSEMU_SINGLESTEP */
	case 33: return 38;     /* SINGLEBLOCK */
	case 0x4200: return 14; /* SETOPTIONS */
	case 0x4201: return 15; /* GETEVENTMSG */
	case 0x4202: return 16; /* GETSIGINFO */
	case 0x4203: return 17; /* SETSIGINFO */
	case 0x4204: return 18; /* GETREGSET */
	case 0x4205: return 19; /* SETREGSET */
	case 0x4206: return 20; /* SEIZE */
	case 0x4207: return 21; /* INTERRUPT */
	case 0x4208: return 22; /* LISTEN */
	case 0x4209: return 23; /* PEEKSIGINFO */
	case 0x420a: return 24; /* GETSIGMASK */
	case 0x420b: return 25; /* SETSIGMASK */
	default: return 0;
	}
}

/* Linux capability bit n is PPM_CAP bit n for every capability libs knows (0..40). */
static __always_inline __u64 caps_to_ppm(__u64 caps)
{
	return caps & ((1ULL << 41) - 1);
}

/* mmap/mprotect protections (PPM_PROT_*): READ, WRITE, EXEC, SEM keep their bits; GROWSDOWN and
 * GROWSUP move down. */
static __always_inline __u32 prot_to_ppm(__u32 p)
{
	return (p & 0xf) | (p & 0x01000000 ? 1 << 4 : 0) | (p & 0x02000000 ? 1 << 5 : 0);
}

/* mmap flags (PPM_MAP_*). */
static __always_inline __u32 mmap_flags_to_ppm(__u32 f)
{
	__u32 r = f & 3; /* SHARED, PRIVATE */

	if (f & 0x10) r |= 1 << 2;     /* FIXED */
	if (f & 0x20) r |= 1 << 3;     /* ANONYMOUS */
	if (f & 0x40) r |= 1 << 4;     /* 32BIT */
	if (f & 0x4000) r |= 1 << 6;   /* NORESERVE */
	if (f & 0x8000) r |= 1 << 7;   /* POPULATE */
	if (f & 0x10000) r |= 1 << 8;  /* NONBLOCK */
	if (f & 0x100) r |= 1 << 9;    /* GROWSDOWN */
	if (f & 0x800) r |= 1 << 10;   /* DENYWRITE */
	if (f & 0x1000) r |= 1 << 11;  /* EXECUTABLE */
	if (f & 0x2000) r |= 1 << 14;  /* LOCKED */
	return r;
}

/* fchownat flags: AT_SYMLINK_NOFOLLOW and AT_EMPTY_PATH as libs' fchownat_flags spell them. */
static __always_inline __u32 fchownat_flags_to_ppm(__u32 f)
{
	return (f & 0x100 ? 0x400 : 0) | (f & 0x1000 ? 0x1000 : 0);
}

/* io_uring_setup flags: IOPOLL and SQPOLL keep their bits, SQ_AFF .. R_DISABLED move up one
 * (libs keeps bit 2 for IORING_SQ_NEED_WAKEUP). */
static __always_inline __u32 io_uring_setup_flags_to_ppm(__u32 f)
{
	return (f & 3) | ((f & 0x7c) << 1);
}

#endif
