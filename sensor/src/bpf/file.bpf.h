/* File-system syscalls: open family, close, dup family, directory changes, links, renames,
 * removals, permissions, ownership, pipes, fcntl, memfd, close_range. Arguments come from the saved user registers,
 * which still hold them at sys_exit, and strings are read after the kernel faulted them in. */
#ifndef SAKER_FILE_BPF_H
#define SAKER_FILE_BPF_H

#define NR_CLOSE 3
#define NR_OPENAT 257

/* Copies the path of the file a successful open made (file_path_from_root) to `dst` in the ring,
 * NUL-terminated; returns its length, 0 when there is none (a failed open, no whole path). */
static __always_inline long copy_opened_path(void *dst, struct task_struct *t, struct file *f)
{
	__u32 cpu = bpf_get_smp_processor_id();
	struct rec *r = bpf_map_lookup_elem(&scratch_map, &cpu);

	if (!r || !f)
		return 0;
	long off = file_path_from_root(r, f, t);
	if (off < 0)
		return 0;
	long n = bpf_probe_read_kernel_str(dst, STR_MAX, &r->path[off & PATH_TMP_MASK]);
	return n > 0 ? n : 0;
}

/* The same as a parameter of a scratch record (open, openat2): the path is assembled in r->path,
 * apart from r->buf. */
static __always_inline void put_opened_path(struct rec *r, struct task_struct *t, struct file *f)
{
	long off = f ? file_path_from_root(r, f, t) : -1;

	if (off < 0) {
		put_empty(r);
		return;
	}
	put_kstr(r, &r->path[off & PATH_TMP_MASK], STR_MAX);
}

HANDLER
int BPF_PROG(sx_open, struct pt_regs *regs, long ret)
{
	__u32 flags = syscall_arg(regs, 1);
	struct opened o;
	struct rec *r;

	long read;
	if (pf_drop_open(current_task(), (const void *)syscall_arg(regs, 0), flags, syscall_arg(regs, 2), ret, &read))
		return 0;
	pf_forget_file(current_task(), ret);
	if (!(r = rec_begin(PPME_SYSCALL_OPEN_X, 7, DK_OPEN)))
		return 0;
	inspect_opened(ret, &o);
	put_s64(r, ret);
	put_ustr(r, syscall_arg(regs, 0));
	put_u32(r, open_flags_to_ppm(flags) | o.flags);
	put_u32(r, open_mode_to_ppm(flags, syscall_arg(regs, 2)));
	put_u32(r, o.dev);
	put_u64(r, o.ino);
	put_opened_path(r, current_task(), o.file);
	rec_submit(r);
	return 0;
}

/* openat and close are also called directly by the dispatcher (sensor.bpf.c), which has the
 * current task at hand (`t`). They are the commonest events, and their layouts are fixed, so
 * they are written straight into the ring (fixed_begin in record.bpf.h):
 *   openat: hdr(26) lens(8 x 2) res(8) dirfd(8) name(n) flags(4) mode(4) dev(4) ino(8) kpath(k)
 *   close:  hdr(26) lens(2 x 2) res(8) fd(8)
 * kpath, past libs' seven parameters, is the opened file's path from the opener's root (see
 * put_opened_path); `saker capture` leaves it out of the files it writes. */
#define OPENAT_FIXED (HDR_SIZE + 8 * 2 + 8 + 8 + 4 + 4 + 4 + 8)
#define CLOSE_SIZE (HDR_SIZE + 2 * 2 + 8 + 8)

