/* Bench-only replacement of src/bpf/cost/cost.bpf.h: bench/agent.ts pricingBuild builds the
 * sensor with COST_DIR=pricing and one or both switches below, to price what each piece of work
 * costs (bench/sensor-bpf-cost.ts, bench/agent-overhead.ts). Records keep their size. Never used
 * by the production build.
 *   SAKER_PRICE_NO_CLOCK      no clock read: every event carries the boot-to-epoch offset
 *   SAKER_PRICE_NO_USER_PATH  no user path copy: openat names are empty */
#ifndef SAKER_COST_BPF_H
#define SAKER_COST_BPF_H

static __always_inline __u64 event_ts(void)
{
#ifdef SAKER_PRICE_NO_CLOCK
	return cfg.boot_to_epoch_ns;
#else
	return bpf_ktime_get_boot_ns() + cfg.boot_to_epoch_ns;
#endif
}

static __always_inline long copy_user_path(void *dst, __u32 max, const void *name)
{
#ifdef SAKER_PRICE_NO_USER_PATH
	return 0;
#else
	return name ? bpf_probe_read_user_str(dst, max, name) : 0;
#endif
}

#endif
