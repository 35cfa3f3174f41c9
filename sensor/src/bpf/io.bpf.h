/* Data I/O: read, write, pread64, pwrite64 and the vector forms, with the first `cfg.snaplen`
 * bytes moved (evt.buffer). None of these is in the base set: the agent captures them only when
 * a loaded rule names them (src/capture/live/syscall-set.ts), so their cost stays off the common
 * path. */
#ifndef SAKER_IO_BPF_H
#define SAKER_IO_BPF_H

/* res, data, fd, size [, pos]: read/write/pread/pwrite. A read's data is what arrived (res
 * bytes), a write's what was accepted. */
static __always_inline void emit_rw(struct pt_regs *regs, long ret, __u16 type, bool at_pos)
{
	__u64 size = syscall_arg(regs, 2);
	struct rec *r;

	if (!(r = rec_begin(type, at_pos ? 5 : 4, DK_OTHER)))
		return;
	put_s64(r, ret);
	if (ret > 0)
		put_ubytes(r, (const void *)syscall_arg(regs, 1), snaplen_for(ret, size));
	else
		put_empty(r);
	put_s64(r, (__s32)syscall_arg(regs, 0));
	put_u32(r, size);
	if (at_pos)
		put_u64(r, syscall_arg(regs, 3));
	rec_submit(r);
}

HANDLER
int BPF_PROG(sx_read, struct pt_regs *regs, long ret)
{
	emit_rw(regs, ret, PPME_SYSCALL_READ_X, false);
	return 0;
}

HANDLER
int BPF_PROG(sx_write, struct pt_regs *regs, long ret)
{
	emit_rw(regs, ret, PPME_SYSCALL_WRITE_X, false);
	return 0;
}

HANDLER
int BPF_PROG(sx_pread64, struct pt_regs *regs, long ret)
{
	emit_rw(regs, ret, PPME_SYSCALL_PREAD_X, true);
	return 0;
}

HANDLER
int BPF_PROG(sx_pwrite64, struct pt_regs *regs, long ret)
{
	emit_rw(regs, ret, PPME_SYSCALL_PWRITE_X, true);
	return 0;
}

/* The vector forms. libs orders their parameters differently for reads (res, size, data, fd
 * [, pos]) and writes (res, data, fd, size [, pos]). */
static __always_inline void emit_rwv(struct pt_regs *regs, long ret, __u16 type, bool write,
				     bool at_pos)
{
	const struct iovec *iov = (const struct iovec *)syscall_arg(regs, 1);
	__u64 cnt = syscall_arg(regs, 2);
	__u64 size = iov_total(iov, cnt);
	struct rec *r;

	if (!(r = rec_begin(type, at_pos ? 5 : 4, DK_OTHER)))
		return;
	put_s64(r, ret);
	if (!write)
		put_u32(r, size);
	if (ret > 0)
		put_iov_data(r, iov, cnt, snaplen_for(ret, size));
	else
		put_empty(r);
	put_s64(r, (__s32)syscall_arg(regs, 0));
	if (write)
		put_u32(r, size);
	if (at_pos)
		put_u64(r, syscall_arg(regs, 3));
	rec_submit(r);
}

HANDLER
int BPF_PROG(sx_readv, struct pt_regs *regs, long ret)
{
	emit_rwv(regs, ret, PPME_SYSCALL_READV_X, false, false);
	return 0;
}

HANDLER
int BPF_PROG(sx_writev, struct pt_regs *regs, long ret)
{
	emit_rwv(regs, ret, PPME_SYSCALL_WRITEV_X, true, false);
	return 0;
}

HANDLER
int BPF_PROG(sx_preadv, struct pt_regs *regs, long ret)
{
	emit_rwv(regs, ret, PPME_SYSCALL_PREADV_X, false, true);
	return 0;
}

HANDLER
int BPF_PROG(sx_pwritev, struct pt_regs *regs, long ret)
{
	emit_rwv(regs, ret, PPME_SYSCALL_PWRITEV_X, true, true);
	return 0;
}

#endif
