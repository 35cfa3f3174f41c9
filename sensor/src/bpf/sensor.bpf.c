// SPDX-License-Identifier: GPL-2.0-only
/* Saker's kernel side: syscall exit events and process lifecycle events in the libs event format,
 * streamed through per-CPU rings that the loader merges (record.bpf.h, maps.bpf.h).
 *
 * sys_exit dispatcher --(syscall in cfg.syscall_mask, caller not ignored)--> tail call into the
 * syscall's handler (sx_<name>; openat and close are run in place), which assembles the record
 * in per-CPU scratch and copies it into this CPU's ring; a syscall without a handler becomes a
 * generic event (fallback_exit). Successful execs come from sched_process_exec, thread exits
 * from sched_process_exit, io_uring submissions that open or connect from the io_uring
 * tracepoints (io_uring.bpf.h).
 *
 * There is no sys_enter program: on x86-64 the saved user registers still hold the arguments
 * at sys_exit (only a successful exec replaces them, and that is reported from
 * sched_process_exec), so a syscall pays one program run instead of two plus a per-thread map
 * update, and user strings are read after the kernel has faulted their pages in.
 *
 * Built twice (flavour.bpf.h): tp_btf, preferred, and raw_tp, the fallback.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

#include "../shared.h"
#include "events.h"
#include "flavour.bpf.h"
#include "flags.bpf.h"
#include "maps.bpf.h"
#include "record.bpf.h"
#include "task.bpf.h"
#include "path.bpf.h"
#include "sock.bpf.h"
#include "proc.bpf.h"
#include "prefilter.bpf.h"
#include "process.bpf.h"
#include "file.bpf.h"
#include "net.bpf.h"
#include "system.bpf.h"
#include "signal.bpf.h"
#include "memory.bpf.h"
#include "io.bpf.h"
#include "io_uring.bpf.h"
#include "ia32.h"

char LICENSE[] SEC("license") = "GPL";

/* A syscall without a decoder of its own (no handler in exit_handlers), reported as libs would:
 * its libs exit event where it has one, with the return value when that is the event's first
 * parameter (cfg.fallback), else PPME_GENERIC_X { ID: ppm_sc code, nativeID: x86-64 number }, so
 * that `evt.type=X` can match any syscall X. Fixed layouts, written straight into the ring:
 *   generic: hdr(26) lens(2 x 2) sc(2) nr(2);  res-only: hdr(26) len(2) res(8);  bare: hdr(26) */
#define GENERIC_SIZE (HDR_SIZE + 2 * 2 + 2 + 2)
#define RES_ONLY_SIZE (HDR_SIZE + 2 + 8)

static __always_inline int fallback_exit(long ret, struct task_struct *t, __u32 nr)
{
	struct ring_slot s;

	if (nr >= SENSOR_MAX_SYSCALL || !fixed_begin(&s, GENERIC_SIZE > RES_ONLY_SIZE ? GENERIC_SIZE : RES_ONLY_SIZE))
		return 0;
	asm volatile("%0 &= 511" : "+r"(nr)); /* checked above: keeps the bound for the verifier */
	__u16 fb = cfg.fallback[nr];
	__u16 code = fb & SENSOR_FALLBACK_EVENT;
	unsigned long p = s.at;
	__u32 len;
	if (code == 0) {
		len = GENERIC_SIZE;
		write_hdr(p, event_ts(), current_tid_of(t), len, PPME_GENERIC_X, 2);
		*(__u16 *)(p + 26) = 2;
		*(__u16 *)(p + 28) = 2;
		*(__u16 *)(p + 30) = cfg.ppm_sc[nr];
		*(__u16 *)(p + 32) = nr;
	} else if (fb & SENSOR_FALLBACK_RES) {
		len = RES_ONLY_SIZE;
		write_hdr(p, event_ts(), current_tid_of(t), len, code, 1);
		*(__u16 *)(p + 26) = 8;
		*(__s64 *)(p + 28) = ret;
	} else {
		len = HDR_SIZE;
		write_hdr(p, event_ts(), current_tid_of(t), len, code, 0);
	}
	fixed_commit(&s, len, DK_OTHER);
	return 0;
}

/* Runs on every syscall exit of every task: keep it to a bitmap test before anything else.
 * 32-bit (compat) syscalls use another numbering: the bitmap tested first holds both, and a
 * compat syscall is translated to the x86-64 number of the same call (ia32.h) before its
 * handler runs, as Falco's modern probe does; compat_cpu tells the handler where its arguments
 * are.
 *
 * The commonest captured syscalls are handled in place: a tail call is an indirect jump, which
 * under retpolines costs about 10 ns per event. */
static __always_inline int dispatch(void *ctx, struct pt_regs *regs, long ret)
{
	__u64 nr = KR(regs, orig_ax);

	if (!mask_has(cfg.dispatch_mask, nr))
		return 0;
	struct task_struct *t = current_task(); /* a helper call: once */
	bool compat = KR(t, thread_info.status) & K_TS_COMPAT;
	if (compat) {
		if (nr >= IA32_SYSCALLS || !mask_has(cfg.ia32_mask, nr))
			return 0;
		nr = ia32_to_x64[nr & 511];
	} else if (!syscall_wanted(nr)) {
		return 0;
	}
	if (tgid_ignored(current_tgid(t)))
		return 0;
	if (!compat) {
		if (nr == NR_OPENAT)
			return openat_exit(regs, ret, t, false);
		if (nr == NR_CLOSE)
			return close_exit(regs, ret, t, false);
	}
	if (cfg.prefilter_store && mask_has(cfg.pf_consumer_mask, nr))
		pf_replay(t, (__s32)sys_arg(regs, 0, compat));
	pf_forget_created(t, regs, nr, ret, compat);
	compat_cpu[bpf_get_smp_processor_id() & (SENSOR_MAX_CPUS - 1)] = compat;
	bpf_tail_call(ctx, &exit_handlers, nr);
	return fallback_exit(ret, t, nr); /* no handler: not decoded */
}

TP_PROG("sys_exit")
int BPF_PROG(sys_exit, struct pt_regs *regs, long ret)
{
	return dispatch(ctx, regs, ret);
}
