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

struct sensor_config {
	__u64 syscall_mask[SENSOR_SYSCALL_WORDS]; /* bit n set: emit the exit event of syscall n */
	__u64 boot_to_epoch_ns;                   /* added to CLOCK_BOOTTIME to get epoch time */
	__u32 procexit;                           /* nonzero: emit PPME_PROCEXIT_1_E */
	__u32 snaplen;                            /* payload bytes kept by send/recv events */
	__u32 n_ignored;
	__u32 ignored_tgid[SENSOR_MAX_IGNORED];
};

/* One slot per CPU, written only by that CPU, padded so CPUs never share a cache line. */
struct sensor_counters {
	__u64 events;             /* records the probes tried to emit */
	__u64 drops_full[DK_MAX]; /* ring buffer full */
	__u64 drops_too_large;    /* record larger than the scratch area */
	__u64 drops_no_scratch;   /* per-CPU scratch area missing (CPU hot-plugged after start) */
} __attribute__((aligned(64)));

#endif
