/* Process lifecycle: clone family (parent and child), execve/execveat, process exit. */
#ifndef SAKER_PROCESS_BPF_H
#define SAKER_PROCESS_BPF_H

#define NR_EXECVE 59
#define NR_EXECVEAT 322

/* The CHILD_IN_PIDNS bit libs adds: the caller is in a child pid namespace, or will create its
 * children in another one (after unshare(CLONE_NEWPID)). */
static __always_inline __u32 pidns_flag(struct task_struct *t)
{
	struct pid *p = BPF_CORE_READ(t, thread_pid);
	__u32 level = BPF_CORE_READ(p, level);
	struct pid_namespace *ns = BPF_CORE_READ(p, numbers[level].ns);

	if (level != 0 || BPF_CORE_READ(t, nsproxy, pid_ns_for_children) != ns)
		return PPM_CL_CHILD_IN_PIDNS;
	return 0;
}

/* clone, fork, vfork and clone3 share one layout. The kernel runs sys_exit twice: in the parent
 * (res = child tid) and, when the child first returns to user space, in the child (res = 0);
 * both become events, as in libs. */
static __always_inline void emit_clone(long ret, __u16 type, __u64 clone_flags)
{
	struct task_struct *t = current_task();
	struct rec *r;

	if (!(r = rec_begin(type, 21, DK_CLONE_FORK)))
		return;
	put_s64(r, ret);
	if (ret >= 0) {
		put_exe_args_from_mm(r, BPF_CORE_READ(t, mm));
	} else {
		put_empty(r);
		put_empty(r);
	}
	put_task_basics(r, t, ret >= 0);
	put_cgroups(r, t);
	put_u32(r, clone_flags_to_ppm(clone_flags) | pidns_flag(t));
	put_u32(r, task_euid(t));
	put_u32(r, task_egid(t));
	put_s64(r, task_vtid(t));
	put_s64(r, task_vtgid(t));
	put_u64(r, ret == 0 ? pidns_init_start(t) : 0);
	rec_submit(r);
}

HANDLER
int BPF_PROG(sx_clone, struct pt_regs *regs, long ret)
{
	emit_clone(ret, PPME_SYSCALL_CLONE_20_X, syscall_arg(regs, 0));
	return 0;
}

HANDLER
int BPF_PROG(sx_fork, struct pt_regs *regs, long ret)
{
	emit_clone(ret, PPME_SYSCALL_FORK_20_X, 0);
	return 0;
}

HANDLER
int BPF_PROG(sx_vfork, struct pt_regs *regs, long ret)
{
	emit_clone(ret, PPME_SYSCALL_VFORK_20_X, 0);
	return 0;
}

HANDLER
int BPF_PROG(sx_clone3, struct pt_regs *regs, long ret)
{
	__u64 flags = 0;

	bpf_probe_read_user(&flags, sizeof(flags), (const void *)syscall_arg(regs, 0));
	emit_clone(ret, PPME_SYSCALL_CLONE3_X, flags);
	return 0;
}

/* Since 6.13 the top bit of i_ctime_nsec flags a multigrain "queried" timestamp. */
static __always_inline __u64 inode_time_ns(__s64 sec, __u32 nsec)
{
	return sec < 0 ? 0 : sec * 1000000000ULL + (nsec & 0x3fffffff);
}

/* execve / execveat exit. `ok`: the new image is in place (sched_process_exec), so command line
 * and environment come from the new mm and the file name from the binprm; otherwise (a failed
 * call, at sys_exit) they come from the caller's arrays. */
static __always_inline void emit_exec(struct task_struct *t, long res, bool ok, bool at,
				      struct pt_regs *regs, const char *kfilename)
{
	struct mm_struct *mm = KR(t, mm);
	struct file *exe = KR(mm, exe_file);
	struct inode *ino = KR(exe, f_inode);
	int argv_idx = at ? 2 : 1;
	struct rec *r;