static __always_inline int openat_exit(struct pt_regs *regs, long ret, struct task_struct *t,
				       bool compat)
{
	__u32 flags = sys_arg(regs, 2, compat);
	const void *name = (const void *)sys_arg(regs, 1, compat);
	struct ring_slot s;
	struct opened o;

	long read;
	if (pf_drop_open(t, name, flags, sys_arg(regs, 3, compat), ret, &read))
		return 0;
	pf_forget(t, ret); /* an fd the engine learns of (a stale mark would drop its close) */
	pf_forget_file(t, ret);
	if (!fixed_begin(&s, OPENAT_FIXED + 2 * STR_MAX))
		return 0;
	__u64 ts = event_ts();
	inspect_opened_of(t, ret, &o);
	unsigned long p = s.at;
	long n = read > 0 ? pf_copy_read_path((void *)(p + 58), read) : -1;
	if (n < 0)
		n = copy_user_path((void *)(p + 58), STR_MAX, name);
	if (n < 0 || n > STR_MAX)
		n = 0;
	unsigned long q = p + 58 + (n & (2 * STR_MAX - 1));
	long k = copy_opened_path((void *)(q + 20), t, o.file);
	if (k < 0 || k > STR_MAX)
		k = 0;
	__u32 len = OPENAT_FIXED + n + k;
	write_hdr(p, ts, current_tid_of(t), len, PPME_SYSCALL_OPENAT_2_X, 8);
	*(__u16 *)(p + 26) = 8;
	*(__u16 *)(p + 28) = 8;
	*(__u16 *)(p + 30) = n;
	*(__u16 *)(p + 32) = 4;
	*(__u16 *)(p + 34) = 4;
	*(__u16 *)(p + 36) = 4;
	*(__u16 *)(p + 38) = 8;
	*(__u16 *)(p + 40) = k;
	*(__s64 *)(p + 42) = ret;
	*(__s64 *)(p + 50) = dirfd_to_ppm(sys_arg(regs, 0, compat));
	*(__u32 *)q = open_flags_to_ppm(flags) | o.flags;
	*(__u32 *)(q + 4) = open_mode_to_ppm(flags, sys_arg(regs, 3, compat));
	*(__u32 *)(q + 8) = o.dev;
	*(__u64 *)(q + 12) = o.ino;
	fixed_commit(&s, len, DK_OPEN);
	return 0;
}

HANDLER
int BPF_PROG(sx_openat, struct pt_regs *regs, long ret)
{
	return openat_exit(regs, ret, current_task(), syscall_is_compat());
}

HANDLER
int BPF_PROG(sx_openat2, struct pt_regs *regs, long ret)
{
	struct open_how how = {};
	struct opened o;
	struct rec *r;

	bpf_probe_read_user(&how, sizeof(how), (const void *)syscall_arg(regs, 2));
	long read;
	if (pf_drop_open(current_task(), (const void *)syscall_arg(regs, 1), how.flags, how.mode, ret, &read))
		return 0;
	pf_forget_file(current_task(), ret);
	if (!(r = rec_begin(PPME_SYSCALL_OPENAT2_X, 9, DK_OPEN)))
		return 0;
	inspect_opened(ret, &o);
	put_s64(r, ret);
	put_s64(r, dirfd_to_ppm(syscall_arg(regs, 0)));
	put_ustr(r, syscall_arg(regs, 1));
	put_u32(r, open_flags_to_ppm(how.flags) | o.flags);
	put_u32(r, open_mode_to_ppm(how.flags, how.mode));
	put_u32(r, resolve_to_ppm(how.resolve));
	put_u32(r, o.dev);
	put_u64(r, o.ino);
	put_opened_path(r, current_task(), o.file);
	rec_submit(r);
	return 0;
}

HANDLER
int BPF_PROG(sx_creat, struct pt_regs *regs, long ret)
{
	struct opened o;
	struct rec *r;

	if (!(r = rec_begin(PPME_SYSCALL_CREAT_X, 7, DK_OPEN)))
		return 0;
	inspect_opened(ret, &o);
	put_s64(r, ret);
	put_ustr(r, syscall_arg(regs, 0));
	put_u32(r, open_mode_to_ppm(K_O_CREAT, syscall_arg(regs, 1)));
	put_u32(r, o.dev);
	put_u64(r, o.ino);
	put_u16(r, o.layer == OVERLAY_UPPER ? PPM_FD_UPPER_LAYER_CREAT :
		    o.layer == OVERLAY_LOWER ? PPM_FD_LOWER_LAYER_CREAT : 0);
	put_opened_path(r, current_task(), o.file);
	rec_submit(r);
	return 0;
}

