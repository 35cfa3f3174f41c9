/* Layouts shared by the policy sensor's BPF programs (policy.bpf.c), its loader (saker-policy)
 * and the TypeScript side that compiles TracingPolicy selectors into these structures
 * (src/policy/kernel-layout.ts mirrors every offset here; keep them in step).
 *
 * A hook is one policy hook attached to syscall entry (by syscall number) or to
 * sched_process_exec; it owns up to PS_MAX_SELECTORS selectors, evaluated in order, the first
 * match deciding (Tetragon's semantics). Everything is plain data in maps, so loading, changing or
 * removing a policy never rebuilds or reloads a program.
 */
#ifndef SAKER_POLICY_SHARED_H
#define SAKER_POLICY_SHARED_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
typedef __u8 u8;
typedef __u16 u16;
typedef __u32 u32;
typedef __u64 u64;
typedef __s32 s32;
typedef __s64 s64;
#endif

#define PS_MAX_HOOKS 128        /* two banks of 64 (a reload writes one while the other runs) */
#define PS_MAX_SELECTORS 5
#define PS_MAX_ARGS 5          /* declared arguments per hook */
#define PS_MAX_MATCH 5         /* matchArgs per selector */
#define PS_MAX_VALS 8          /* integer values / ranges per matchArg */
#define PS_MAX_STRVALS 4       /* string values per matchArg */
#define PS_STR 256             /* bytes of a string argument / binary path compared */
#define PS_MAX_NS 4            /* matchNamespaces entries per selector */
#define PS_MAX_HOOKS_PER_NR 16
#define PS_NR_SLOTS 513        /* syscall numbers 0..511, then the exec slot */
#define PS_EXEC_SLOT 512
#define PS_MAX_POLICIES 64
#define PS_STR_ARGS 2          /* string arguments captured per event */
#define PS_FOLLOW_BINS 64      /* matchBinaries sections with followChildren (Tetragon's limit) */
#define PS_MAX_CHILDREN 32768  /* processes followed for followChildren at once */
#define PS_MAX_PENDING 8192    /* return probes: calls between entry and exit at once */
#define PS_BUF 4096            /* bytes of a char_buf argument captured (Tetragon's default) */

/* where an argument comes from */
enum ps_source { PS_SRC_NONE = 0, PS_SRC_SYSARG = 1, PS_SRC_SYSNR = 2, PS_SRC_EXEC_PATH = 3, PS_SRC_EXEC_PID = 4 };
/* how it is read */
enum ps_kind { PS_KIND_INT = 0, PS_KIND_STRING = 1, PS_KIND_BUF = 2, PS_KIND_SOCKADDR = 3 };
/* which part of an argument an integer filter reads: a sockaddr argument's value packs
 * family (bits 0-15), port (16-31, host order) and IPv4 address (32-63, host order) */
enum ps_field { PS_FIELD_WHOLE = 0, PS_FIELD_PORT = 1, PS_FIELD_ADDR4 = 2, PS_FIELD_FAMILY = 3 };

enum ps_op {
	PS_OP_EQ = 1, PS_OP_NEQ, PS_OP_GT, PS_OP_LT, PS_OP_MASK, PS_OP_INRANGE, PS_OP_NOTINRANGE,
	PS_OP_PREFIX, PS_OP_NOTPREFIX, PS_OP_POSTFIX, PS_OP_NOTPOSTFIX,
};

/* actions, numbered as Tetragon's KprobeAction enum so an event's action needs no mapping */
enum ps_action { PS_ACT_POST = 1, PS_ACT_SIGKILL = 3, PS_ACT_OVERRIDE = 5, PS_ACT_NOPOST = 9, PS_ACT_SIGNAL = 10 };

struct ps_arg {
	u8 source;   /* enum ps_source */
	u8 index;    /* syscall argument 0..5 */
	u8 kind;     /* enum ps_kind */
	u8 str_slot; /* strings: which of the PS_STR_ARGS capture slots; bufs: the size argument + 1
		      * (sizeArgIndex, read at entry), or 0: returnCopy, read at exit, the return
		      * value's bytes */
};

struct ps_hook {
	u32 used;
	u32 policy;      /* index into the policy counters */
	u32 monitor;     /* policy-mode monitor: enforcement counted, not done */
	u32 nselectors;  /* 0: every hit posts */
	u32 nargs;
	u32 need_exe;    /* selectors read the binary (matchBinaries) */
	struct ps_arg args[PS_MAX_ARGS];
	u32 ret;         /* return probe: selectors finish, and the event posts, at syscall exit */
	u32 override;    /* a selector may Override: the cgroup programs are attached while one is loaded */
	u32 workload;    /* podSelector/containerSelector: only the policy's containers (the workloads map) */
	u32 host;        /* hostSelector {}: host processes (the host's pid namespace) too, or alone
			  * without `workload` */
};

/* a string compared: a binary path, a string argument */
struct ps_str {
	u32 len;
	u32 pad;
	char s[PS_STR];
};

/* the string values of one filter */
struct ps_strset {
	u32 n;
	u32 len[PS_MAX_STRVALS];
	char v[PS_MAX_STRVALS][PS_STR];
};

struct ps_match_arg {
	u8 arg;    /* position in the hook's args */
	u8 op;     /* enum ps_op */
	u8 nvals;
	u8 field;  /* enum ps_field */
	u8 pad[4];
	s64 lo[PS_MAX_VALS];
	s64 hi[PS_MAX_VALS];
	struct ps_strset strs;
};

struct ps_ns_match {
	u8 ns;      /* 0 uts 1 ipc 2 mnt 3 pid 4 pid_for_children 5 net 6 time 7 time_for_children 8 cgroup 9 user */
	u8 notin;
	u8 nvals;
	u8 pad;
	u32 vals[4];
};

