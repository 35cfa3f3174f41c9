// SPDX-License-Identifier: GPL-2.0
/* The policy sensor: Tetragon TracingPolicy hooks evaluated in the kernel.
 *
 *   tp_btf/sys_enter            syscall hooks (kprobes on sys_*, syscalls/sys_enter_*,
 *                               raw_syscalls/sys_enter), looked up by syscall number
 *   tp_btf/sys_exit             return probes: the entry's record (kept per thread and hook), the
 *                               return value, matchReturnArgs, matchReturnActions; the end of an
 *                               Override mark no cgroup program took (its event posted as a call
 *                               that went ahead); attached only while such a hook is loaded
 *   tp_btf/sched_process_exec   records the new binary, then runs the exec hooks: a Sigkill
 *                               here lands before the new image runs one instruction
 *   tp_btf/sched_process_fork   children inherit the binary, followForks and followChildren bits
 *                               and the ignore mark
 *   tp_btf/sched_process_exit   a thread group's followChildren bits go with its leader
 *   cgroup/connect4|6, bind4|6, sendmsg4|6, sock_create
 *                               Override: deny the syscall whose entry a selector's Override
 *                               marked (the `overrides` map), with the policy's errno where the
 *                               kernel lets a cgroup program set it (bpf_set_retval), else EPERM,
 *                               and post the hit's event, held since entry: an event says
 *                               Override only for a call that was denied; attached to the root
 *                               cgroup only while such a hook is loaded
 *
 * Selectors are data (policy_shared.h) written by the loader; the first matching selector of a
 * hook decides, its actions run here (bpf_send_signal), and the hit goes to the ring buffer
 * unless NoPost or a rate limit says otherwise. The agent, this sensor and their children are in
 * `ignored` and never match, whatever a policy says.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include "policy_shared.h"

char LICENSE[] SEC("license") = "GPL";

/* calls between an Override's entry and its cgroup hook or exit at once (each holds a record) */
#define PS_MAX_OVERRIDES 4096

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, PS_MAX_HOOKS);
	__type(key, u32);
	__type(value, struct ps_hook);
} hooks SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, PS_MAX_HOOKS * PS_MAX_SELECTORS);
	__type(key, u32);
	__type(value, struct ps_selector);
} selectors SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, PS_NR_SLOTS);
	__type(key, u32);
	__type(value, struct ps_nr_hooks);
} nr_hooks SEC(".maps");

/* tgid -> its binary, set at exec, inherited at fork, seeded from /proc by the loader's user */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 65536);
	__type(key, u32);
	__type(value, struct ps_str);
} exe_map SEC(".maps");

/* tgid -> followForks bits of the matchPIDs it descends from */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 65536);
	__type(key, u32);
	__type(value, u64);
} follow SEC(".maps");

/* matchBinaries followChildren: bit i's binaries (In/NotIn values), written by the loader. An
 * exec of one of them sets bit i on the process; its children inherit the bits at fork and keep
 * them across their own execs, so the selector also matches the binary's descendants. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, PS_FOLLOW_BINS);
	__type(key, u32);
	__type(value, struct ps_strset);
} follow_bins SEC(".maps");

/* tgid -> followChildren bits. A plain hash, not LRU: evicting a followed process would silently
 * stop matching it, so a full map is counted (children_full) instead. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, PS_MAX_CHILDREN);
	__type(key, u32);
	__type(value, u64);
} children SEC(".maps");

/* return probes: (tid, hook) -> the call's entry record until its syscall exit. LRU: a call
 * whose exit never comes (exit, a successful execve of a killed task) must not stay forever. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, PS_MAX_PENDING);
	__type(key, struct ps_pending_key);
	__type(value, struct ps_pending);
} pending SEC(".maps");

/* podSelector/containerSelector: (policy, mount namespace) of each container a policy selects,
 * written by the agent as it learns containers. A plain hash: a full map is an error the agent
 * reports, never a silent eviction that would take a container out of its policies. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, PS_MAX_WORKLOADS);
	__type(key, struct ps_workload_key);
	__type(value, u8);
} workloads SEC(".maps");

/* tgid -> its namespaces and capabilities at exec (matchNamespaceChanges/matchCapabilityChanges),
 * set at exec, inherited at fork; a process older than the sensor gets its state at its first check */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 65536);
	__type(key, u32);
	__type(value, struct ps_exec_state);
} exec_state SEC(".maps");

/* tgids no policy acts on: the agent, the sensors, and their descendants */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, u32);
	__type(value, u8);
} ignored SEC(".maps");

/* Override: tid -> the errno its current syscall gets and the hit's record, from the selector's
 * action at entry to the cgroup program of that syscall, which denies the call and posts the
 * record; the syscall's exit posts what no cgroup program took as a call that went ahead. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, PS_MAX_OVERRIDES);
	__type(key, u32);
	__type(value, struct ps_override);
} overrides SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, struct ps_rate_key);
	__type(value, u64);
} rate SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, PS_MAX_POLICIES);
	__type(key, u32);
	__type(value, struct ps_counters);
} counters SEC(".maps");

#define PS_TMP 512

struct ps_scratch {
	struct ps_pending pend;  /* the record, with a return probe's selector mask in front */
	char buf[PS_BUF];        /* right after the record: a char_buf argument's bytes */
	struct ps_override held; /* an Override's record, held until its cgroup hook or exit */
	s32 override_err;        /* the selector's Override errno (0: none), set by run_actions */
	struct ps_str pexe;
	struct ps_rate_key rkey;
	struct ps_str exec_path;
	struct ps_exec_state state;
	s64 raw[8];
	char tmp[PS_TMP + 256]; /* room for a name read at any offset below PS_TMP */
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, u32);
	__type(value, struct ps_scratch);
} scratch SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4 << 20);
} events SEC(".maps");

