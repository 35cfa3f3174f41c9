/* The two pieces of work every open/close event must do, kept apart so that the pricing builds
 * of bench/sensor-bpf-cost.ts can swap this header for sensor/pricing/cost.bpf.h (the Makefile's
 * COST_DIR) and leave either out; production objects are built from this one only.
 * Included by record.bpf.h after maps.bpf.h (`cfg`). */
#ifndef SAKER_COST_BPF_H
#define SAKER_COST_BPF_H

/* Event time: nanoseconds since the epoch. */
static __always_inline __u64 event_ts(void)
{
	return bpf_ktime_get_boot_ns() + cfg.boot_to_epoch_ns;
}

/* Copies the user path `name` of an open to `dst` (at most `max` bytes, NUL included); the bytes
 * copied, 0 when there is no name, negative on a fault. */
static __always_inline long copy_user_path(void *dst, __u32 max, const void *name)
{
	return name ? bpf_probe_read_user_str(dst, max, name) : 0;
}

#endif
