/* Signals sent: kill, tkill, tgkill (the target and the signal, whatever the outcome). */
#ifndef SAKER_SIGNAL_BPF_H
#define SAKER_SIGNAL_BPF_H

HANDLER
int BPF_PROG(sx_kill, struct pt_regs *regs, long ret)
{
	struct rec *r;

	if (!(r = rec_begin(PPME_SYSCALL_KILL_X, 3, DK_OTHER)))
		return 0;
	put_s64(r, ret);
	put_s64(r, (__s32)syscall_arg(regs, 0));
	put_u8(r, syscall_arg(regs, 1));
	rec_submit(r);
	return 0;
}

HANDLER
int BPF_PROG(sx_tkill, struct pt_regs *regs, long ret)
{
	struct rec *r;

	if (!(r = rec_begin(PPME_SYSCALL_TKILL_X, 3, DK_OTHER)))
		return 0;
	put_s64(r, ret);
	put_s64(r, (__s32)syscall_arg(regs, 0));
	put_u8(r, syscall_arg(regs, 1));
	rec_submit(r);
	return 0;
}

HANDLER
int BPF_PROG(sx_tgkill, struct pt_regs *regs, long ret)
{
	struct rec *r;

	if (!(r = rec_begin(PPME_SYSCALL_TGKILL_X, 4, DK_OTHER)))
		return 0;
	put_s64(r, ret);
	put_s64(r, (__s32)syscall_arg(regs, 0));
	put_s64(r, (__s32)syscall_arg(regs, 1));
	put_u8(r, syscall_arg(regs, 2));
	rec_submit(r);
	return 0;
}

#endif
