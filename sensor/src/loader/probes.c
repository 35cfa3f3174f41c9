#include "probes.h"

#include <errno.h>
#include <bpf/btf.h>
#include <string.h>

#include "sensor.skel.h"
#include "sensor_raw.skel.h"

/* log2 of the chunks per CPU ring: each CPU's ring is the largest power of two of chunks that fits
 * in `per_cpu` bytes, at least one chunk. */
static unsigned ring_chunk_bits(unsigned long long per_cpu)
{
	unsigned bits = 0;

	while (((unsigned long long)SENSOR_CHUNK << (bits + 1)) <= per_cpu)
		bits++;
	return bits;
}

unsigned long long probes_cpu_ring_bytes(const struct ring_sizes *z, unsigned ncpus)
{
	if (z->cpu_ring_kb)
		return (unsigned long long)z->cpu_ring_kb << 10;
	unsigned long long per_cpu = ((unsigned long long)z->ring_mb << 20) / ncpus;
	return per_cpu < (1u << 20) ? 1u << 20 : per_cpu;
}

unsigned probes_ring_cpus(void)
{
	int n = libbpf_num_possible_cpus();

	return n > SENSOR_MAX_CPUS ? SENSOR_MAX_CPUS : n > 0 ? n : 1;
}

/* The io_uring probes need the two tracepoints and the request layouts they read (older kernels
 * lack some): without them the rest loads, and io_uring submissions stay unseen. */
static int uring_supported(void)
{
	static const char *const types[][2] = {
		{"btf_trace_io_uring_submit_req", "t"}, {"btf_trace_io_uring_complete", "t"},
		{"io_open", "s"}, {"io_connect", "s"}, {"io_kiocb", "s"},
	};
	struct btf *btf = btf__load_vmlinux_btf();
	int ok = btf != NULL;

	for (size_t i = 0; ok && i < sizeof(types) / sizeof(types[0]); i++)
		ok = btf__find_by_name_kind(btf, types[i][0], types[i][1][0] == 't' ? BTF_KIND_TYPEDEF
										   : BTF_KIND_STRUCT) >= 0;
	btf__free(btf);
	return ok;
}

#define LOAD_SKELETON(SKEL, P, SIZES)                                                          \
	do {                                                                                     \
		struct SKEL *s = SKEL##__open();                                                 \
		if (!s)                                                                          \
			return -errno;                                                           \
		(P)->uring = uring_supported();                                                  \
		bpf_program__set_autoload(s->progs.on_uring_submit, (P)->uring);                 \
		bpf_program__set_autoload(s->progs.on_uring_complete, (P)->uring);               \
		(P)->ncpus = probes_ring_cpus();                                                        \
		(P)->ring_chunk_bits = ring_chunk_bits(probes_cpu_ring_bytes((SIZES), (P)->ncpus));                   \
		bpf_map__set_max_entries(s->maps.ring_chunks, (P)->ncpus << (P)->ring_chunk_bits); \
		bpf_map__set_max_entries(s->maps.scratch_map, (P)->ncpus);                       \
		bpf_map__set_max_entries(s->maps.overflow, (SIZES)->overflow_mb << 20);                     \
		int err = SKEL##__load(s);                                                       \
		if (err) {                                                                       \
			SKEL##__destroy(s);                                                      \
			return err;                                                              \
		}                                                                                \
		(P)->skel = s;                                                                   \
		(P)->destroy_skel = (void (*)(void *))SKEL##__destroy;                           \
		(P)->obj = s->obj;                                                               \
		(P)->cfg = &s->bss->cfg;                                                         \
		(P)->counters = s->bss->counters;                                                \
		(P)->ring_pos = s->bss->ring_pos;                                                \
		(P)->wake = &s->bss->wake;                                                       \
		(P)->cfg->ring_chunk_bits = (P)->ring_chunk_bits;                                \
		(P)->ring_chunks = s->maps.ring_chunks;                                          \
		(P)->overflow = s->maps.overflow;                                                \
		(P)->bss = s->maps.bss;                                                          \
		(P)->bss_data = s->bss;                                                          \
		(P)->exit_handlers = s->maps.exit_handlers;                                      \
		(P)->sys_exit = s->progs.sys_exit;                                               \
		(P)->on_exec = s->progs.on_exec;                                                 \
		(P)->on_exit = s->progs.on_exit;                                                 \
		(P)->on_execveat_enter = s->progs.on_execveat_enter;                             \
		(P)->on_uring_submit = s->progs.on_uring_submit;                                 \
		(P)->on_uring_complete = s->progs.on_uring_complete;                             \
	} while (0)

int probes_load(struct probes *p, int raw, const struct ring_sizes *sizes)
{
	memset(p, 0, sizeof(*p));
	p->raw = raw;
	p->flavour = raw ? "raw_tp" : "tp_btf";
	if (raw)
		LOAD_SKELETON(sensor_raw_bpf, p, sizes);
	else
		LOAD_SKELETON(sensor_bpf, p, sizes);
	return 0;
}

int probes_attach(struct probes *p, const char **what)
{
	struct bpf_program *progs[PROBES_LINKS] = {p->sys_exit, p->on_exec, p->on_exit,
						   p->on_execveat_enter, p->on_uring_submit,
						   p->on_uring_complete};
	const char *tps[PROBES_LINKS] = {"sys_exit", "sched_process_exec", "sched_process_exit",
					 "syscalls:sys_enter_execveat", "io_uring_submit_req",
					 "io_uring_complete"};
	int n = p->uring ? PROBES_LINKS : 4;

	for (int i = 0; i < n; i++) {
		/* the execveat marker is a classic tracepoint in both builds */
		p->links[i] = p->raw && i != 3 ? bpf_program__attach_raw_tracepoint(progs[i], tps[i])
					       : bpf_program__attach(progs[i]);
		if (!p->links[i]) {
			*what = tps[i];
			return -errno;
		}
	}
	return 0;
}

void probes_detach(struct probes *p)
{
	for (int i = 0; i < PROBES_LINKS; i++) {
		bpf_link__destroy(p->links[i]);
		p->links[i] = NULL;
	}
}

void probes_ring_maps(const struct probes *p, struct ring_maps *m)
{
	*m = (struct ring_maps){
		.chunks_fd = bpf_map__fd(p->ring_chunks),
		.chunk_value_size = bpf_map__value_size(p->ring_chunks),
		.nchunks = bpf_map__max_entries(p->ring_chunks),
		.pos = p->ring_pos,
		.ncpus = p->ncpus,
		.chunk_bits = p->ring_chunk_bits,
		.overflow_fd = bpf_map__fd(p->overflow),
		.overflow_size = bpf_map__max_entries(p->overflow),
	};
}

void probes_destroy(struct probes *p)
{
	probes_detach(p);
	if (p->skel)
		p->destroy_skel(p->skel);
	p->skel = NULL;
}
