/* Records go to stdout in large writes: the consumer (Node) pays per read, not per record. */
#ifndef SAKER_OUTPUT_H
#define SAKER_OUTPUT_H

#include <stddef.h>
#include <stdint.h>

struct output {
	int fd;
	int discard;      /* count but do not write (benchmarks of the kernel side) */
	char *buf;
	size_t cap, len;
	uint64_t records; /* records handed to the consumer */
	uint64_t bytes;
};

int output_init(struct output *o, int fd, size_t cap, int discard);
/* Appends one record, flushing first when it does not fit. Returns -1 when stdout is gone. */
int output_record(struct output *o, const void *data, size_t size);
int output_flush(struct output *o);

#endif
