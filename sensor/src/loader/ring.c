#include "ring.h"

#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/bpf.h>

/* libs header: u64 ts at 0, u32 len at 16 */
#define HDR_TS 0
#define HDR_LEN 16
#define HDR_SIZE 26
/* BPF ring buffer record header: u32 len (with the busy and discard bits), u32 page offset */
#define RB_HDR 8

static int map_overflow(struct ring *r, int fd, size_t size)
{
	void *cons = mmap(NULL, r->page, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (cons == MAP_FAILED)
		return -errno;
	r->ov_map_len = r->page + 2 * size;
	void *prod = mmap(NULL, r->ov_map_len, PROT_READ, MAP_SHARED, fd, r->page);
	if (prod == MAP_FAILED) {
		int err = -errno;
		munmap(cons, r->page);
		return err;
	}
	r->ov_cons = cons;
	r->ov_prod = prod;
	r->ov_data = (const unsigned char *)prod + r->page;
	r->ov_mask = size - 1;
	r->ov_fd = fd;
	return 0;
}

int ring_open(struct ring *r, const struct ring_maps *m)
{
	memset(r, 0, sizeof(*r));
	r->page = sysconf(_SC_PAGESIZE);
	r->chunk_stride = (m->chunk_value_size + 7) & ~7UL; /* array elements are 8-aligned */
	if (!m->ncpus || m->ncpus > SENSOR_MAX_CPUS || m->nchunks != m->ncpus << m->chunk_bits ||
	    m->chunk_value_size < SENSOR_CHUNK + SENSOR_REC_MAX || r->chunk_stride % r->page ||
	    !m->overflow_size || (m->overflow_size & (m->overflow_size - 1)))
		return -EINVAL; /* a window starts at an element: elements must be whole pages */
	r->chunks_fd = m->chunks_fd;
	r->window_chunks = RING_WINDOW_CHUNKS < (1u << m->chunk_bits) ? RING_WINDOW_CHUNKS : 1u << m->chunk_bits;
	for (unsigned s = 0; s < SENSOR_MAX_CPUS; s++)
		r->win[s].first = SIZE_MAX;
	r->pos = m->pos;
	r->ncpus = m->ncpus;
	r->chunk_bits = m->chunk_bits;
	return map_overflow(r, m->overflow_fd, m->overflow_size);
}

/* The address of chunk `idx` (0 .. 2^chunk_bits - 1) of CPU s's ring, through its window (moved
 * there when the chunk is outside it: every RING_WINDOW_CHUNKS chunks, a remap costing ~3% of
 * the agent's CPU at 800k events/s when it was one chunk); NULL if it cannot be mapped. */
static const unsigned char *window(struct ring *r, unsigned s, size_t idx)
{
	struct ring_window *w = &r->win[s];
	size_t len = r->window_chunks * r->chunk_stride;

	if (w->first != SIZE_MAX && idx >= w->first && idx < w->first + r->window_chunks)
		return w->base + (idx - w->first) * r->chunk_stride;
	if (w->base)
		munmap((void *)w->base, len);
	w->base = NULL;
	w->first = SIZE_MAX;
	/* windows are aligned to their size, which divides the ring's chunk count */
	size_t first = idx & ~(size_t)(r->window_chunks - 1);
	size_t key = ((size_t)s << r->chunk_bits) + first;
	void *base = mmap(NULL, len, PROT_READ, MAP_SHARED, r->chunks_fd, (off_t)(key * r->chunk_stride));
	if (base == MAP_FAILED) {
		r->map_error = -errno;
		return NULL;
	}
	w->first = first;
	w->base = base;
	return (const unsigned char *)base + (idx - first) * r->chunk_stride;
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

/* Sources 0..ncpus-1 are the CPU rings, source ncpus the overflow ring. */
struct cursor {
	__u64 cur, end;
};

/* The next record of source `s` (its libs header), or NULL when the source has no more for now;
 * skips discarded overflow records. */
static const unsigned char *head(struct ring *r, unsigned s, struct cursor *c)
{
	if (s < r->ncpus) {
		if (c->cur >= c->end)
			return NULL;
		size_t idx = (c->cur >> SENSOR_CHUNK_SHIFT) & ((1u << r->chunk_bits) - 1);
		const unsigned char *base = window(r, s, idx);
		return base ? base + (c->cur & (SENSOR_CHUNK - 1)) : NULL;
	}
	while (c->cur < c->end) {
		const unsigned char *hdr = r->ov_data + (c->cur & r->ov_mask);
		__u32 len = __atomic_load_n((const __u32 *)hdr, __ATOMIC_ACQUIRE);
		if (len & BPF_RINGBUF_BUSY_BIT)
			return NULL; /* still being written: the rest waits for the next drain */
		if (!(len & BPF_RINGBUF_DISCARD_BIT))
			return hdr + RB_HDR;
		c->cur += ((len & ~BPF_RINGBUF_DISCARD_BIT) + RB_HDR + 7) & ~7UL;
	}
	return NULL;
}

/* Moves past the record `rec` of `len` bytes that head() returned. */
static void step(const struct ring *r, unsigned s, struct cursor *c, __u32 len)
{
	c->cur += s < r->ncpus ? (len + 7) & ~7UL : (len + RB_HDR + 7) & ~7UL;
}

int ring_drain(struct ring *r, ring_record_fn fn, void *ctx)
{
	struct cursor cur[SENSOR_MAX_CPUS + 1];
	const unsigned char *rec[SENSOR_MAX_CPUS + 1];
	unsigned active[SENSOR_MAX_CPUS + 1], nactive = 0, nsrc = r->ncpus + 1;
	int ret = 0;

	for (unsigned s = 0; s < r->ncpus; s++) {
		cur[s].cur = r->pos[s].cons;
		cur[s].end = __atomic_load_n(&r->pos[s].prod, __ATOMIC_ACQUIRE);
	}
	cur[r->ncpus].cur = *r->ov_cons;
	cur[r->ncpus].end = __atomic_load_n(r->ov_prod, __ATOMIC_ACQUIRE);
	for (unsigned s = 0; s < nsrc; s++)
		if ((rec[s] = head(r, s, &cur[s])))
			active[nactive++] = s;
	/* merge by timestamp; each source is already in order */
	while (nactive && !ret) {
		unsigned best = 0;
		__u64 best_ts = load_u64(rec[active[0]] + HDR_TS);
		for (unsigned i = 1; i < nactive; i++) {
			__u64 ts = load_u64(rec[active[i]] + HDR_TS);
			if (ts < best_ts) {
				best_ts = ts;
				best = i;
			}
		}
		unsigned s = active[best];
		__u32 len = load_u32(rec[s] + HDR_LEN);
		if (len < HDR_SIZE || len > SENSOR_REC_MAX) {
			cur[s].cur = cur[s].end; /* cannot happen: the probes write whole records */
			rec[s] = NULL;
		} else {
			ret = fn(ctx, rec[s], len);
			if (ret == RING_KEEP)
				break;
			step(r, s, &cur[s], len);
			rec[s] = head(r, s, &cur[s]);
		}
		if (!rec[s])
			active[best] = active[--nactive];
	}
	/* the probes may reuse the space once they see the new positions */
	for (unsigned s = 0; s < r->ncpus; s++)
		__atomic_store_n(&r->pos[s].cons, cur[s].cur, __ATOMIC_RELEASE);
	__atomic_store_n(r->ov_cons, cur[r->ncpus].cur, __ATOMIC_RELEASE);
	return ret;
}

int ring_pending(const struct ring *r)
{
	for (unsigned s = 0; s < r->ncpus; s++)
		if (__atomic_load_n(&r->pos[s].prod, __ATOMIC_ACQUIRE) != r->pos[s].cons)
			return 1;
	return __atomic_load_n(r->ov_prod, __ATOMIC_ACQUIRE) != *r->ov_cons;
}

void ring_close(struct ring *r)
{
	for (unsigned s = 0; s < r->ncpus; s++)
		if (r->win[s].base)
			munmap((void *)r->win[s].base, r->window_chunks * r->chunk_stride);
	munmap(r->ov_cons, r->page);
	munmap((void *)r->ov_prod, r->ov_map_len);
}
