/* Namespaces, mounts, root and session changes, credentials, pidfds, tracing, kernel modules, BPF
 * and other privileged calls. */
#ifndef SAKER_SYSTEM_BPF_H
#define SAKER_SYSTEM_BPF_H

/* res + one u32 argument converted by the caller: unshare, setuid, setgid, userfaultfd. */
static __always_inline void emit_res_u32(long ret, __u16 type, __u32 v)
{
	struct rec *r;

	if (!(r = rec_begin(type, 2, DK_OTHER)))
		return;
	put_s64(r, ret);
	put_u32(r, v);
	rec_submit(r);
}

HANDLER
int BPF_PROG(sx_unshare, struct pt_regs *regs, long ret)
{
	emit_res_u32(ret, PPME_SYSCALL_UNSHARE_X, clone_flags_to_ppm(syscall_arg(regs, 0)));
	return 0;
}

HANDLER
int BPF_PROG(sx_setuid, struct pt_regs *regs, long ret)
{
	emit_res_u32(ret, PPME_SYSCALL_SETUID_X, syscall_arg(regs, 0));
	return 0;
}

HANDLER
int BPF_PROG(sx_setgid, struct pt_regs *regs, long ret)
{
	emit_res_u32(ret, PPME_SYSCALL_SETGID_X, syscall_arg(regs, 0));
	return 0;
}

/* userfaultfd flags (O_CLOEXEC / O_NONBLOCK / UFFD_USER_MODE_ONLY) are passed raw, as libs does. */
HANDLER
int BPF_PROG(sx_userfaultfd, struct pt_regs *regs, long ret)
{
	emit_res_u32(ret, PPME_SYSCALL_USERFAULTFD_X, syscall_arg(regs, 0));
	return 0;
}

HANDLER
int BPF_PROG(sx_setns, struct pt_regs *regs, long ret)
{
	struct rec *r;

	if (!(r = rec_begin(PPME_SYSCALL_SETNS_X, 3, DK_OTHER)))
		return 0;
	put_s64(r, ret);
	put_s64(r, (__s32)syscall_arg(regs, 0));
	put_u32(r, clone_flags_to_ppm(syscall_arg(regs, 1)));
	rec_submit(r);
	return 0;
}

HANDLER
int BPF_PROG(sx_setresuid, struct pt_regs *regs, long ret)
{
	struct rec *r;

	if (!(r = rec_begin(PPME_SYSCALL_SETRESUID_X, 4, DK_OTHER)))
		return 0;
	put_s64(r, ret);
	put_u32(r, syscall_arg(regs, 0));
	put_u32(r, syscall_arg(regs, 1));
	put_u32(r, syscall_arg(regs, 2));
	rec_submit(r);
	return 0;
}

/* ptrace addr and data are PT_DYN: a one-byte type tag, then the value. */
HANDLER
int BPF_PROG(sx_ptrace, struct pt_regs *regs, long ret)
{
	__u16 req = ptrace_req_to_ppm(syscall_arg(regs, 0));
	__u64 addr = syscall_arg(regs, 2), data = syscall_arg(regs, 3);
	struct rec *r;
	__u32 start;

	if (!(r = rec_begin(PPME_SYSCALL_PTRACE_X, 5, DK_OTHER)))
		return 0;
	put_s64(r, ret);
	raw_u8(r, PPM_PTRACE_IDX_UINT64);
	raw_u64(r, ret < 0 ? 0 : addr);
	put_len(r, 9);
	start = r->pos;
	if (ret < 0) {
		raw_u8(r, PPM_PTRACE_IDX_UINT64);
		raw_u64(r, 0);
	} else if (req == 2 || req == 3 || req == 4) { /* PEEKTEXT/PEEKDATA/PEEKUSR: the word read */
		__u64 word = 0;
		bpf_probe_read_user(&word, sizeof(word), (const void *)data);
		raw_u8(r, PPM_PTRACE_IDX_UINT64);
		raw_u64(r, word);
	} else if (req == 8 || req == 10 || req == 12 || req == 13) { /* CONT/SINGLESTEP/DETACH/SYSCALL */
		raw_u8(r, PPM_PTRACE_IDX_SIGTYPE);
		raw_u8(r, data);
	} else {
		raw_u8(r, PPM_PTRACE_IDX_UINT64);
		raw_u64(r, data);
	}
	put_len(r, r->pos - start);
	put_u16(r, req);
	put_s64(r, (__s32)syscall_arg(regs, 1));
	rec_submit(r);
	return 0;
}