static __always_inline int close_exit(struct pt_regs *regs, long ret, struct task_struct *t,
				      bool compat)
{
	struct ring_slot s;

	if (pf_drop_close(t, (__s32)sys_arg(regs, 0, compat)))
		return 0;
	if (!fixed_begin(&s, CLOSE_SIZE))
		return 0;
	unsigned long p = s.at;
	write_hdr(p, event_ts(), current_tid_of(t), CLOSE_SIZE, PPME_SYSCALL_CLOSE_X, 2);
	*(__u16 *)(p + 26) = 8;
	*(__u16 *)(p + 28) = 8;
	*(__s64 *)(p + 30) = ret;
	*(__s64 *)(p + 38) = (__s32)sys_arg(regs, 0, compat);
	fixed_commit(&s, CLOSE_SIZE, DK_CLOSE);
	return 0;
}

HANDLER
int BPF_PROG(sx_close, struct pt_regs *regs, long ret)
{
	return close_exit(regs, ret, current_task(), syscall_is_compat());
}

HANDLER
int BPF_PROG(sx_dup, struct pt_regs *regs, long ret)
{
	struct rec *r;

	if (!(r = rec_begin(PPME_SYSCALL_DUP_1_X, 2, DK_OTHER)))
		return 0;
	put_s64(r, (__s32)ret);
	put_s64(r, (__s32)syscall_arg(regs, 0));
	rec_submit(r);
	return 0;
}

HANDLER
int BPF_PROG(sx_dup2, struct pt_regs *regs, long ret)
{
	struct rec *r;

	if (!(r = rec_begin(PPME_SYSCALL_DUP2_X, 3, DK_OTHER)))
		return 0;
	put_s64(r, (__s32)ret);
	put_s64(r, (__s32)syscall_arg(regs, 0));
	put_s64(r, (__s32)syscall_arg(regs, 1));
	rec_submit(r);
	return 0;
}

HANDLER
int BPF_PROG(sx_dup3, struct pt_regs *regs, long ret)
{
	struct rec *r;

	if (!(r = rec_begin(PPME_SYSCALL_DUP3_X, 4, DK_OTHER)))
		return 0;
	put_s64(r, (__s32)ret);
	put_s64(r, (__s32)syscall_arg(regs, 0));
	put_s64(r, (__s32)syscall_arg(regs, 1));
	put_u32(r, fd_flags_to_ppm(syscall_arg(regs, 2)) & PPM_O_CLOEXEC);
	rec_submit(r);
	return 0;
}

/* res + one path argument: unlink, rmdir, chdir (the layouts differ only in the code). */
static __always_inline void emit_res_path(struct pt_regs *regs, long ret, __u16 type, __u16 kind)
{
	struct rec *r;

	if (!(r = rec_begin(type, 2, kind)))
		return;
	put_s64(r, ret);
	put_ustr(r, syscall_arg(regs, 0));
	rec_submit(r);
}

HANDLER
int BPF_PROG(sx_unlink, struct pt_regs *regs, long ret)
{
	emit_res_path(regs, ret, PPME_SYSCALL_UNLINK_2_X, DK_DIR_FILE);
	return 0;
}

HANDLER
int BPF_PROG(sx_rmdir, struct pt_regs *regs, long ret)
{
	emit_res_path(regs, ret, PPME_SYSCALL_RMDIR_2_X, DK_DIR_FILE);
	return 0;
}

HANDLER
int BPF_PROG(sx_chdir, struct pt_regs *regs, long ret)
{
	emit_res_path(regs, ret, PPME_SYSCALL_CHDIR_X, DK_OTHER);
	return 0;
}

/* res + two paths: link, symlink, rename. */
static __always_inline void emit_res_2paths(struct pt_regs *regs, long ret, __u16 type)
{
	struct rec *r;

	if (!(r = rec_begin(type, 3, DK_DIR_FILE)))
		return;
	put_s64(r, ret);
	put_ustr(r, syscall_arg(regs, 0));
	put_ustr(r, syscall_arg(regs, 1));
	rec_submit(r);
}

HANDLER
int BPF_PROG(sx_link, struct pt_regs *regs, long ret)
{
	emit_res_2paths(regs, ret, PPME_SYSCALL_LINK_2_X);
	return 0;
}

