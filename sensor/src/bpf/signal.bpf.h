/* Signals sent: kill, tkill, tgkill (the target and the signal, whatever the outcome). */
#ifndef SAKER_SIGNAL_BPF_H
#define SAKER_SIGNAL_BPF_H

/* res, target (pid for kill, tid for tkill), sig. */
static __always_inline void emit_kill(struct pt_regs *regs, long ret, __u16 type)
{
	struct rec *r;

	if (!(r = rec_begin(type, 3, DK_OTHER)))
		return;
	put_s64(r, ret);
	put_s64(r, (__s32)syscall_arg(regs, 0));
	put_u8(r, syscall_arg(regs, 1));
	rec_submit(r);
}

HANDLER
int BPF_PROG(sx_kill, struct pt_regs *regs, long ret)
{
	emit_kill(regs, ret, PPME_SYSCALL_KILL_X);
	return 0;
}

HANDLER
int BPF_PROG(sx_tkill, struct pt_regs *regs, long ret)
{
	emit_kill(regs, ret, PPME_SYSCALL_TKILL_X);
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