/* namespace inodes of the host (pid 1), for isNamespaceCapability and hostSelector: written by
 * the loader's user */
u32 host_userns;
u32 host_pidns;
/* follow_bins entries in use (bit i: entry i), written by the loader: 0 costs exec nothing */
u64 follow_bins_used;
/* hooks with a return probe (bit id % 64 of word id / 64), written by the loader: none costs
 * syscall exit nothing */
u64 return_hooks[PS_MAX_HOOKS / 64];
/* followChildren bits lost because the children map was full */
u64 children_full;
/* Override marks no cgroup program took before their syscall's exit: calls not denied (their
 * events, posted at exit, say Post) */
u64 override_missed;
/* hooks with an Override selector (bit id % 64 of word id / 64), written by the loader: the
 * sys_exit program (which clears untaken marks) and the cgroup programs run only while one is */
u64 override_hooks[PS_MAX_HOOKS / 64];
/* the kernel lets cgroup sock programs set the syscall's errno (bpf_set_retval, 5.18+): set by
 * the loader from its probe before load, so the verifier never sees the call when it cannot */
const volatile u32 use_retval = 0;

static __always_inline void set_children(u32 tgid, u64 mask)
{
	if (bpf_map_update_elem(&children, &tgid, &mask, BPF_ANY))
		__sync_fetch_and_add(&children_full, 1);
}

/* followChildren: does bit `bit` (1-based) mark this thread group? */
static __always_inline int followed_child(u32 tgid, u32 bit)
{
	u64 *mask = bpf_map_lookup_elem(&children, &tgid);
	return mask && ((*mask >> ((bit - 1) & 63)) & 1);
}

/* String filter: EQ (Equal/In), NEQ (NotEqual/NotIn), [NOT]PREFIX, [NOT]POSTFIX against a set.
 * Positive operators match when any value matches, negative ones when none does (Tetragon). */
__noinline int ps_str_match(struct ps_str *s, struct ps_strset *set, u32 op)
{
	if (!s || !set)
		return 0;
	u32 slen = s->len;
	int hit = 0;

	if (slen > PS_STR - 1)
		slen = PS_STR - 1;
	for (u32 i = 0; i < PS_MAX_STRVALS; i++) {
		if (i >= set->n)
			break;
		u32 vlen = set->len[i];
		if (vlen > PS_STR - 1)
			vlen = PS_STR - 1;
		if ((op == PS_OP_EQ || op == PS_OP_NEQ) && vlen != slen)
			continue;
		if (vlen > slen)
			continue;
		u32 base = (op == PS_OP_POSTFIX || op == PS_OP_NOTPOSTFIX) ? slen - vlen : 0;
		int same = 1;
		for (u32 j = 0; j < PS_STR - 1; j++) {
			if (j >= vlen)
				break;
			if (s->s[(base + j) & (PS_STR - 1)] != set->v[i][j]) {
				same = 0;
				break;
			}
		}
		if (same) {
			hit = 1;
			break;
		}
	}
	if (op == PS_OP_NEQ || op == PS_OP_NOTPREFIX || op == PS_OP_NOTPOSTFIX)
		return !hit;
	return hit;
}

static __always_inline int int_match(s64 v, struct ps_match_arg *m)
{
	int hit = 0;

	for (u32 i = 0; i < PS_MAX_VALS; i++) {
		if (i >= m->nvals)
			break;
		s64 lo = m->lo[i], hi = m->hi[i];
		switch (m->op) {
		case PS_OP_EQ:
		case PS_OP_NEQ:
		case PS_OP_INRANGE:
		case PS_OP_NOTINRANGE:
			hit = v >= lo && v <= hi;
			break;
		case PS_OP_GT:
			hit = v > lo;
			break;
		case PS_OP_LT:
			hit = v < lo;
			break;
		case PS_OP_MASK:
			hit = (v & lo) != 0;
			break;
		}
		if (hit)
			break;
	}
	if (m->op == PS_OP_NEQ || m->op == PS_OP_NOTINRANGE)
		return !hit;
	return hit;
}

static __always_inline u32 ns_inum(struct task_struct *t, u32 which)
{
	switch (which) {
	case 0: return BPF_CORE_READ(t, nsproxy, uts_ns, ns.inum);
	case 1: return BPF_CORE_READ(t, nsproxy, ipc_ns, ns.inum);
	case 2: return BPF_CORE_READ(t, nsproxy, mnt_ns, ns.inum);
	case 3: {
		struct pid *p = BPF_CORE_READ(t, thread_pid);
		u32 level = BPF_CORE_READ(p, level);
		struct upid up = {};
		bpf_probe_read_kernel(&up, sizeof(up), &p->numbers[level & 31]);
		return BPF_CORE_READ(up.ns, ns.inum);
	}
	case 4: return BPF_CORE_READ(t, nsproxy, pid_ns_for_children, ns.inum);
	case 5: return BPF_CORE_READ(t, nsproxy, net_ns, ns.inum);
	case 6: return BPF_CORE_READ(t, nsproxy, time_ns, ns.inum);
	case 7: return BPF_CORE_READ(t, nsproxy, time_ns_for_children, ns.inum);
	case 8: return BPF_CORE_READ(t, nsproxy, cgroup_ns, ns.inum);
	case 9: return BPF_CORE_READ(t, cred, user_ns, ns.inum);
	}
	return 0;
}

static __always_inline u64 cap_set(struct task_struct *t, u32 type)
{
	return type == 1 ? BPF_CORE_READ(t, cred, cap_inheritable.val)
	     : type == 2 ? BPF_CORE_READ(t, cred, cap_permitted.val)
			 : BPF_CORE_READ(t, cred, cap_effective.val);
}