HANDLER
int BPF_PROG(sx_symlink, struct pt_regs *regs, long ret)
{
	emit_res_2paths(regs, ret, PPME_SYSCALL_SYMLINK_X);
	return 0;
}

HANDLER
int BPF_PROG(sx_rename, struct pt_regs *regs, long ret)
{
	emit_res_2paths(regs, ret, PPME_SYSCALL_RENAME_X);
	return 0;
}

/* res, olddirfd, oldpath, newdirfd, newpath [, flags]: linkat, renameat, renameat2. */
static __always_inline void emit_2at(struct pt_regs *regs, long ret, __u16 type, int nparams,
				     __u32 flags)
{
	struct rec *r;

	if (!(r = rec_begin(type, nparams, DK_DIR_FILE)))
		return;
	put_s64(r, ret);
	put_s64(r, dirfd_to_ppm(syscall_arg(regs, 0)));
	put_ustr(r, syscall_arg(regs, 1));
	put_s64(r, dirfd_to_ppm(syscall_arg(regs, 2)));
	put_ustr(r, syscall_arg(regs, 3));
	if (nparams == 6)
		put_u32(r, flags);
	rec_submit(r);
}

HANDLER
int BPF_PROG(sx_linkat, struct pt_regs *regs, long ret)
{
	emit_2at(regs, ret, PPME_SYSCALL_LINKAT_2_X, 6, linkat_flags_to_ppm(syscall_arg(regs, 4)));
	return 0;
}

HANDLER
int BPF_PROG(sx_renameat, struct pt_regs *regs, long ret)
{
	emit_2at(regs, ret, PPME_SYSCALL_RENAMEAT_X, 5, 0);
	return 0;
}

/* renameat2 flags (RENAME_NOREPLACE/EXCHANGE/WHITEOUT) are passed through, as libs does. */
HANDLER
int BPF_PROG(sx_renameat2, struct pt_regs *regs, long ret)
{
	emit_2at(regs, ret, PPME_SYSCALL_RENAMEAT2_X, 6, syscall_arg(regs, 4));
	return 0;
}

HANDLER
int BPF_PROG(sx_symlinkat, struct pt_regs *regs, long ret)
{
	struct rec *r;

	if (!(r = rec_begin(PPME_SYSCALL_SYMLINKAT_X, 4, DK_DIR_FILE)))
		return 0;
	put_s64(r, ret);
	put_ustr(r, syscall_arg(regs, 0));
	put_s64(r, dirfd_to_ppm(syscall_arg(regs, 1)));
	put_ustr(r, syscall_arg(regs, 2));
	rec_submit(r);
	return 0;
}

HANDLER
int BPF_PROG(sx_unlinkat, struct pt_regs *regs, long ret)
{
	struct rec *r;

	if (!(r = rec_begin(PPME_SYSCALL_UNLINKAT_2_X, 4, DK_DIR_FILE)))
		return 0;
	put_s64(r, ret);
	put_s64(r, dirfd_to_ppm(syscall_arg(regs, 0)));
	put_ustr(r, syscall_arg(regs, 1));
	put_u32(r, unlinkat_flags_to_ppm(syscall_arg(regs, 2)));
	rec_submit(r);
	return 0;
}

/* mkdir's mode is reported raw, as libs does. */
HANDLER
int BPF_PROG(sx_mkdir, struct pt_regs *regs, long ret)
{
	struct rec *r;

	if (!(r = rec_begin(PPME_SYSCALL_MKDIR_2_X, 3, DK_DIR_FILE)))
		return 0;
	put_s64(r, ret);
	put_ustr(r, syscall_arg(regs, 0));
	put_u32(r, syscall_arg(regs, 1));
	rec_submit(r);
	return 0;
}

HANDLER
int BPF_PROG(sx_mkdirat, struct pt_regs *regs, long ret)
{
	struct rec *r;

	if (!(r = rec_begin(PPME_SYSCALL_MKDIRAT_X, 4, DK_DIR_FILE)))
		return 0;
	put_s64(r, ret);
	put_s64(r, dirfd_to_ppm(syscall_arg(regs, 0)));
	put_ustr(r, syscall_arg(regs, 1));
	put_u32(r, syscall_arg(regs, 2));
	rec_submit(r);
	return 0;
}

