/* Process parameters shared by the clone family and execve: command line, ids, cwd, memory,
 * cgroups, credentials. */
#ifndef SAKER_PROC_BPF_H
#define SAKER_PROC_BPF_H

#define CGROUP_DEPTH 8
#define ARGV_POINTERS 16

/* exe (argv[0]) and args (the other arguments, NUL-separated) from the task's argument area. */
static __always_inline void put_exe_args_from_mm(struct rec *r, struct mm_struct *mm)
{
	__u64 start = BPF_CORE_READ(mm, arg_start), end = BPF_CORE_READ(mm, arg_end);
	__u32 exe_len = put_str(r, (const void *)start, STR_MAX, true);
	__u64 rest = end > start + exe_len ? end - start - exe_len : 0;

	if (put_ubytes(r, (const void *)(start + exe_len), rest))
		set_last_byte(r, 0); /* the copy may stop inside an argument */
}

/* A NULL-terminated user array of strings (argv, envp) as concatenated NUL-terminated strings,
 * at most ARGV_POINTERS entries and `budget` bytes. Returns the bytes written. */
static __always_inline __u32 raw_str_array(struct rec *r, const char *const *arr, int first,
					   __u32 budget)
{
	__u32 start = r->pos;

	for (int i = 0; i < ARGV_POINTERS; i++) {
		const char *p = NULL;
		if (i < first)
			continue;
		if (bpf_probe_read_user(&p, sizeof(p), &arr[i]) || !p)
			break;
		raw_str(r, p, STR_MAX, true);
		if (r->pos - start >= budget) {
			r->pos = start + budget;
			set_last_byte(r, 0);
			break;
		}
	}
	return r->pos - start;
}

/* exe and args from the argv the caller passed (failed execve: the old image is still there). */
static __always_inline void put_exe_args_from_argv(struct rec *r, const char *const *argv)
{
	const char *exe = NULL;
	__u32 exe_len = 0;

	if (argv && !bpf_probe_read_user(&exe, sizeof(exe), &argv[0]))
		exe_len = put_str(r, exe, STR_MAX, true);
	else
		put_empty(r);
	if (!argv || exe_len >= STR_MAX) {
		put_empty(r);
		return;
	}
	put_len(r, raw_str_array(r, argv, 1, STR_MAX - exe_len));
}

static __always_inline void put_cwd(struct rec *r, struct task_struct *t)
{
	struct fs_struct *fs = BPF_CORE_READ(t, fs);
	put_path(r, fs ? &fs->pwd : NULL);
}

/* One "controller=/path" entry of the cgroups parameter; returns the bytes written. */
static __always_inline __u32 raw_cgroup(struct rec *r, struct task_struct *t, int id)
{
	__u32 start = r->pos;
	const char *ss_name = BPF_CORE_READ(t, cgroups, subsys[id], ss, name);
	struct kernfs_node *kn = BPF_CORE_READ(t, cgroups, subsys[id], cgroup, kn);
	const char *names[CGROUP_DEPTH] = {};
	int depth = 0;

	if (!raw_str(r, ss_name, 32, false))
		return 0;
	set_last_byte(r, '=');
	/* collect leaf to root; the root node (no parent) has an empty name and is skipped */
	for (int i = 0; i < CGROUP_DEPTH; i++) {
		if (!kn)
			break;
		struct kernfs_node *parent = BPF_CORE_READ(kn, __parent);
		if (!parent)
			break;
		names[i] = BPF_CORE_READ(kn, name);
		depth = i + 1;
		kn = parent;
	}
	if (depth == 0)
		raw_u8(r, '/');
	for (int i = CGROUP_DEPTH - 1; i >= 0; i--) {
		if (i >= depth)
			continue;
		raw_u8(r, '/');
		if (raw_str(r, names[i], NAME_MAX_READ, false))
			r->pos -= 1; /* drop the NUL, the next '/' or the final NUL follows */
	}
	raw_u8(r, 0);
	return r->pos - start;
}

/* The cgroups parameter: the controllers libs reports, in libs' order. */
static __always_inline void put_cgroups(struct rec *r, struct task_struct *t)
{
	__u32 len = 0;

	if (bpf_core_enum_value_exists(enum cgroup_subsys_id, cpuset_cgrp_id))
		len += raw_cgroup(r, t, bpf_core_enum_value(enum cgroup_subsys_id, cpuset_cgrp_id));
	if (bpf_core_enum_value_exists(enum cgroup_subsys_id, cpu_cgrp_id))
		len += raw_cgroup(r, t, bpf_core_enum_value(enum cgroup_subsys_id, cpu_cgrp_id));
	if (bpf_core_enum_value_exists(enum cgroup_subsys_id, cpuacct_cgrp_id))
		len += raw_cgroup(r, t, bpf_core_enum_value(enum cgroup_subsys_id, cpuacct_cgrp_id));
	if (bpf_core_enum_value_exists(enum cgroup_subsys_id, io_cgrp_id))
		len += raw_cgroup(r, t, bpf_core_enum_value(enum cgroup_subsys_id, io_cgrp_id));
	if (bpf_core_enum_value_exists(enum cgroup_subsys_id, memory_cgrp_id))
		len += raw_cgroup(r, t, bpf_core_enum_value(enum cgroup_subsys_id, memory_cgrp_id));
	put_len(r, len);
}

/* Parameters 4..14 of clone and execve events: tid, pid, ptid, cwd, fdlimit, page faults,
 * memory, comm. */
static __always_inline void put_task_basics(struct rec *r, struct task_struct *t, bool with_cwd)
{
	struct mm_struct *mm = BPF_CORE_READ(t, mm);

	put_s64(r, BPF_CORE_READ(t, pid));
	put_s64(r, BPF_CORE_READ(t, tgid));
	put_s64(r, task_ppid(t));
	if (with_cwd)
		put_cwd(r, t);
	else
		put_empty(r);
	put_u64(r, task_fdlimit(t));
	put_u64(r, BPF_CORE_READ(t, maj_flt));
	put_u64(r, BPF_CORE_READ(t, min_flt));
	put_u32(r, mm_vm_size(mm));
	put_u32(r, mm_rss(mm));
	put_u32(r, mm_swap(mm));
	put_kstr(r, &t->comm, 16);
}

#endif