	if (!(r = rec_begin(at ? PPME_SYSCALL_EXECVEAT_X : PPME_SYSCALL_EXECVE_19_X, at ? 30 : 31,
		       DK_EXECVE)))
		return;
	put_s64(r, res);
	if (ok)
		put_exe_args_from_mm(r, mm);
	else
		put_exe_args_from_argv(r, (const char *const *)syscall_arg(regs, argv_idx));
	put_task_basics(r, t, true);
	put_cgroups(r, t);
	if (ok) {
		__u64 s = BPF_CORE_READ(mm, env_start), e = BPF_CORE_READ(mm, env_end);
		if (put_ubytes(r, (const void *)s, e > s ? e - s : 0))
			set_last_byte(r, 0);
	} else {
		put_len(r, raw_str_array(r, (const char *const *)syscall_arg(regs, argv_idx + 1), 0,
					  STR_MAX));
	}
	put_u32(r, task_tty(t));
	put_s64(r, task_vpgid(t));
	put_u32(r, task_loginuid(t));

	__u32 flags = 0;
	if (exe) {
		if (exe_writable(t, ino))
			flags |= PPM_EXE_WRITABLE;
		enum overlay_layer layer = file_overlay_layer(exe);
		if (layer == OVERLAY_UPPER)
			flags |= PPM_EXE_UPPER_LAYER;
		else if (layer == OVERLAY_LOWER)
			flags |= PPM_EXE_LOWER_LAYER;
		if (file_is_memfd(exe))
			flags |= PPM_EXE_FROM_MEMFD;
	}
	put_u32(r, flags);
	put_u64(r, task_caps(t, CAP_SET_INHERITABLE));
	put_u64(r, task_caps(t, CAP_SET_PERMITTED));
	put_u64(r, task_caps(t, CAP_SET_EFFECTIVE));
	put_u64(r, ino ? BPF_CORE_READ(ino, i_ino) : 0);
	put_u64(r, ino ? inode_time_ns(BPF_CORE_READ(ino, i_ctime_sec), BPF_CORE_READ(ino, i_ctime_nsec)) : 0);
	put_u64(r, ino ? inode_time_ns(BPF_CORE_READ(ino, i_mtime_sec), BPF_CORE_READ(ino, i_mtime_nsec)) : 0);
	put_u32(r, task_euid(t));
	put_file_path(r, exe);
	put_s64(r, task_pgid(t));
	put_u32(r, task_egid(t));
	/* execve's last parameter. Tested on the record, not on `at`: with `at` dead after rec_begin
	 * the verifier merges the execve and execveat paths of sched_process_exec instead of walking
	 * this whole function twice. */
	if (r->nparams == 31) {
		if (ok)
			put_kstr(r, kfilename, STR_MAX);
		else
			put_ustr(r, syscall_arg(regs, 0));
	}
	rec_submit(r);
}

/* Threads inside an execveat call. By sched_process_exec the saved syscall number of a
 * successful execveat reads execve (as libs found), so the syscall's own tracepoint, which only
 * execveat calls run, marks the thread on entry; the exec event (by the thread's id before the
 * exec: a non-leader thread takes its leader's id) or the failed call's exit takes the mark off.
 * Compat (ia32) execveat does not run that tracepoint and is reported as execve. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32);
	__type(value, __u8);
} in_execveat SEC(".maps");

SEC("tracepoint/syscalls/sys_enter_execveat")
int on_execveat_enter(void *ctx)
{
	__u32 tid = current_tid();
	__u8 one = 1;

	if (syscall_wanted(NR_EXECVEAT))
		bpf_map_update_elem(&in_execveat, &tid, &one, BPF_ANY);
	return 0;
}

/* Failed execve/execveat. Successful ones return 0 here too, but by then the new image replaced
 * the arguments: they are reported from sched_process_exec instead. */
HANDLER
int BPF_PROG(sx_execve, struct pt_regs *regs, long ret)
{
	if (ret != 0)
		emit_exec(current_task(), ret, false, false, regs, NULL);
	return 0;
}

HANDLER
int BPF_PROG(sx_execveat, struct pt_regs *regs, long ret)
{
	__u32 tid = current_tid();

	if (ret == 0)
		return 0;
	bpf_map_delete_elem(&in_execveat, &tid);
	emit_exec(current_task(), ret, false, true, regs, NULL);
	return 0;
}

static __always_inline bool is_kernel_thread(struct task_struct *t)
{
	return BPF_CORE_READ(t, flags) & K_PF_KTHREAD;
}

/* A successful exec, reported when the new image is in place: as EXECVEAT_X when the thread was
 * in execveat, else as EXECVE_19_X. */