/* the current task's namespaces and capabilities */
static __always_inline void read_state(struct ps_exec_state *st)
{
	struct task_struct *t = bpf_get_current_task_btf();
	struct nsproxy *nsp = BPF_CORE_READ(t, nsproxy);
	st->ns[0] = BPF_CORE_READ(nsp, uts_ns, ns.inum);
	st->ns[1] = BPF_CORE_READ(nsp, ipc_ns, ns.inum);
	st->ns[2] = BPF_CORE_READ(nsp, mnt_ns, ns.inum);
	st->ns[3] = ns_inum(t, 3);
	st->ns[4] = BPF_CORE_READ(nsp, pid_ns_for_children, ns.inum);
	st->ns[5] = BPF_CORE_READ(nsp, net_ns, ns.inum);
	st->ns[6] = BPF_CORE_READ(nsp, time_ns, ns.inum);
	st->ns[7] = BPF_CORE_READ(nsp, time_ns_for_children, ns.inum);
	st->ns[8] = BPF_CORE_READ(nsp, cgroup_ns, ns.inum);
	st->ns[9] = BPF_CORE_READ(t, cred, user_ns, ns.inum);
	st->caps[0] = BPF_CORE_READ(t, cred, cap_effective.val);
	st->caps[1] = BPF_CORE_READ(t, cred, cap_inheritable.val);
	st->caps[2] = BPF_CORE_READ(t, cred, cap_permitted.val);
}

/* the thread group's pid as its own pid namespace sees it */
static __always_inline u32 ns_tgid(struct task_struct *t)
{
	struct pid *p = BPF_CORE_READ(t, group_leader, thread_pid);
	u32 level = BPF_CORE_READ(p, level);
	struct upid up = {};

	bpf_probe_read_kernel(&up, sizeof(up), &p->numbers[level & 31]);
	return up.nr;
}

/* matchNamespaceChanges / matchCapabilityChanges against what the process was at its exec (as
 * Tetragon: a namespace recorded as 0 is not compared; a process with no record yet gets one now
 * and does not match). A match brings the record up to date, so one change matches once. */
__noinline int ps_match_changes(struct ps_selector *sel, u32 tgid)
{
	u32 zero = 0;
	struct ps_scratch *sc = bpf_map_lookup_elem(&scratch, &zero);
	if (!sel || !sc)
		return 0;
	struct ps_exec_state *now = &sc->state;
	read_state(now);
	struct ps_exec_state *then = bpf_map_lookup_elem(&exec_state, &tgid);
	if (!then) {
		bpf_map_update_elem(&exec_state, &tgid, now, BPF_NOEXIST);
		return 0;
	}
	if (sel->nsch_op) {
		int changed = 0;
		for (u32 i = 0; i < 10; i++) {
			int listed = (sel->nsch_mask >> i) & 1;
			if (listed != (sel->nsch_op == PS_OP_EQ))
				continue;
			if (then->ns[i] && then->ns[i] != now->ns[i])
				changed = 1;
		}
		if (!changed)
			return 0;
	}
	if (sel->capch_op) {
		struct task_struct *t = bpf_get_current_task_btf();
		if (sel->capch_userns && BPF_CORE_READ(t, cred, user_ns, ns.inum) == host_userns)
			return 0;
		u32 type = sel->capch_type < 3 ? sel->capch_type : 0;
		u64 was = then->caps[type], is = now->caps[type];
		int match = (was & sel->capch_mask) != (is & sel->capch_mask) ? sel->capch_op == PS_OP_EQ
			  : was != is ? sel->capch_op == PS_OP_NEQ : 0;
		if (!match)
			return 0;
	}
	bpf_map_update_elem(&exec_state, &tgid, now, BPF_ANY);
	return 1;
}

/* Everything but the arguments and binaries: pids, namespaces, capabilities, their changes. */
__noinline int ps_match_task(struct ps_selector *sel, struct ps_record *rec)
{
	if (!sel || !rec)
		return 0;
	struct task_struct *t = bpf_get_current_task_btf();

	if (sel->npids) {
		u32 pid = sel->pids_ns ? ns_tgid(t) : rec->tgid;
		int in = 0;
		for (u32 i = 0; i < 4; i++) {
			if (i < sel->npids && sel->pids[i] == pid)
				in = 1;
		}
		if (!in && sel->follow_bit) {
			u32 tgid = rec->tgid;
			u64 *mask = bpf_map_lookup_elem(&follow, &tgid);
			if (mask && (*mask >> ((sel->follow_bit - 1) & 63)) & 1)
				in = 1;
		}
		if (in == (int)sel->pids_notin)
			return 0;
	}
	for (u32 n = 0; n < PS_MAX_NS; n++) {
		if (n >= sel->nns)
			break;
		struct ps_ns_match *m = &sel->ns[n];
		u32 inum = ns_inum(t, m->ns);
		int in = 0;
		for (u32 i = 0; i < 4; i++) {
			if (i < m->nvals && m->vals[i] == inum)
				in = 1;
		}
		if (in == (int)m->notin)
			return 0;
	}
	for (u32 c = 0; c < 2; c++) {
		if (c >= sel->ncaps)
			break;
		u64 caps = cap_set(t, sel->cap_type[c]);
		int in = (caps & sel->cap_mask[c]) != 0;
		if (in == (int)sel->cap_notin[c])
			return 0;
		if (sel->cap_userns[c] && BPF_CORE_READ(t, cred, user_ns, ns.inum) == host_userns)
			return 0;
	}
	if (sel->nsch_op || sel->capch_op)
		return ps_match_changes(sel, rec->tgid);
	return 1;
}

