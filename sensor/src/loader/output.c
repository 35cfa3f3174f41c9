#include "output.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int output_init(struct output *o, int fd, size_t cap, int discard)
{
	memset(o, 0, sizeof(*o));
	o->fd = fd;
	o->discard = discard;
	o->cap = cap;
	o->buf = malloc(cap);
	return o->buf ? 0 : -1;
}

int output_flush(struct output *o)
{
	size_t off = 0;

	while (off < o->len) {
		ssize_t n = write(o->fd, o->buf + off, o->len - off);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		off += n;
	}
	o->len = 0;
	return 0;
}

int output_record(struct output *o, const void *data, size_t size)
{
	o->records++;
	o->bytes += size;
	if (o->discard)
		return 0;
	if (o->len + size > o->cap && output_flush(o))
		return -1;
	if (size > o->cap) /* cannot happen: records are at most 64 KiB */
		return 0;
	memcpy(o->buf + o->len, data, size);
	o->len += size;
	return 0;
}