struct ps_selector {
	u32 nmatch;
	u32 npids;
	u32 pids_notin;
	u32 pids_ns;         /* isNamespacePID */
	u32 pids[4];
	u32 follow_bit;      /* followForks: 1 + bit in ps_follow's mask, 0 when off */
	u32 bin_op;          /* 0 none, else enum ps_op on the binary: EQ (In), NEQ (NotIn), PREFIX ... */
	u32 pbin_op;         /* the same for the parent's binary */
	u32 nns;
	u32 ncaps;           /* matchCapabilities entries (0..2) */
	u32 cap_type[2];     /* 0 effective 1 inheritable 2 permitted */
	u32 cap_notin[2];
	u32 cap_userns[2];   /* isNamespaceCapability */
	u64 cap_mask[2];
	u32 nactions;
	u32 actions[3];
	u32 action_arg[3];   /* Signal: the signal; Override: the errno (positive) */
	u32 rate_ms;         /* Post rateLimit, 0 none */
	u32 rate_scope;      /* 0 thread, 1 process, 2 global */
	u32 bin_follow_bit;  /* matchBinaries followChildren: 1 + bit in the children map's mask, 0 off */
	struct ps_ns_match ns[PS_MAX_NS];
	struct ps_match_arg match[PS_MAX_MATCH];
	struct ps_strset bins;
	struct ps_strset pbins;
	struct ps_match_arg ret_match;   /* matchReturnArgs on the return value, op 0 when none */
	u32 nret_actions;    /* matchReturnActions: run at syscall exit after matchActions */
	u32 ret_actions[3];
	u32 ret_action_arg[3];
	u32 pbin_follow_bit; /* matchParentBinaries followChildren: any ancestor (bit as bin_follow_bit) */
	/* matchNamespaceChanges: 0 none, PS_OP_EQ (In: a namespace of the mask changed since the
	 * process's exec), PS_OP_NEQ (NotIn: one outside the mask did); mask bits as ps_ns_match.ns */
	u32 nsch_op;
	u32 nsch_mask;
	/* matchCapabilityChanges: one entry; op PS_OP_EQ (In: a listed capability changed since exec)
	 * or PS_OP_NEQ (NotIn: only others did), 0 none; type and userns as matchCapabilities' */
	u32 capch_op;
	u32 capch_type;
	u32 capch_userns;
	u32 pad2;
	u64 capch_mask;
};

/* what a process was at its exec (inherited at fork): matchNamespaceChanges and
 * matchCapabilityChanges compare the task with it, and bring it up to date when they match, so a
 * change matches once */
struct ps_exec_state {
	u32 ns[10];   /* ps_ns_match.ns order */
	u64 caps[3];  /* effective, inheritable, permitted */
};

struct ps_nr_hooks {
	u32 count;
	u32 ids[PS_MAX_HOOKS_PER_NR];
};


/* one hit, written to the ring buffer when the first matching selector posts */
struct ps_record {
	u64 ktime;        /* bpf_ktime_get_boot_ns */
	u64 start_time;   /* task start_boottime of the thread group leader */
	u32 tgid;
	u32 tid;
	u32 ppid;
	u32 hook;
	u32 nr;           /* syscall number, or PS_EXEC_SLOT */
	u8 selector;
	u8 action;        /* last action run (Tetragon's event action) */
	u8 monitored;     /* enforcement skipped by monitor mode */
	u8 ret_action;    /* a return probe's hit: its last return action (Post when none), and the
			   * return value is args[PS_MAX_ARGS]; 0 for an entry hit */
	u32 uid;
	u32 euid;
	s64 args[PS_MAX_ARGS + 1];   /* by position in the hook's args */
	struct ps_str str[PS_STR_ARGS];
	struct ps_str exe;
	/* a char_buf argument's bytes follow the record in the ring (the record's size is
	 * sizeof(struct ps_record) + buf_len): buf_len bytes captured of buf_orig */
	u32 buf_len;
	u32 buf_orig;
};

/* per policy, per CPU: what its selectors did */
struct ps_counters {
	u64 posted;
	u64 enforced;
	u64 monitored;   /* enforcement a monitor-mode policy skipped */
	u64 rate_limited;
	u64 drops;       /* ring buffer full */
};

/* a return probe's call between entry and exit: its entry record and the selectors whose entry
 * parts matched (bit s: selector s; bit PS_MAX_SELECTORS: no selectors, every call posts) */
struct ps_pending_key {
	u32 tid;
	u32 hook;
};

struct ps_pending {
	u32 selmask;
	u32 pad;
	struct ps_record rec;
};

/* Override: a thread's syscall the cgroup programs deny, set by the selector's action at syscall
 * entry and taken by the first cgroup program of that syscall's kind the thread reaches. The hit's
 * record waits here: the cgroup program that denies the call posts it (the call was overridden);
 * a mark still here at the syscall's exit means no cgroup program saw the call, which went ahead,
 * and its record is posted then with the action that really ran (Post, not Override). */
struct ps_override {
	s32 err;     /* positive errno */
	u32 nr;      /* the syscall whose entry decided it */
	u32 policy;  /* counters slot: enforced is counted when the call is denied */
	u32 post;    /* 0: NoPost or a rate limit kept the record back */
	struct ps_record rec;
};

/* podSelector/containerSelector: a container the policy selects, by its mount namespace */
struct ps_workload_key {
	u32 policy;
	u32 mntns;
};

#define PS_MAX_WORKLOADS 16384

#define PS_SOCKADDR 28  /* bytes of a sockaddr argument captured (sockaddr_in6) */

struct ps_rate_key {
	u32 hook;
	u32 selector;
	u64 scope;
	s64 args[6];
};

#endif