__noinline int ps_match_args(struct ps_selector *sel, struct ps_hook *hook, struct ps_record *rec)
{
	if (!sel || !hook || !rec)
		return 0;
	for (u32 m = 0; m < PS_MAX_MATCH; m++) {
		if (m >= sel->nmatch)
			break;
		struct ps_match_arg *ma = &sel->match[m];
		u32 a = ma->arg;
		if (a >= PS_MAX_ARGS)
			return 0;
		if (hook->args[a].kind == PS_KIND_STRING) {
			u32 slot = hook->args[a].str_slot;
			if (slot >= PS_STR_ARGS)
				return 0;
			if (!ps_str_match(&rec->str[slot], &ma->strs, ma->op))
				return 0;
		} else {
			s64 v = rec->args[a];
			if (ma->field == PS_FIELD_PORT)
				v = (v >> 16) & 0xffff;
			else if (ma->field == PS_FIELD_ADDR4)
				v = (v >> 32) & 0xffffffff;
			else if (ma->field == PS_FIELD_FAMILY)
				v &= 0xffff;
			if (!int_match(v, ma))
				return 0;
		}
	}
	return 1;
}

static __always_inline struct ps_scratch *get_scratch(void)
{
	u32 zero = 0;
	return bpf_map_lookup_elem(&scratch, &zero);
}

static __always_inline void count(u32 policy, u32 what)
{
	struct ps_counters *c = bpf_map_lookup_elem(&counters, &policy);
	if (!c)
		return;
	switch (what) {
	case 0: c->posted++; break;
	case 1: c->enforced++; break;
	case 2: c->monitored++; break;
	case 3: c->rate_limited++; break;
	case 4: c->drops++; break;
	}
}

/* Post's rateLimit: false when an identical event (hook, selector, scope, arguments) posted
 * less than rate_ms ago. */
static __always_inline int rate_ok(struct ps_scratch *sc, struct ps_selector *sel, u32 hook, u32 s)
{
	if (!sel->rate_ms)
		return 1;
	struct ps_rate_key *k = &sc->rkey;
	k->hook = hook;
	k->selector = s;
	k->scope = sel->rate_scope == 0 ? sc->pend.rec.tid : sel->rate_scope == 1 ? sc->pend.rec.tgid : 0;
	for (int i = 0; i < 6; i++)
		k->args[i] = i <= PS_MAX_ARGS ? sc->pend.rec.args[i] : 0;
	u64 now = bpf_ktime_get_boot_ns();
	u64 *last = bpf_map_lookup_elem(&rate, k);
	if (last && now - *last < (u64)sel->rate_ms * 1000000ULL)
		return 0;
	bpf_map_update_elem(&rate, k, &now, BPF_ANY);
	return 1;
}

/* What every hook needs: the ids. The rest of the process is read only for a hit (fill_hit). */
static __always_inline void fill_process(struct ps_record *rec, struct task_struct *t)
{
	rec->tgid = t->tgid;
	rec->tid = t->pid;
	rec->ppid = 0;
}

static __always_inline void fill_hit(struct ps_record *rec)
{
	struct task_struct *t = bpf_get_current_task_btf();
	rec->ktime = bpf_ktime_get_boot_ns();
	rec->ppid = BPF_CORE_READ(t, real_parent, tgid);
	rec->start_time = BPF_CORE_READ(t, group_leader, start_boottime);
	rec->uid = BPF_CORE_READ(t, cred, uid.val);
	rec->euid = BPF_CORE_READ(t, cred, euid.val);
}

static __always_inline void read_exe(struct ps_str *dst, u32 tgid)
{
	struct ps_str *e = bpf_map_lookup_elem(&exe_map, &tgid);
	if (e)
		__builtin_memcpy(dst, e, sizeof(*dst));
	else
		dst->len = 0;
}

/* a record held in a map (an Override's, a return probe's): no char_buf bytes follow it */
static __always_inline void post_record(struct ps_record *rec, u32 policy)
{
	rec->buf_len = 0;
	if (bpf_ringbuf_output(&events, rec, sizeof(*rec), 0))
		count(policy, 4);
	else
		count(policy, 0);
}

/* the scratch record, with the char_buf bytes read into the buffer that follows it */
static __always_inline void post_scratch(struct ps_scratch *sc, u32 policy)
{
	struct ps_record *rec = &sc->pend.rec;
	u32 extra = rec->buf_len;
	if (extra > PS_BUF)
		extra = 0;
	if (bpf_ringbuf_output(&events, rec, sizeof(*rec) + extra, 0))
		count(policy, 4);
	else
		count(policy, 0);
}

/* A char_buf argument, for the event: at entry the size argument's count of bytes (sizeArgIndex),
 * at a return probe's exit the return value's (returnCopy), at most PS_BUF of them. */
static __always_inline void read_buf(struct ps_scratch *sc, struct ps_hook *hook)
{
	struct ps_record *rec = &sc->pend.rec;
	rec->buf_len = 0;
	rec->buf_orig = 0;
	for (u32 a = 0; a < PS_MAX_ARGS; a++) {
		if (a >= hook->nargs)
			break;
		struct ps_arg *arg = &hook->args[a];
		if (arg->kind != PS_KIND_BUF)
			continue;
		s64 size;
		if (arg->str_slot) {
			if (rec->ret_action)
				return;
			size = sc->raw[(arg->str_slot - 1) & 7];
		} else {
			if (!rec->ret_action)
				return;
			size = rec->args[PS_MAX_ARGS];
		}
		if (size <= 0)
			return;
		u32 n = size > PS_BUF ? PS_BUF : (u32)size;
		if (n > PS_BUF)
			return;
		if (bpf_probe_read_user(sc->buf, n, (const void *)rec->args[a]))
			return;
		rec->buf_len = n;
		rec->buf_orig = size > 0xffffffffLL ? 0xffffffffU : (u32)size;
		return;
	}
}

/* One list of actions (matchActions, or matchReturnActions at a return probe's exit) in order;
 * returns the last one run (Tetragon's event action / return_action), Post for an empty list.
 * NoPost or a rate limit clears *post. */