HANDLER
int BPF_PROG(sx_chmod, struct pt_regs *regs, long ret)
{
	struct rec *r;

	if (!(r = rec_begin(PPME_SYSCALL_CHMOD_X, 3, DK_OTHER)))
		return 0;
	put_s64(r, ret);
	put_ustr(r, syscall_arg(regs, 0));
	put_u32(r, mode_to_ppm(syscall_arg(regs, 1)));
	rec_submit(r);
	return 0;
}

HANDLER
int BPF_PROG(sx_fchmod, struct pt_regs *regs, long ret)
{
	struct rec *r;

	if (!(r = rec_begin(PPME_SYSCALL_FCHMOD_X, 3, DK_OTHER)))
		return 0;
	put_s64(r, ret);
	put_s64(r, (__s32)syscall_arg(regs, 0));
	put_u32(r, mode_to_ppm(syscall_arg(regs, 1)));
	rec_submit(r);
	return 0;
}

HANDLER
int BPF_PROG(sx_fchmodat, struct pt_regs *regs, long ret)
{
	struct rec *r;

	if (!(r = rec_begin(PPME_SYSCALL_FCHMODAT_X, 4, DK_OTHER)))
		return 0;
	put_s64(r, ret);
	put_s64(r, dirfd_to_ppm(syscall_arg(regs, 0)));
	put_ustr(r, syscall_arg(regs, 1));
	put_u32(r, mode_to_ppm(syscall_arg(regs, 2)));
	rec_submit(r);
	return 0;
}

HANDLER
int BPF_PROG(sx_fchdir, struct pt_regs *regs, long ret)
{
	struct rec *r;

	if (!(r = rec_begin(PPME_SYSCALL_FCHDIR_X, 2, DK_OTHER)))
		return 0;
	put_s64(r, ret);
	put_s64(r, (__s32)syscall_arg(regs, 0));
	rec_submit(r);
	return 0;
}

/* pipe and pipe2: the two fds are read back from the caller's array; ino identifies the pipe. */
static __always_inline void emit_pipe(struct pt_regs *regs, long ret, bool two)
{
	__s32 fds[2] = {-1, -1};
	struct rec *r;

	if (!(r = rec_begin(two ? PPME_SYSCALL_PIPE2_X : PPME_SYSCALL_PIPE_X, two ? 5 : 4, DK_OTHER)))
		return;
	if (bpf_probe_read_user(fds, sizeof(fds), (const void *)syscall_arg(regs, 0))) {
		fds[0] = -1;
		fds[1] = -1;
	}
	put_s64(r, ret);
	put_s64(r, fds[0]);
	put_s64(r, fds[1]);
	put_u64(r, ret == 0 ? BPF_CORE_READ(fd_file(fds[0]), f_inode, i_ino) : 0);
	if (two)
		put_u32(r, pipe2_flags_to_ppm(syscall_arg(regs, 1)));
	rec_submit(r);
}

HANDLER
int BPF_PROG(sx_pipe, struct pt_regs *regs, long ret)
{
	emit_pipe(regs, ret, false);
	return 0;
}

HANDLER
int BPF_PROG(sx_pipe2, struct pt_regs *regs, long ret)
{
	emit_pipe(regs, ret, true);
	return 0;
}

HANDLER
int BPF_PROG(sx_fcntl, struct pt_regs *regs, long ret)
{
	struct rec *r;

	if (!(r = rec_begin(PPME_SYSCALL_FCNTL_X, 4, DK_OTHER)))
		return 0;
	put_s64(r, ret);
	put_s64(r, (__s32)syscall_arg(regs, 0));
	put_u8(r, fcntl_cmd_to_ppm(syscall_arg(regs, 1)));
	put_u64(r, syscall_arg(regs, 2));
	rec_submit(r);
	return 0;
}

