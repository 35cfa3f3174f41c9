/* The loaded BPF side, whichever build the kernel accepted (tp_btf or raw_tp: two skeletons of
 * the same sources, with the same maps, programs and globals). */
#ifndef SAKER_PROBES_H
#define SAKER_PROBES_H

#include <linux/types.h>
#include <bpf/libbpf.h>

#include "../shared.h"
#include "ring.h"

#define PROBES_LINKS 6

struct probes {
	const char *flavour; /* "tp_btf" or "raw_tp" */
	int raw;
	struct bpf_object *obj;
	struct sensor_config *cfg;          /* in the mmap of .bss: the probes see writes at once */
	struct sensor_counters *counters;   /* SENSOR_MAX_CPUS slots */
	struct sensor_ring_pos *ring_pos;   /* in .bss too: SENSOR_MAX_CPUS slots */
	struct sensor_wake *wake;           /* in .bss: the reader's doorbell */
	struct bpf_map *ring_chunks, *overflow, *exit_handlers, *bss;
	void *bss_data;                     /* the mapped .bss (cfg, counters, ring_pos, wake in it) */
	unsigned ring_chunk_bits;           /* each CPU ring has 1 << ring_chunk_bits chunks */
	unsigned ncpus;
	struct bpf_program *sys_exit, *on_exec, *on_exit, *on_execveat_enter, *on_uring_submit,
		*on_uring_complete;
	int uring;                          /* the kernel has the io_uring tracepoints the probes use */
	struct bpf_link *links[PROBES_LINKS];
	void *skel;
	void (*destroy_skel)(void *skel);
};

/* How big the rings are: each CPU's ring is cpu_ring_kb KiB, or else ring_mb MiB shared out
 * among the CPUs (at least 1 MiB each), rounded down to a power of two of SENSOR_CHUNK chunks (at
 * least one); the overflow ring is overflow_mb MiB (a power of two). */
struct ring_sizes {
	unsigned ring_mb, cpu_ring_kb, overflow_mb;
};

/* CPUs with a ring of their own; the probes on CPUs past SENSOR_MAX_CPUS use the overflow ring. */
unsigned probes_ring_cpus(void);
/* Bytes asked for each CPU's ring (before the rounding down to whole chunks). */
unsigned long long probes_cpu_ring_bytes(const struct ring_sizes *sizes, unsigned ncpus);
/* Opens and loads one build with rings of those sizes; 0 or a negative errno (from the kernel or
 * libbpf). */
int probes_load(struct probes *p, int raw, const struct ring_sizes *sizes);
/* Attaches the entry programs (the io_uring ones when p->uring); 0 or a negative errno, with
 * *what set to the tracepoint. */
int probes_attach(struct probes *p, const char **what);
void probes_detach(struct probes *p);
/* The maps the rings are read from, for ring_open. */
void probes_ring_maps(const struct probes *p, struct ring_maps *m);
void probes_destroy(struct probes *p);

#endif