static __always_inline u32 run_actions(struct ps_scratch *sc, struct ps_hook *hook, struct ps_selector *sel, u32 id, int matched,
				       u32 n, u32 *acts, u32 *args, int *post)
{
	struct ps_record *rec = &sc->pend.rec;
	u32 last = PS_ACT_POST;
	for (u32 i = 0; i < 3; i++) {
		if (i >= n)
			break;
		u32 act = acts[i];
		last = act;
		if (act == PS_ACT_NOPOST) {
			*post = 0;
		} else if (act == PS_ACT_POST) {
			if (!rate_ok(sc, sel, id, matched)) {
				*post = 0;
				count(hook->policy, 3);
			}
		} else if (act == PS_ACT_OVERRIDE) {
			if (hook->monitor) {
				rec->monitored = 1;
				count(hook->policy, 2);
			} else {
				/* held by ps_act; counted as enforced when a cgroup program denies the call */
				sc->override_err = args[i];
			}
		} else if (act == PS_ACT_SIGKILL || act == PS_ACT_SIGNAL) {
			if (hook->monitor) {
				rec->monitored = 1;
				count(hook->policy, 2);
			} else {
				bpf_send_signal(act == PS_ACT_SIGKILL ? 9 : args[i]);
				count(hook->policy, 1);
			}
		}
	}
	return last;
}

/* The first matching selector's actions (and at a return probe's exit its return actions), then
 * the record unless NoPost or a rate limit says otherwise. */
static __always_inline int ps_act(struct ps_scratch *sc, struct ps_hook *hook, struct ps_selector *sel, u32 id, int matched)
{
	struct ps_record *rec = &sc->pend.rec;
	int post = 1;
	sc->override_err = 0;
	fill_hit(rec);
	rec->selector = matched;
	rec->action = PS_ACT_POST;
	rec->monitored = 0;
	if (sel && hook->nselectors) {
		rec->action = run_actions(sc, hook, sel, id, matched, sel->nactions, sel->actions, sel->action_arg, &post);
		if (rec->ret_action)
			rec->ret_action = run_actions(sc, hook, sel, id, matched, sel->nret_actions, sel->ret_actions, sel->ret_action_arg, &post);
	}
	if (post && !rec->exe.len)
		read_exe(&rec->exe, rec->tgid);
	if (post)
		read_buf(sc, hook);
	if (sc->override_err) {
		/* the event waits for the call's fate: denied by a cgroup program, or gone ahead */
		struct ps_override *o = &sc->held;
		o->err = sc->override_err;
		o->nr = rec->nr;
		o->policy = hook->policy;
		o->post = post;
		if (post)
			bpf_probe_read_kernel(&o->rec, sizeof(o->rec), rec);
		o->rec.buf_len = 0; /* the bytes are not held (refused at load with Override) */
		u32 tid = rec->tid;
		bpf_map_update_elem(&overrides, &tid, o, BPF_ANY);
		return 0;
	}
	if (post)
		post_scratch(sc, hook->policy);
	return 0;
}

/* A sockaddr argument: its bytes into a capture slot (for the event), and family, port and IPv4
 * address packed into one integer (enum ps_field) for the filters. */
static __always_inline s64 read_sockaddr(struct ps_str *dst, const void *uaddr)
{
	dst->len = 0;
	if (bpf_probe_read_user(dst->s, 16, uaddr))
		return 0;
	u16 family = *(u16 *)dst->s;
	/* sockaddr_in is 16 bytes: read the rest only for sockaddr_in6, whose end may be a page on */
	if (family == 10 /* AF_INET6 */ && bpf_probe_read_user(dst->s + 16, PS_SOCKADDR - 16, (const char *)uaddr + 16))
		return 0;
	dst->len = family == 10 ? PS_SOCKADDR : 16;
	u64 port = bpf_ntohs(*(u16 *)(dst->s + 2));
	u64 addr = family == 2 /* AF_INET */ ? bpf_ntohl(*(u32 *)(dst->s + 4)) : 0;
	return (s64)(family | port << 16 | addr << 32);
}

/* Runs one hook: arguments, selectors in order, the first match's actions, the record. A global
 * function, verified once rather than at each of the callers' unrolled hook slots. */