HANDLER
int BPF_PROG(sx_mount, struct pt_regs *regs, long ret)
{
	__u32 flags = syscall_arg(regs, 3);
	struct rec *r;

	if (!(r = rec_begin(PPME_SYSCALL_MOUNT_X, 5, DK_OTHER)))
		return 0;
	/* the obsolete magic number in the high bits is dropped, as libs does */
	if ((flags & 0xffff0000) == 0xC0ED0000)
		flags &= 0xffff;
	put_s64(r, ret);
	put_ustr(r, syscall_arg(regs, 0));
	put_ustr(r, syscall_arg(regs, 1));
	put_ustr(r, syscall_arg(regs, 2));
	put_u32(r, flags);
	rec_submit(r);
	return 0;
}

HANDLER
int BPF_PROG(sx_umount2, struct pt_regs *regs, long ret)
{
	struct rec *r;

	if (!(r = rec_begin(PPME_SYSCALL_UMOUNT2_X, 3, DK_OTHER)))
		return 0;
	put_s64(r, ret);
	put_ustr(r, syscall_arg(regs, 0));
	put_u32(r, umount2_flags_to_ppm(syscall_arg(regs, 1)));
	rec_submit(r);
	return 0;
}

/* bpf(2): the command numbers are passed through (PPM_BPF_* equal the uapi values). */
HANDLER
int BPF_PROG(sx_bpf, struct pt_regs *regs, long ret)
{
	struct rec *r;

	if (!(r = rec_begin(PPME_SYSCALL_BPF_2_X, 2, DK_OTHER)))
		return 0;
	put_s64(r, ret);
	put_u32(r, syscall_arg(regs, 0));
	rec_submit(r);
	return 0;
}

/* init_module: the first bytes of the image (snaplen-style cap: STR_MAX), its length, the args. */
HANDLER
int BPF_PROG(sx_init_module, struct pt_regs *regs, long ret)
{
	__u64 len = syscall_arg(regs, 1);
	struct rec *r;

	if (!(r = rec_begin(PPME_SYSCALL_INIT_MODULE_X, 4, DK_OTHER)))
		return 0;
	put_s64(r, ret);
	put_ubytes(r, (const void *)syscall_arg(regs, 0), len);
	put_u64(r, len);
	put_ustr(r, syscall_arg(regs, 2));
	rec_submit(r);
	return 0;
}

HANDLER
int BPF_PROG(sx_finit_module, struct pt_regs *regs, long ret)
{
	struct rec *r;

	if (!(r = rec_begin(PPME_SYSCALL_FINIT_MODULE_X, 4, DK_OTHER)))
		return 0;
	put_s64(r, ret);
	put_s64(r, (__s32)syscall_arg(regs, 0));
	put_ustr(r, syscall_arg(regs, 1));
	put_u32(r, finit_module_flags_to_ppm(syscall_arg(regs, 2)));
	rec_submit(r);
	return 0;
}

/* prctl: option numbers are passed through; the name for PR_SET/GET_NAME, the value read back
 * for PR_GET_CHILD_SUBREAPER, the raw second argument otherwise. */
HANDLER
int BPF_PROG(sx_prctl, struct pt_regs *regs, long ret)
{
	__u32 option = syscall_arg(regs, 0);
	__u64 arg2 = syscall_arg(regs, 1);
	struct rec *r;

	if (!(r = rec_begin(PPME_SYSCALL_PRCTL_X, 4, DK_OTHER)))
		return 0;
	put_s64(r, ret);
	put_u32(r, option);
	if (option == PPM_PR_SET_NAME || option == PPM_PR_GET_NAME) {
		put_str(r, (const void *)arg2, 16, true);
		put_s64(r, 0);
	} else if (option == PPM_PR_GET_CHILD_SUBREAPER) {
		__s32 v = 0;
		bpf_probe_read_user(&v, sizeof(v), (const void *)arg2);
		put_empty(r);
		put_s64(r, v);
	} else {
		put_empty(r);
		put_s64(r, arg2);
	}
	rec_submit(r);
	return 0;
}