static __always_inline int exec_event(struct linux_binprm *bprm, __u32 old_tid)
{
	struct task_struct *t = current_task();
	bool at = bpf_map_lookup_elem(&in_execveat, &old_tid) != NULL;

	if (at)
		bpf_map_delete_elem(&in_execveat, &old_tid);
	if (!syscall_wanted(at ? NR_EXECVEAT : NR_EXECVE) || is_kernel_thread(t) ||
	    tgid_ignored(current_tgid(t)))
		return 0;
	emit_exec(t, 0, true, at, NULL, BPF_CORE_READ(bprm, filename));
	return 0;
}

TP_PROG("sched_process_exec")
int BPF_PROG(on_exec, struct task_struct *p, pid_t old_pid, struct linux_binprm *bprm)
{
	return exec_event(bprm, old_pid);
}

#define MAX_THREADS_SCAN 16
#define MAX_ANCESTORS 16

/* A live thread of t's group other than the exiting ones: 0 if none, -1 if too many to scan. */
static __always_inline __s32 live_thread(struct task_struct *t)
{
	struct signal_struct *sig = BPF_CORE_READ(t, signal);
	struct list_head *head = &sig->thread_head;
	struct list_head *node = BPF_CORE_READ(head, next);

	for (int i = 0; i < MAX_THREADS_SCAN; i++) {
		if (node == head)
			return 0;
		struct task_struct *th = container_of(node, struct task_struct, thread_node);
		if (!(BPF_CORE_READ(th, flags) & K_PF_EXITING))
			return BPF_CORE_READ(th, pid);
		node = BPF_CORE_READ(th, thread_node.next);
	}
	return -1;
}

/* Who inherits the children of an exiting task (reaper_tid of procexit): another thread of the
 * group, else the nearest child-subreaper ancestor, else the pid namespace's init. -1 when the
 * bounded walk cannot tell (user space then re-parents on its own), 0 when there are no children. */
static __always_inline __s32 find_reaper(struct task_struct *t)
{
	struct list_head *children = &t->children;

	if (BPF_CORE_READ(children, next) == children)
		return 0;
	__s32 tid = live_thread(t);
	if (tid != 0)
		return tid;
	struct pid *p = BPF_CORE_READ(t, thread_pid);
	__u32 level = BPF_CORE_READ(p, level);
	struct pid_namespace *ns = BPF_CORE_READ(p, numbers[level].ns);
	struct task_struct *init = BPF_CORE_READ(ns, child_reaper);
	if (init == t)
		return 0;
	struct signal_struct *sig = BPF_CORE_READ(t, signal);
	if (!BPF_CORE_READ_BITFIELD_PROBED(sig, has_child_subreaper))
		return BPF_CORE_READ(init, pid);
	struct task_struct *a = BPF_CORE_READ(t, real_parent);
	for (int i = 0; i < MAX_ANCESTORS; i++) {
		if (a == init || BPF_CORE_READ(a, thread_pid, level) != level)
			return BPF_CORE_READ(init, pid);
		sig = BPF_CORE_READ(a, signal);
		if (BPF_CORE_READ_BITFIELD_PROBED(sig, is_child_subreaper)) {
			tid = live_thread(a);
			if (tid != 0)
				return tid;
		}
		a = BPF_CORE_READ(a, real_parent);
	}
	return -1;
}

/* PPME_PROCEXIT_1_E, once per exiting thread. */
static __always_inline int exit_event(struct task_struct *t)
{
	struct rec *r;

	if (!cfg.procexit || is_kernel_thread(t) || tgid_ignored(BPF_CORE_READ(t, tgid)))
		return 0;
	if (!(r = rec_begin(PPME_PROCEXIT_1_E, 5, DK_PROC)))
		return 0;
	__s32 code = BPF_CORE_READ(t, exit_code);
	__u8 sig = code & 0x7f;
	put_s64(r, code);
	put_s64(r, (code >> 8) & 0xff);
	put_u8(r, sig != 0 && sig != 0x7f ? sig : 0);
	put_u8(r, (code & 0x80) != 0);
	put_s64(r, find_reaper(t));
	rec_submit(r);
	return 0;
}

TP_PROG("sched_process_exit")
int BPF_PROG(on_exit, struct task_struct *t)
{
	return exit_event(t);
}

#endif