__noinline int ps_run_hook(struct ps_scratch *sc, u32 id, u32 nr)
{
	if (!sc)
		return 0;
	id &= PS_MAX_HOOKS - 1;
	struct ps_hook *hook = bpf_map_lookup_elem(&hooks, &id);
	if (!hook || !hook->used)
		return 0;
	if (hook->workload || hook->host) {
		/* workload selectors: the host's processes (hostSelector) and the selected containers */
		struct task_struct *t = bpf_get_current_task_btf();
		int in = hook->host && host_pidns && ns_inum(t, 3) == host_pidns;
		if (!in && hook->workload) {
			struct ps_workload_key wk = { .policy = hook->policy, .mntns = BPF_CORE_READ(t, nsproxy, mnt_ns, ns.inum) };
			in = bpf_map_lookup_elem(&workloads, &wk) != NULL;
		}
		if (!in)
			return 0;
	}
	const s64 *raw = sc->raw;
	struct ps_record *rec = &sc->pend.rec;
	rec->hook = id;
	rec->nr = nr;
	for (u32 a = 0; a <= PS_MAX_ARGS; a++) {
		/* positions past the hook's arguments are zero: the rate limit key reads them all */
		if (a >= hook->nargs || a == PS_MAX_ARGS) {
			rec->args[a] = 0;
			continue;
		}
		struct ps_arg *arg = &hook->args[a];
		s64 v = 0;
		if (arg->source == PS_SRC_SYSARG)
			v = raw[arg->index & 7];
		else if (arg->source == PS_SRC_SYSNR)
			v = nr;
		else if (arg->source == PS_SRC_EXEC_PID)
			v = raw[0];
		rec->args[a] = v;
		if (arg->kind == PS_KIND_SOCKADDR && arg->str_slot < PS_STR_ARGS) {
			rec->args[a] = read_sockaddr(&rec->str[arg->str_slot & 1], (const void *)v);
		} else if (arg->kind == PS_KIND_STRING && arg->str_slot < PS_STR_ARGS) {
			struct ps_str *dst = &rec->str[arg->str_slot & 1];
			if (arg->source == PS_SRC_EXEC_PATH) {
				__builtin_memcpy(dst, &sc->exec_path, sizeof(*dst));
			} else {
				long n = bpf_probe_read_user_str(dst->s, PS_STR, (const void *)v);
				dst->len = n > 0 ? n - 1 : 0;
			}
		}
	}
	rec->exe.len = 0;
	rec->ret_action = 0;
	rec->buf_len = 0;
	if (hook->need_exe || hook->nselectors == 0)
		read_exe(&rec->exe, rec->tgid);

	u32 mask = 0;
	int matched = hook->nselectors == 0 ? 0 : -1;
	struct ps_selector *sel = NULL;
	for (u32 s = 0; s < PS_MAX_SELECTORS && matched < 0; s++) {
		if (s >= hook->nselectors)
			break;
		u32 key = id * PS_MAX_SELECTORS + s;
		sel = bpf_map_lookup_elem(&selectors, &key);
		if (!sel)
			return 0;
		if (sel->bin_op) {
			int in = ps_str_match(&rec->exe, &sel->bins, sel->bin_op);
			/* followChildren: In also matches the binary's descendants, NotIn excludes them */
			if (sel->bin_follow_bit && followed_child(rec->tgid, sel->bin_follow_bit))
				in = sel->bin_op == PS_OP_EQ;
			if (!in)
				continue;
		}
		if (sel->pbin_op) {
			struct task_struct *t = bpf_get_current_task_btf();
			u32 ptgid = BPF_CORE_READ(t, real_parent, tgid);
			read_exe(&sc->pexe, ptgid);
			int in = ps_str_match(&sc->pexe, &sel->pbins, sel->pbin_op);
			/* followChildren: a parent that is the binary or descends from it means the binary
			 * is an ancestor: In matches, NotIn excludes */
			if (sel->pbin_follow_bit && followed_child(ptgid, sel->pbin_follow_bit))
				in = sel->pbin_op == PS_OP_EQ;
			if (!in)
				continue;
		}
		if (!ps_match_task(sel, rec))
			continue;
		if (!ps_match_args(sel, hook, rec))
			continue;
		if (hook->ret) {
			/* a return probe: the return part is checked at exit, in selector order */
			mask |= 1U << s;
			continue;
		}
		matched = s;
	}
	if (hook->ret) {
		if (!hook->nselectors)
			mask = 1U << PS_MAX_SELECTORS;
		if (!mask)
			return 0;
		struct ps_pending_key pk = { .tid = rec->tid, .hook = id };
		sc->pend.selmask = mask;
		bpf_map_update_elem(&pending, &pk, &sc->pend, BPF_ANY);
		return 0;
	}
	if (matched < 0)
		return 0;
	return ps_act(sc, hook, sel, id, matched);
}

/* A return probe at syscall exit: the entry's record, the first selector (of those whose entry
 * parts matched) whose matchReturnArgs accepts the return value decides. */
__noinline int ps_run_return(struct ps_scratch *sc, u32 id, s64 ret)
{
	if (!sc)
		return 0;
	id &= PS_MAX_HOOKS - 1;
	struct ps_hook *hook = bpf_map_lookup_elem(&hooks, &id);
	if (!hook || !hook->used || !hook->ret)
		return 0;
	struct ps_pending_key pk = { .tid = (u32)bpf_get_current_pid_tgid(), .hook = id };
	struct ps_pending *p = bpf_map_lookup_elem(&pending, &pk);
	if (!p)
		return 0;
	__builtin_memcpy(&sc->pend, p, sizeof(*p));
	bpf_map_delete_elem(&pending, &pk);
	struct ps_record *rec = &sc->pend.rec;
	rec->args[PS_MAX_ARGS] = ret;
	rec->ret_action = PS_ACT_POST;
	u32 mask = sc->pend.selmask;
	int matched = -1;
	struct ps_selector *sel = NULL;
	if (mask & (1U << PS_MAX_SELECTORS)) {
		matched = 0;
	} else {
		for (u32 s = 0; s < PS_MAX_SELECTORS; s++) {
			if (!((mask >> s) & 1))
				continue;
			u32 key = id * PS_MAX_SELECTORS + s;
			sel = bpf_map_lookup_elem(&selectors, &key);
			if (!sel)
				return 0;
			if (sel->ret_match.op && !int_match(ret, &sel->ret_match))
				continue;
			matched = s;
			break;
		}
	}
	if (matched < 0)
		return 0;
	return ps_act(sc, hook, sel, id, matched);
}

static __always_inline int skip_current(u32 tgid)
{
	return bpf_map_lookup_elem(&ignored, &tgid) != NULL;
}

SEC("tp_btf/sys_enter")
int BPF_PROG(ps_sys_enter, struct pt_regs *regs, long id)
{
	u32 nr = id;
	if (nr >= PS_EXEC_SLOT)
		return 0;
	struct ps_nr_hooks *nh = bpf_map_lookup_elem(&nr_hooks, &nr);
	if (!nh || !nh->count)
		return 0;
	struct task_struct *t = bpf_get_current_task_btf();
	if (skip_current(t->tgid))
		return 0;
	struct ps_scratch *sc = get_scratch();
	if (!sc)
		return 0;
	sc->raw[0] = BPF_CORE_READ(regs, di);
	sc->raw[1] = BPF_CORE_READ(regs, si);
	sc->raw[2] = BPF_CORE_READ(regs, dx);
	sc->raw[3] = BPF_CORE_READ(regs, r10);
	sc->raw[4] = BPF_CORE_READ(regs, r8);
	sc->raw[5] = BPF_CORE_READ(regs, r9);
	fill_process(&sc->pend.rec, t);
	for (u32 i = 0; i < PS_MAX_HOOKS_PER_NR; i++) {
		if (i >= nh->count)
			break;
		ps_run_hook(sc, nh->ids[i], nr);
	}
	return 0;
}

