/* Reading the records from the loader: the per-CPU rings (see shared.h; chunks through an mmap
 * of the array map, positions through the skeleton's .bss) and the overflow BPF ring buffer
 * (records whose CPU ring was full). Records of all sources come out in timestamp order, as
 * they would from one ring. */
#ifndef SAKER_RING_H
#define SAKER_RING_H

#include <stddef.h>

#include "probes.h"

struct ring {
	const unsigned char *chunks; /* mmap of ring_chunks */
	size_t map_len, chunk_stride;
	struct sensor_ring_pos *pos;
	unsigned ncpus, chunk_bits;
	/* overflow: a BPF_MAP_TYPE_RINGBUF, its data mapped twice in a row */
	unsigned long *ov_cons;
	const unsigned long *ov_prod;
	const unsigned char *ov_data;
	size_t ov_mask, ov_map_len, page;
	int ov_fd; /* pollable: readable while the overflow ring holds anything, doorbells included */
};

/* Called for each record; a nonzero return stops the drain after this record (and is returned). */
typedef int (*ring_record_fn)(void *ctx, const void *data, size_t size);

/* 0 or a negative errno. */
int ring_open(struct ring *r, const struct probes *p);
/* Hands `fn` every record written so far, oldest first across sources, then frees their space.
 * Returns 0, or fn's return value when it stopped the drain. */
int ring_drain(struct ring *r, ring_record_fn fn, void *ctx);
/* Whether any source holds a record not yet drained. */
int ring_pending(const struct ring *r);
void ring_close(struct ring *r);

#endif
