// SPDX-License-Identifier: GPL-2.0-only
/* Saker's kernel side: syscall exit events and process lifecycle events in the libs event format,
 * streamed through per-CPU rings that the loader merges (record.bpf.h, maps.bpf.h).
 *
 * sys_exit dispatcher --(syscall in cfg.syscall_mask, caller not ignored)--> tail call into the
 * syscall's handler (sx_<name>; openat and close are run in place), which assembles the record
 * in per-CPU scratch and copies it into this CPU's ring. Successful execs come from
 * sched_process_exec and thread exits from sched_process_exit.
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
#include "process.bpf.h"
#include "file.bpf.h"
#include "net.bpf.h"
#include "system.bpf.h"

char LICENSE[] SEC("license") = "GPL";

#define NR_CLOSE 3
#define NR_OPENAT 257

/* Runs on every syscall exit of every task: keep it to a bitmap test before anything else.
 * 32-bit (compat) syscalls use another numbering and are not decoded.
 *
 * The commonest captured syscalls are handled in place: a tail call is an indirect jump, which
 * under retpolines costs about 10 ns per event. */
static __always_inline int dispatch(void *ctx, struct pt_regs *regs, long ret)
{
	__u64 nr = KR(regs, orig_ax);

	if (!syscall_wanted(nr))
		return 0;
	struct task_struct *t = current_task(); /* a helper call: once */
	if (KR(t, thread_info.status) & K_TS_COMPAT)
		return 0;
	if (tgid_ignored(current_tgid(t)))
		return 0;
	if (nr == NR_OPENAT)
		return openat_exit(regs, ret, t);
	if (nr == NR_CLOSE)
		return close_exit(regs, ret, t);
	bpf_tail_call(ctx, &exit_handlers, nr);
	return 0;
}

TP_PROG("sys_exit")
int BPF_PROG(sys_exit, struct pt_regs *regs, long ret)
{
	return dispatch(ctx, regs, ret);
}