/* capset: the capability sets in force after the call. */
HANDLER
int BPF_PROG(sx_capset, struct pt_regs *regs, long ret)
{
	struct task_struct *t = current_task();
	struct rec *r;

	if (!(r = rec_begin(PPME_SYSCALL_CAPSET_X, 4, DK_OTHER)))
		return 0;
	put_s64(r, ret);
	put_u64(r, task_caps(t, CAP_SET_INHERITABLE));
	put_u64(r, task_caps(t, CAP_SET_PERMITTED));
	put_u64(r, task_caps(t, CAP_SET_EFFECTIVE));
	rec_submit(r);
	return 0;
}

HANDLER
int BPF_PROG(sx_chroot, struct pt_regs *regs, long ret)
{
	emit_res_path(regs, ret, PPME_SYSCALL_CHROOT_X, DK_OTHER);
	return 0;
}

HANDLER
int BPF_PROG(sx_setsid, struct pt_regs *regs, long ret)
{
	struct rec *r;

	if (!(r = rec_begin(PPME_SYSCALL_SETSID_X, 1, DK_OTHER)))
		return 0;
	put_s64(r, ret);
	rec_submit(r);
	return 0;
}

/* res + two or three ids as passed: setreuid, setregid, setresgid. */
static __always_inline void emit_res_ids(struct pt_regs *regs, long ret, __u16 type, int n)
{
	struct rec *r;

	if (!(r = rec_begin(type, n + 1, DK_OTHER)))
		return;
	put_s64(r, ret);
	put_u32(r, syscall_arg(regs, 0));
	put_u32(r, syscall_arg(regs, 1));
	if (n == 3)
		put_u32(r, syscall_arg(regs, 2));
	rec_submit(r);
}

HANDLER
int BPF_PROG(sx_setreuid, struct pt_regs *regs, long ret)
{
	emit_res_ids(regs, ret, PPME_SYSCALL_SETREUID_X, 2);
	return 0;
}

HANDLER
int BPF_PROG(sx_setregid, struct pt_regs *regs, long ret)
{
	emit_res_ids(regs, ret, PPME_SYSCALL_SETREGID_X, 2);
	return 0;
}

HANDLER
int BPF_PROG(sx_setresgid, struct pt_regs *regs, long ret)
{
	emit_res_ids(regs, ret, PPME_SYSCALL_SETRESGID_X, 3);
	return 0;
}

/* pidfd_open: fd, pid, flags (PIDFD_NONBLOCK is O_NONBLOCK). */
HANDLER
int BPF_PROG(sx_pidfd_open, struct pt_regs *regs, long ret)
{
	struct rec *r;

	if (!(r = rec_begin(PPME_SYSCALL_PIDFD_OPEN_X, 3, DK_OTHER)))
		return 0;
	put_s64(r, ret);
	put_s64(r, (__s32)syscall_arg(regs, 0));
	put_u32(r, syscall_arg(regs, 1) & K_O_NONBLOCK ? 1 : 0);
	rec_submit(r);
	return 0;
}

/* pidfd_getfd: a copy of another process's fd. */
HANDLER
int BPF_PROG(sx_pidfd_getfd, struct pt_regs *regs, long ret)
{
	struct rec *r;

	if (!(r = rec_begin(PPME_SYSCALL_PIDFD_GETFD_X, 4, DK_OTHER)))
		return 0;
	put_s64(r, ret);
	put_s64(r, (__s32)syscall_arg(regs, 0));
	put_s64(r, (__s32)syscall_arg(regs, 1));
	put_u32(r, syscall_arg(regs, 2));
	rec_submit(r);
	return 0;
}

#endif
