/* Reading the records: the per-CPU rings (see shared.h; chunks through an mmap of the array map,
 * positions in the probes' .bss) and the overflow BPF ring buffer (records whose CPU ring was
 * full). Records of all sources come out in timestamp order, as they would from one ring. Used
 * by the loader (when it writes the records to its stdout) and by the agent's in-process reader
 * (sensor/src/reader), so it knows maps only by their fds: no libbpf. */
#ifndef SAKER_RING_H
#define SAKER_RING_H

#include <stddef.h>
#include <stdint.h>

#include <linux/types.h>

#include "../shared.h"

/* Chunks a reader maps at once per CPU (a power of two). */
#define RING_WINDOW_CHUNKS 4

struct ring {
	/* Each CPU's ring is read through a window onto RING_WINDOW_CHUNKS chunks, from the one its
	 * cursor is in (mapped when the cursor leaves the window): mapping every chunk at once made
	 * all of them resident in the reader (the kernel maps an array map's pages in at mmap),
	 * 20 MiB of RSS on 2 CPUs at the default sizes, against 2.5 MiB for the windows. */
	int chunks_fd;
	size_t chunk_stride;              /* element size in the map (whole pages) */
	unsigned window_chunks;           /* chunks per window: RING_WINDOW_CHUNKS, or the ring's */
	struct ring_window {
		size_t first; /* the first chunk mapped, or SIZE_MAX */
		const unsigned char *base;
	} win[SENSOR_MAX_CPUS];
	int map_error; /* a window that could not be mapped (negative errno): that ring waits */
	struct sensor_ring_pos *pos;
	unsigned ncpus, chunk_bits;
	/* overflow: a BPF_MAP_TYPE_RINGBUF, its data mapped twice in a row */
	unsigned long *ov_cons;
	const unsigned long *ov_prod;
	const unsigned char *ov_data;
	size_t ov_mask, ov_map_len, page;
	int ov_fd; /* pollable: readable while the overflow ring holds anything, doorbells included */
};

/* The maps the probes write to, as ring_open maps them. */
struct ring_maps {
	int chunks_fd;                  /* ring_chunks: an array of chunks, BPF_F_MMAPABLE */
	size_t chunk_value_size;        /* its value size */
	unsigned nchunks;               /* its entries: ncpus << chunk_bits */
	struct sensor_ring_pos *pos;    /* ring_pos in the mapped .bss: ncpus slots */
	unsigned ncpus, chunk_bits;
	int overflow_fd;                /* the overflow BPF_MAP_TYPE_RINGBUF */
	size_t overflow_size;           /* its data bytes (max_entries) */
};

/* Called for each record; a nonzero return stops the drain after this record (and is returned),
 * RING_KEEP stops it before: the record stays for the next drain. */
typedef int (*ring_record_fn)(void *ctx, const void *data, size_t size);
#define RING_KEEP 1

/* 0 or a negative errno. */
int ring_open(struct ring *r, const struct ring_maps *m);
/* Hands `fn` every record written so far, oldest first across sources, then frees their space.
 * Returns 0, or fn's return value when it stopped the drain. */
int ring_drain(struct ring *r, ring_record_fn fn, void *ctx);
/* Whether any source holds a record not yet drained. */
int ring_pending(const struct ring *r);
void ring_close(struct ring *r);

#endif
