/* Maps and globals. `cfg` and `counters` live in .bss so the loader reads and writes them through
 * the skeleton's mmap, and the probes read them without a helper call. */
#ifndef SAKER_MAPS_BPF_H
#define SAKER_MAPS_BPF_H

#define HDR_SIZE 26              /* packed ppm_evt_hdr */
#define REC_MAX SENSOR_REC_MAX    /* largest record; write offsets are masked into it */
#define REC_MASK (REC_MAX - 1)
#define STR_MAX 4096             /* longest string or buffer read in one go (PATH_MAX) */
#define PATH_TMP 8192            /* where paths are assembled right to left */
#define NAME_MAX_READ 256        /* one path component */

struct sensor_config cfg;
struct sensor_counters counters[SENSOR_MAX_CPUS];

struct sensor_ring_pos ring_pos[SENSOR_MAX_CPUS];
struct sensor_wake wake;

/* The chunks of all CPU rings, CPU c's chunk i at key (c << cfg.ring_chunk_bits) + i; the loader
 * sizes it (--ring-mb) and reads it through mmap. Why not a BPF ring buffer: its
 * bpf_ringbuf_output is a helper call, a lock and two atomics, which cost 25 ns an event more
 * than a store into memory that only this CPU writes. */
struct chunk {
	__u8 data[SENSOR_CHUNK + SENSOR_REC_MAX];
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__uint(map_flags, BPF_F_MMAPABLE);
	__type(key, __u32);
	__type(value, struct chunk);
} ring_chunks SEC(".maps");

/* Where a record goes when its CPU's ring is full: one BPF ring buffer shared by all CPUs (sized
 * by the loader, --overflow-mb), so that a burst on one CPU can use more than that CPU's share.
 * Slower (a helper call, a lock) but only used while a ring is full. Its wait queue is also the
 * reader's doorbell (struct sensor_wake). */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4 * 1024 * 1024);
} overflow SEC(".maps");

/* Per-CPU scratch where a record is assembled before it is copied into the ring: records have
 * variable size, known at the end. A plain array indexed by CPU id,
 * because per-CPU arrays cap values at 32 KiB. The loader sets max_entries to the CPU count.
 *
 * The write offsets live here too, not on the stack, on purpose: the verifier tracks the exact
 * range of every stack value, so a loop that appends strings would give it one state per
 * possible offset and the clone/execve handlers would exceed its budget. Offsets loaded from
 * map memory are unknown scalars, made safe by masking, and the states merge. */
struct rec {
	__u32 pos;      /* offset in buf of the next parameter byte */
	__u32 lens;     /* offset in buf of the next parameter length */
	__u32 path_off; /* start of the path being assembled in path[] */
	__u32 cpu;
	__u32 nparams;
	__u16 type;
	__u16 kind;     /* enum drop_kind */
	__u64 tid;
	__u64 ts;
	__u8 buf[REC_MAX + STR_MAX];
	__u8 path[PATH_TMP + NAME_MAX_READ];
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct rec);
} scratch_map SEC(".maps");

/* Exit handlers, indexed by syscall number; filled by the loader. */
struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, SENSOR_MAX_SYSCALL);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, sizeof(__u32));
} exit_handlers SEC(".maps");

/* The open prefilter's path entries (prefilter.bpf.h): longest-prefix match over the path bytes,
 * each value the terms its path satisfies. Filled by the loader (`prefilter path`). */
struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, 4096);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct sensor_pf_key);
	__type(value, __u64);
} pf_paths SEC(".maps");

/* The open prefilter's base name entries (fd.filename in (...)): the terms a path whose last
 * component is the key satisfies. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, __u64); /* the name's fingerprint (shared.h) */
	__type(value, __u64);
} pf_bases SEC(".maps");

/* Per-CPU room for the path being decided on (too big for the stack), with slack past the key so
 * that the base name's words can be read from any offset of it (pf_base_terms). */
struct pf_path_scratch {
	struct sensor_pf_key key;
	__u8 slack[SENSOR_PF_BASE];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct pf_path_scratch);
} pf_scratch SEC(".maps");

/* fds whose open the prefilter dropped, so their close can stay in the kernel too: per fd table
 * (struct files_struct *), one bit per fd below PF_FD_BITS. A dropped open sets its bit with one
 * atomic OR in an entry the process already has, instead of inserting a map entry per open; a
 * close tests and clears it. `tgid` is the thread group that made the entry: only its closes are
 * dropped (an fd table freed and reused by another process must not drop that process's closes;
 * a mismatch starts the entry afresh). LRU: a lost entry or bit only means closes are sent (the
 * engine ignores a close of an fd it does not know), never that one is dropped. */
#define PF_FD_BITS 1024
#define PF_FD_WORDS (PF_FD_BITS / 64)

struct pf_fds {
	__u32 tgid;
	__u32 pad;
	__u64 bits[PF_FD_WORDS];
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, __u64);
	__type(value, struct pf_fds);
} pf_dropped SEC(".maps");

/* The zeroed entry a process's first dropped open starts from (too big for the stack). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct pf_fds);
} pf_fds_scratch SEC(".maps");

/* Dropped opens kept for the consumers (cfg.pf_consumer_mask), by open file (struct file *): so
 * whichever process holds the fd later (a dup, a fork's child) finds it. LRU: a lost entry means
 * a consumer event whose fd the engine does not name (see sensor/README.md). */
struct pf_open {
	__u64 inode;   /* f_inode when dropped: a struct file reused for another file is not replayed */
	__u32 len;     /* path bytes with the NUL */
	__u32 flags;   /* PPM open flags */
	__u32 mode;    /* PPM mode */
	__u32 pad;
	__u8 path[SENSOR_PF_PATH];
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, __u64);
	__type(value, struct pf_open);
} pf_opened SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct pf_open);
} pf_open_scratch SEC(".maps");

static __always_inline bool mask_has(const volatile __u64 *mask, __u64 nr)
{
	if (nr >= SENSOR_MAX_SYSCALL)
		return false;
	return (mask[nr >> 6] >> (nr & 63)) & 1;
}

/* x86-64 syscall `nr` is captured. */
static __always_inline bool syscall_wanted(__u64 nr)
{
	return mask_has(cfg.syscall_mask, nr);
}

/* Set per CPU by the dispatcher before it runs a handler: the syscall being reported is a 32-bit
 * (compat) one, whose arguments sit in other registers (syscall_arg in task.bpf.h). Nothing nests
 * on one CPU between the two (see ring_slot in record.bpf.h). */
__u8 compat_cpu[SENSOR_MAX_CPUS];

static __always_inline bool tgid_ignored(__u32 tgid)
{
	__u32 n = cfg.n_ignored;

	for (__u32 i = 0; i < SENSOR_MAX_IGNORED; i++) {
		if (i >= n)
			break;
		if (cfg.ignored_tgid[i] == tgid)
			return true;
	}
	return false;
}

static __always_inline struct sensor_counters *my_counters(void)
{
	return &counters[bpf_get_smp_processor_id() & (SENSOR_MAX_CPUS - 1)];
}

#endif