SEC("tp_btf/sys_exit")
int BPF_PROG(ps_sys_exit, struct pt_regs *regs, long ret)
{
	int overriding = override_hooks[0] || override_hooks[1];
	if (!return_hooks[0] && !return_hooks[1] && !overriding)
		return 0;
	u32 nr = BPF_CORE_READ(regs, orig_ax);
	if (nr >= PS_EXEC_SLOT)
		return 0;
	struct ps_nr_hooks *nh = bpf_map_lookup_elem(&nr_hooks, &nr);
	if (!nh || !nh->count)
		return 0;
	if (overriding) {
		/* an Override mark lives for its syscall only: one no cgroup program took (a bad fd, a
		 * socket family or a send without a cgroup hook) must not deny a later call */
		u32 tid = (u32)bpf_get_current_pid_tgid();
		struct ps_override *o = bpf_map_lookup_elem(&overrides, &tid);
		if (o) {
			/* the call went ahead: its event says what ran (Post, not Override), and it is counted */
			__sync_fetch_and_add(&override_missed, 1);
			if (o->post) {
				if (o->rec.action == PS_ACT_OVERRIDE)
					o->rec.action = PS_ACT_POST;
				post_record(&o->rec, o->policy);
			}
			bpf_map_delete_elem(&overrides, &tid);
		}
	}
	if (!return_hooks[0] && !return_hooks[1])
		return 0;
	struct ps_scratch *sc = get_scratch();
	if (!sc)
		return 0;
	for (u32 i = 0; i < PS_MAX_HOOKS_PER_NR; i++) {
		if (i >= nh->count)
			break;
		u32 id = nh->ids[i];
		if ((return_hooks[(id >> 6) & 1] >> (id & 63)) & 1)
			ps_run_return(sc, id, ret);
	}
	return 0;
}

struct walk_ctx {
	struct ps_scratch *sc;
	struct dentry *d;
	struct mount *mnt;
	struct mount *mnt_parent;
	struct dentry *mnt_root;
	u32 off;
};

/* one component of the walk below: bpf_loop's callback, verified once */
static long walk_step(u64 i, struct walk_ctx *c)
{
	struct dentry *d = c->d;
	if (!d)
		return 1;
	struct dentry *parent = BPF_CORE_READ(d, d_parent);
	struct mount *mnt = c->mnt, *up = c->mnt_parent;
	if (d == c->mnt_root || d == parent) {
		if (d != c->mnt_root || mnt == up)
			return 1;
		c->d = BPF_CORE_READ(mnt, mnt_mountpoint);
		c->mnt = up;
		c->mnt_parent = BPF_CORE_READ(up, mnt_parent);
		c->mnt_root = BPF_CORE_READ(up, mnt.mnt_root);
		return 0;
	}
	u32 len = BPF_CORE_READ(d, d_name.len);
	u32 off = c->off;
	if (len == 0 || len > 255 || off < len + 2) {
		c->off = 0;
		return 1;
	}
	off -= len;
	bpf_probe_read_kernel(&c->sc->tmp[off & (PS_TMP - 1)], len & 255, BPF_CORE_READ(d, d_name.name));
	off -= 1;
	c->sc->tmp[off & (PS_TMP - 1)] = '/';
	c->off = off;
	c->d = parent;
	return 0;
}

/* The absolute path of `file` (the executed binary, symlinks resolved as the kernel opened it),
 * rebuilt right to left from its dentries, crossing mounts (bpf_d_path is not allowed in
 * tracepoints). Up to 32 components; on failure, the path as execve was given it. */
static __always_inline void file_path(struct ps_scratch *sc, struct ps_str *out, struct file *file, const char *fallback)
{
	struct vfsmount *vfs = BPF_CORE_READ(file, f_path.mnt);
	struct mount *mnt = container_of(vfs, struct mount, mnt);
	struct walk_ctx c = {
		.sc = sc,
		.d = BPF_CORE_READ(file, f_path.dentry),
		.mnt = mnt,
		.mnt_parent = BPF_CORE_READ(mnt, mnt_parent),
		.mnt_root = BPF_CORE_READ(vfs, mnt_root),
		.off = PS_TMP - 1,
	};

	sc->tmp[PS_TMP - 1] = 0;
	bpf_loop(32, walk_step, &c, 0);
	u32 off = c.off;
	long n = off > 0 && off < PS_TMP - 1
		? bpf_probe_read_kernel_str(out->s, PS_STR, &sc->tmp[off & (PS_TMP - 1)])
		: bpf_probe_read_kernel_str(out->s, PS_STR, fallback);
	out->len = n > 0 ? n - 1 : 0;
}

/* followChildren: an exec of a followed binary marks the process with that section's bit, on top
 * of the bits it inherited (an exec'd descendant stays followed). */
struct follow_ctx {
	struct ps_str *exe;
	u64 used;
	u64 add;
};

/* one followChildren section: bpf_loop's callback, verified once rather than per bit */
static long follow_step(u64 i, struct follow_ctx *c)
{
	u32 key = i;
	if (!((c->used >> (i & 63)) & 1))
		return 0;
	struct ps_strset *set = bpf_map_lookup_elem(&follow_bins, &key);
	if (set && ps_str_match(c->exe, set, PS_OP_EQ))
		c->add |= 1ULL << (i & 63);
	return 0;
}

