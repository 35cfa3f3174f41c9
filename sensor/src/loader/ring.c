#include "ring.h"

#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <bpf/bpf.h>

/* libs header: u64 ts at 0, u32 len at 16 */
#define HDR_TS 0
#define HDR_LEN 16

int ring_open(struct ring *r, const struct probes *p)
{
	const struct bpf_map *m = p->ring_chunks;
	long page = sysconf(_SC_PAGESIZE);

	memset(r, 0, sizeof(*r));
	r->chunk_stride = (bpf_map__value_size(m) + 7) & ~7UL; /* array elements are 8-aligned */
	r->map_len = (r->chunk_stride * bpf_map__max_entries(m) + page - 1) & ~(size_t)(page - 1);
	void *base = mmap(NULL, r->map_len, PROT_READ, MAP_SHARED, bpf_map__fd(m), 0);
	if (base == MAP_FAILED)
		return -errno;
	r->chunks = base;
	r->pos = p->ring_pos;
	r->ncpus = p->ncpus;
	r->chunk_bits = p->ring_chunk_bits;
	return 0;
}

static const unsigned char *record_at(const struct ring *r, unsigned cpu, __u64 pos)
{
	size_t key = ((size_t)cpu << r->chunk_bits) +
		     ((pos >> SENSOR_CHUNK_SHIFT) & ((1u << r->chunk_bits) - 1));
	return r->chunks + key * r->chunk_stride + (pos & (SENSOR_CHUNK - 1));
}

static __u64 load_u64(const void *p)
{
	__u64 v;
	memcpy(&v, p, sizeof(v));
	return v;
}

static __u32 load_u32(const void *p)
{
	__u32 v;
	memcpy(&v, p, sizeof(v));
	return v;
}

int ring_drain(struct ring *r, ring_record_fn fn, void *ctx)
{
	__u64 cur[SENSOR_MAX_CPUS], end[SENSOR_MAX_CPUS];
	unsigned active[SENSOR_MAX_CPUS], nactive = 0;
	int ret = 0;

	for (unsigned c = 0; c < r->ncpus && c < SENSOR_MAX_CPUS; c++) {
		cur[c] = r->pos[c].cons;
		end[c] = __atomic_load_n(&r->pos[c].prod, __ATOMIC_ACQUIRE);
		if (cur[c] < end[c])
			active[nactive++] = c;
	}
	/* merge by timestamp; each CPU's own records are already in order */
	while (nactive && !ret) {
		unsigned best = 0;
		__u64 best_ts = load_u64(record_at(r, active[0], cur[active[0]]) + HDR_TS);
		for (unsigned i = 1; i < nactive; i++) {
			__u64 ts = load_u64(record_at(r, active[i], cur[active[i]]) + HDR_TS);
			if (ts < best_ts) {
				best_ts = ts;
				best = i;
			}
		}
		unsigned c = active[best];
		const unsigned char *rec = record_at(r, c, cur[c]);
		__u32 len = load_u32(rec + HDR_LEN);
		if (len < 26 || len > SENSOR_REC_MAX) {
			cur[c] = end[c]; /* cannot happen: the probes write whole records; skip the rest */
		} else {
			ret = fn(ctx, rec, len);
			cur[c] += (len + 7) & ~7U;
		}
		if (cur[c] >= end[c])
			active[best] = active[--nactive];
	}
	/* the probes may reuse the space once they see the new position */
	for (unsigned c = 0; c < r->ncpus && c < SENSOR_MAX_CPUS; c++)
		__atomic_store_n(&r->pos[c].cons, cur[c], __ATOMIC_RELEASE);
	return ret;
}

void ring_close(struct ring *r)
{
	munmap((void *)r->chunks, r->map_len);
}
