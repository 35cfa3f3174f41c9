/* Definitions shared by the BPF programs and the loader.
 *
 * The BPF side includes this after vmlinux.h, the loader after <linux/types.h>: keep it free of
 * other headers. The skeleton exposes `cfg` and `counters` (BPF globals in .bss) with these types,
 * which is how the loader configures the probes and reads the drop counters without syscalls.
 */
#ifndef SAKER_SHARED_H
#define SAKER_SHARED_H

#define SENSOR_MAX_CPUS 256     /* counter slots; CPU ids are masked into this range */
#define SENSOR_MAX_IGNORED 64   /* thread groups whose events never leave the kernel */
#define SENSOR_SYSCALL_WORDS 8  /* bitmap words: x86-64 syscall numbers 0..511 */
#define SENSOR_MAX_SYSCALL (SENSOR_SYSCALL_WORDS * 64)
#define SENSOR_PF_GROUPS 8      /* prefilter flag groups */
#define SENSOR_PF_PATH 256      /* prefilter path key bytes, the NUL included */

#define SENSOR_PF_BASE 64       /* prefilter base name key bytes (longer names match no entry) */

/* The key of the prefilter's base name table (pf_bases): a fingerprint of the name (at most
 * SENSOR_PF_BASE - 1 bytes), its bytes taken as little-endian 64-bit words, the last one
 * zero-filled, each mixed into the length. The loader and the probes compute it alike. Two names
 * with one fingerprint share an entry whose terms are both names' (an open of either is sent
 * whenever one of them would be: a collision can only send more, never drop more). A fixed
 * 64-byte key cost an open ~75 ns in the kernel (hashing and comparing the whole key), this one
 * a few multiplications. */
#define SENSOR_PF_MIX 0x9E3779B97F4A7C15ULL

static inline __u64 sensor_pf_mix(__u64 h, __u64 w)
{
	h = (h ^ w) * SENSOR_PF_MIX;
	return h ^ (h >> 29);
}

/* A key of the prefilter's path trie (pf_paths): an exact entry holds the path and its NUL. */
struct sensor_pf_key {
	__u32 prefixlen; /* bits */
	__u8 data[SENSOR_PF_PATH];
};

/* Each CPU writes its records into its own ring, a power of two of chunks of SENSOR_CHUNK bytes.
 * A record starts in a chunk and may run past its end into a slack of SENSOR_REC_MAX bytes;
 * positions are byte counts that only grow, and the next record starts at the position after
 * it, wherever that falls. */
#define SENSOR_CHUNK_SHIFT 18
#define SENSOR_CHUNK (1u << SENSOR_CHUNK_SHIFT)
#define SENSOR_REC_MAX (64 * 1024)

/* Why a record was lost, per event family (Falco's n_drops_buffer_* breakdown). */
enum drop_kind {
	DK_CLONE_FORK,
	DK_EXECVE,
	DK_CONNECT,
	DK_OPEN,
	DK_DIR_FILE,
	DK_CLOSE,
	DK_PROC,
	DK_OTHER,
	DK_MAX,
};

/* cfg.fallback[nr]: what a syscall without a decoder of its own becomes. */
#define SENSOR_FALLBACK_RES 0x8000 /* the libs event's first parameter is the return value */
#define SENSOR_FALLBACK_EVENT 0x7fff /* the libs exit event code; 0: PPME_GENERIC_X */

struct sensor_config {
	__u64 syscall_mask[SENSOR_SYSCALL_WORDS]; /* bit n set: emit the exit event of syscall n */
	/* bit n set: ia32 syscall n is a call whose x86-64 number is in syscall_mask */
	__u64 ia32_mask[SENSOR_SYSCALL_WORDS];
	/* syscall_mask | ia32_mask: the one test every syscall exit pays before anything else */
	__u64 dispatch_mask[SENSOR_SYSCALL_WORDS];
	__u16 fallback[SENSOR_MAX_SYSCALL];       /* SENSOR_FALLBACK_*, by x86-64 number */
	__u16 ppm_sc[SENSOR_MAX_SYSCALL];         /* ppm_sc code by x86-64 number (generic events) */
	__u64 boot_to_epoch_ns;                   /* added to CLOCK_BOOTTIME to get epoch time */
	__u32 procexit;                           /* nonzero: emit PPME_PROCEXIT_1_E */
	__u32 snaplen;                            /* payload bytes kept by send/recv events */
	__u32 n_ignored;
	__u32 ignored_tgid[SENSOR_MAX_IGNORED];
	__u32 ring_chunk_bits;                    /* each CPU ring has 1 << ring_chunk_bits chunks */
	/* The open prefilter (prefilter.bpf.h, sensor/README.md "Prefilter"): nonzero turns it on */
	__u32 prefilter_on;
	__u32 prefilter_close;                    /* also drop closes of fds whose open was dropped */
	__u32 prefilter_store;                    /* keep dropped opens for a later consumer (pf_opened) */
	/* bit n set: syscall n reads the fd in its first argument from the engine's table: an open
	 * of that fd that was dropped is sent first (pf_replay) */
	__u64 pf_consumer_mask[SENSOR_SYSCALL_WORDS];
	__u32 pf_n_groups;
	__u32 pf_bases;                           /* pf_bases has entries */
	__u64 pf_any_path;                        /* terms without a path condition */
	__u32 pf_group_any[SENSOR_PF_GROUPS];     /* PPM open flags, any of which satisfy the group; 0: any */
	__u64 pf_group_terms[SENSOR_PF_GROUPS];
};

/* Where one CPU's ring stands: `prod` written by the probes on that CPU, `cons` by the loader
 * once per drain, each on its own cache line. Plain loads and stores suffice on x86-64 (TSO):
 * the record bytes are stored before `prod`, and read after it. */
struct sensor_ring_pos {
	__u64 prod;
	__u8 pad1[56];
	__u64 cons;
	__u8 pad2[56];
};

/* The reader's doorbell. The loader sets `asleep` when a drain found every ring empty and it is
 * about to wait: the next record committed on any CPU clears it and wakes the loader through the
 * overflow ring's wait queue (a discarded record with BPF_RB_FORCE_WAKEUP), so the first event
 * after a quiet spell is read at once instead of at the next timed drain. While records keep
 * coming the loader drains on its timer and leaves it clear: one wakeup per quiet spell, not
 * one per record. On its own cache line: the probes read it on every record, and it is written
 * only at those transitions. */
struct sensor_wake {
	__u32 asleep;
	__u8 pad[60];
};

/* One slot per CPU, written only by that CPU, padded so CPUs never share a cache line. */
struct sensor_counters {
	__u64 events;             /* records the probes tried to emit */
	__u64 drops_full[DK_MAX]; /* ring buffer full */
	__u64 drops_too_large;    /* record larger than the scratch area */
	__u64 drops_no_scratch;   /* per-CPU scratch area missing (CPU hot-plugged after start) */
	__u64 spilled;            /* records sent through the overflow ring (their CPU ring was full) */
	__u64 prefiltered;        /* events the prefilter kept in the kernel (by design, not lost) */
} __attribute__((aligned(64)));

#endif