static __always_inline void mark_followed(u32 tgid, struct ps_str *exe)
{
	struct follow_ctx c = { .exe = exe, .used = follow_bins_used, .add = 0 };
	bpf_loop(PS_FOLLOW_BINS, follow_step, &c, 0);
	if (!c.add)
		return;
	u64 *have = bpf_map_lookup_elem(&children, &tgid);
	set_children(tgid, c.add | (have ? *have : 0));
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(ps_exec, struct task_struct *p, pid_t old_pid, struct linux_binprm *bprm)
{
	struct ps_scratch *sc = get_scratch();
	if (!sc)
		return 0;
	u32 tgid = p->tgid;
	struct ps_str *e = &sc->pexe;
	file_path(sc, e, BPF_CORE_READ(bprm, file), BPF_CORE_READ(bprm, filename));
	bpf_map_update_elem(&exe_map, &tgid, e, BPF_ANY);
	read_state(&sc->state);
	bpf_map_update_elem(&exec_state, &tgid, &sc->state, BPF_ANY);
	if (follow_bins_used)
		mark_followed(tgid, e);

	u32 slot = PS_EXEC_SLOT;
	struct ps_nr_hooks *nh = bpf_map_lookup_elem(&nr_hooks, &slot);
	if (!nh || !nh->count || skip_current(tgid))
		return 0;
	sc->raw[0] = old_pid;
	/* out of the way of the parent binary lookups, which reuse pexe */
	__builtin_memcpy(&sc->exec_path, e, sizeof(*e));
	fill_process(&sc->pend.rec, p);
	for (u32 i = 0; i < PS_MAX_HOOKS_PER_NR; i++) {
		if (i >= nh->count)
			break;
		ps_run_hook(sc, nh->ids[i], PS_EXEC_SLOT);
	}
	return 0;
}

SEC("tp_btf/sched_process_fork")
int BPF_PROG(ps_fork, struct task_struct *parent, struct task_struct *child)
{
	if (child->pid != child->tgid)
		return 0;
	u32 ptgid = parent->tgid, ctgid = child->tgid;
	struct ps_str *e = bpf_map_lookup_elem(&exe_map, &ptgid);
	if (e)
		bpf_map_update_elem(&exe_map, &ctgid, e, BPF_ANY);
	u64 *mask = bpf_map_lookup_elem(&follow, &ptgid);
	if (mask)
		bpf_map_update_elem(&follow, &ctgid, mask, BPF_ANY);
	struct ps_exec_state *st = bpf_map_lookup_elem(&exec_state, &ptgid);
	if (st)
		bpf_map_update_elem(&exec_state, &ctgid, st, BPF_ANY);
	u8 *ign = bpf_map_lookup_elem(&ignored, &ptgid);
	if (ign)
		bpf_map_update_elem(&ignored, &ctgid, ign, BPF_ANY);
	u64 *kids = bpf_map_lookup_elem(&children, &ptgid);
	if (kids)
		set_children(ctgid, *kids);
	return 0;
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(ps_exit, struct task_struct *p)
{
	/* the leader's exit ends the thread group's entry (a leader leaving before its threads is
	 * rare; forks from those threads then start unfollowed) */
	if (p->pid != p->tgid)
		return 0;
	u32 tgid = p->tgid;
	bpf_map_delete_elem(&children, &tgid);
	return 0;
}

/* Override through cgroup programs: the thread's pending Override, if its syscall is one of
 * `a`/`b`/`c`, is taken and the call denied: 0 makes the kernel fail it (EPERM unless the program
 * set another errno), and only now is its event posted and the enforcement counted. Any other
 * call passes (1). */
static __always_inline int deny_marked(u32 a, u32 b, u32 c)
{
	u32 tid = (u32)bpf_get_current_pid_tgid();
	struct ps_override *o = bpf_map_lookup_elem(&overrides, &tid);
	if (!o || (o->nr != a && o->nr != b && o->nr != c))
		return 1;
	s32 err = o->err;
	count(o->policy, 1);
	if (o->post)
		post_record(&o->rec, o->policy);
	bpf_map_delete_elem(&overrides, &tid);
	if (use_retval && err > 0 && err < 4096)
		bpf_set_retval(-err);
	return 0;
}

#define NR_SOCKET 41
#define NR_CONNECT 42
#define NR_SENDTO 44
#define NR_SENDMSG 46
#define NR_BIND 49
#define NR_SENDMMSG 307

SEC("cgroup/connect4")
int ps_connect4(struct bpf_sock_addr *ctx) { return deny_marked(NR_CONNECT, NR_CONNECT, NR_CONNECT); }

SEC("cgroup/connect6")
int ps_connect6(struct bpf_sock_addr *ctx) { return deny_marked(NR_CONNECT, NR_CONNECT, NR_CONNECT); }

SEC("cgroup/bind4")
int ps_bind4(struct bpf_sock_addr *ctx) { return deny_marked(NR_BIND, NR_BIND, NR_BIND); }

SEC("cgroup/bind6")
int ps_bind6(struct bpf_sock_addr *ctx) { return deny_marked(NR_BIND, NR_BIND, NR_BIND); }

/* UDP (and raw/ICMP) datagrams sent with an address: a connected socket's send has none */
SEC("cgroup/sendmsg4")
int ps_sendmsg4(struct bpf_sock_addr *ctx) { return deny_marked(NR_SENDTO, NR_SENDMSG, NR_SENDMMSG); }

SEC("cgroup/sendmsg6")
int ps_sendmsg6(struct bpf_sock_addr *ctx) { return deny_marked(NR_SENDTO, NR_SENDMSG, NR_SENDMMSG); }

/* AF_INET and AF_INET6 sockets: the only families whose creation runs this hook */
SEC("cgroup/sock_create")
int ps_sock_create(struct bpf_sock *ctx) { return deny_marked(NR_SOCKET, NR_SOCKET, NR_SOCKET); }