HANDLER
int BPF_PROG(sx_memfd_create, struct pt_regs *regs, long ret)
{
	struct rec *r;

	if (!(r = rec_begin(PPME_SYSCALL_MEMFD_CREATE_X, 3, DK_OTHER)))
		return 0;
	put_s64(r, ret);
	put_ustr(r, syscall_arg(regs, 0));
	put_u32(r, memfd_flags_to_ppm(syscall_arg(regs, 1)));
	rec_submit(r);
	return 0;
}

/* chown and lchown: res, path, uid, gid (the ids as passed, -1 meaning "unchanged"). */
static __always_inline void emit_chown(struct pt_regs *regs, long ret, __u16 type)
{
	struct rec *r;

	if (!(r = rec_begin(type, 4, DK_OTHER)))
		return;
	put_s64(r, ret);
	put_ustr(r, syscall_arg(regs, 0));
	put_u32(r, syscall_arg(regs, 1));
	put_u32(r, syscall_arg(regs, 2));
	rec_submit(r);
}

HANDLER
int BPF_PROG(sx_chown, struct pt_regs *regs, long ret)
{
	emit_chown(regs, ret, PPME_SYSCALL_CHOWN_X);
	return 0;
}

HANDLER
int BPF_PROG(sx_lchown, struct pt_regs *regs, long ret)
{
	emit_chown(regs, ret, PPME_SYSCALL_LCHOWN_X);
	return 0;
}

HANDLER
int BPF_PROG(sx_fchown, struct pt_regs *regs, long ret)
{
	struct rec *r;

	if (!(r = rec_begin(PPME_SYSCALL_FCHOWN_X, 4, DK_OTHER)))
		return 0;
	put_s64(r, ret);
	put_s64(r, (__s32)syscall_arg(regs, 0));
	put_u32(r, syscall_arg(regs, 1));
	put_u32(r, syscall_arg(regs, 2));
	rec_submit(r);
	return 0;
}

HANDLER
int BPF_PROG(sx_fchownat, struct pt_regs *regs, long ret)
{
	struct rec *r;

	if (!(r = rec_begin(PPME_SYSCALL_FCHOWNAT_X, 6, DK_OTHER)))
		return 0;
	put_s64(r, ret);
	put_s64(r, dirfd_to_ppm(syscall_arg(regs, 0)));
	put_ustr(r, syscall_arg(regs, 1));
	put_u32(r, syscall_arg(regs, 2));
	put_u32(r, syscall_arg(regs, 3));
	put_u32(r, fchownat_flags_to_ppm(syscall_arg(regs, 4)));
	rec_submit(r);
	return 0;
}

/* open_by_handle_at names no path: the path is the opened file's, rebuilt from the kernel. */
HANDLER
int BPF_PROG(sx_open_by_handle_at, struct pt_regs *regs, long ret)
{
	__u32 flags = syscall_arg(regs, 2);
	struct opened o;
	struct rec *r;

	if (!(r = rec_begin(PPME_SYSCALL_OPEN_BY_HANDLE_AT_X, 6, DK_OPEN)))
		return 0;
	inspect_opened(ret, &o);
	put_s64(r, ret);
	put_s64(r, (__s32)syscall_arg(regs, 0));
	put_u32(r, open_flags_to_ppm(flags) | o.flags);
	if (ret >= 0)
		put_file_path(r, fd_file(ret));
	else
		put_empty(r);
	put_u32(r, o.dev);
	put_u64(r, o.ino);
	rec_submit(r);
	return 0;
}

/* close_range flags (CLOSE_RANGE_UNSHARE, CLOSE_RANGE_CLOEXEC) have libs' values. */
HANDLER
int BPF_PROG(sx_close_range, struct pt_regs *regs, long ret)
{
	struct rec *r;

	if (!(r = rec_begin(PPME_SYSCALL_CLOSE_RANGE_X, 4, DK_CLOSE)))
		return 0;
	put_s64(r, ret);
	put_u32(r, syscall_arg(regs, 0));
	put_u32(r, syscall_arg(regs, 1));
	put_u32(r, syscall_arg(regs, 2) & 6);
	rec_submit(r);
	return 0;
}

#endif
