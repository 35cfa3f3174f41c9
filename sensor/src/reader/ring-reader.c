/* saker-ring.node: the agent reads the sensor's rings in its own process.
 *
 * With the loader reading them (its default), every record crosses two processes: the loader
 * drains the rings into a socket and the agent reads the socket. Each process hop costs a wakeup
 * (a write to an idle Node process is read ~220 us later at p50 on the 2-CPU VM these numbers
 * come from, up to 1.2 ms), a copy through the kernel, and a second process's CPU. Here the
 * loader, started with --external-reader, only loads, attaches and takes commands; it names its
 * maps in its ready line (its fds and the maps' ids, and where in .bss the positions and the
 * doorbell are) and this addon takes them, maps them and drains them on the agent's event loop:
 * a record is
 * copied once, from the ring into the agent's read buffer, and the first record after a quiet
 * spell wakes the agent itself (the doorbell, struct sensor_wake, rings the overflow ring's wait
 * queue, which libuv polls). The drains are paced as the loader paces them (pacing.h).
 *
 * JS: open({ pid, chunksFd, overflowFd, bssFd, chunksMap, overflowMap, bssMap, ringPosOffset,
 *            wakeOffset, chunkBits, cpus, buffer, pollMs, batchUs, onRead })
 *      -> { start(), drain(), counts(), close() }
 *   onRead(bytes): the first `bytes` of `buffer` hold whole records, oldest first.
 *   drain(): reads what the rings hold into `buffer` now; returns the bytes (0: empty).
 *   counts(): [records, bytes] read so far.  close(): stops, unmaps; idempotent.
 * The maps are taken from the loader with pidfd_getfd (the loader is this process's child with
 * the same credentials: allowed without CAP_SYS_ADMIN, as the DaemonSet and the systemd unit run
 * the agent), else opened by id (BPF_MAP_GET_FD_BY_ID, which needs CAP_SYS_ADMIN). */
#define _GNU_SOURCE
#define NAPI_VERSION 8
#include <node_api.h>
#include <uv.h>

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <linux/bpf.h>

#include "../loader/pacing.h"
#include "../loader/ring.h"

struct reader {
	struct ring ring;
	int ring_open;
	struct sensor_wake *wake;
	void *bss;
	size_t bss_len;
	int fds[3]; /* ring_chunks, overflow, .bss */
	unsigned char *buf;
	size_t cap, fill;
	int backlog;            /* the last drain stopped because the buffer was full */
	__u64 drained;          /* bytes of the drain so far: a full buffer's worth each time it came back */
	int waiting;            /* asleep is set, the poll and the bound timer are armed */
	int closed, finalized, open_handles;
	struct pacing pace;
	unsigned poll_ms; /* the longest sleep (the doorbell's safety net) */
	uint64_t records, bytes;
	napi_env env;
	napi_ref buffer_ref, on_read_ref;
	napi_async_context async;
	uv_poll_t poll;
	uv_timer_t timer;
};

static __u64 now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static int bpf(int cmd, union bpf_attr *attr)
{
	return (int)syscall(SYS_bpf, cmd, attr, sizeof(*attr));
}

/* Whether fd is the map of that id and type; fills *info. 0 or a negative errno. */
static int check_map(int fd, unsigned id, unsigned type, struct bpf_map_info *info)
{
	union bpf_attr a;

	memset(info, 0, sizeof(*info));
	memset(&a, 0, sizeof(a));
	a.info.bpf_fd = fd;
	a.info.info_len = sizeof(*info);
	a.info.info = (__u64)(uintptr_t)info;
	if (bpf(BPF_OBJ_GET_INFO_BY_FD, &a))
		return -errno;
	return info->id == id && info->type == type ? 0 : -EINVAL;
}

/* The loader's three maps into r->fds: its own fds through pidfd_getfd, else by id. On failure
 * *why says what each way met. */
static int take_maps(struct reader *r, uint32_t pid, const uint32_t fds[3], const uint32_t ids[3], char *why, size_t len)
{
	int by_pid = 0, by_id = 0;
	int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);

	if (pidfd < 0)
		by_pid = -errno;
	for (int i = 0; i < 3 && !by_pid; i++)
		if ((r->fds[i] = (int)syscall(SYS_pidfd_getfd, pidfd, fds[i], 0)) < 0)
			by_pid = -errno;
	if (pidfd >= 0)
		close(pidfd);
	if (!by_pid)
		return 0;
	for (int i = 0; i < 3; i++) {
		if (r->fds[i] >= 0)
			close(r->fds[i]);
		r->fds[i] = -1;
	}
	for (int i = 0; i < 3 && !by_id; i++) {
		union bpf_attr a;
		memset(&a, 0, sizeof(a));
		a.map_id = ids[i];
		if ((r->fds[i] = bpf(BPF_MAP_GET_FD_BY_ID, &a)) < 0)
			by_id = -errno;
	}
	if (by_id)
		snprintf(why, len, "pidfd_getfd: %s; by id: %s", strerror(-by_pid), strerror(-by_id));
	return by_id;
}

/* Copies one record into the read buffer; one that does not fit stays for the next drain. */
static int copy_record(void *ctx, const void *data, size_t size)
{
	struct reader *r = ctx;

	if (r->fill + size > r->cap)
		return RING_KEEP;
	memcpy(r->buf + r->fill, data, size);
	r->fill += size;
	r->records++;
	return 0;
}

static size_t fill(struct reader *r)
{
	r->fill = 0;
	r->backlog = ring_drain(&r->ring, copy_record, r) == RING_KEEP;
	r->bytes += r->fill;
	return r->fill;
}

static void release(struct reader *r)
{
	if (r->ring_open)
		ring_close(&r->ring);
	r->ring_open = 0;
	if (r->bss)
		munmap(r->bss, r->bss_len);
	r->bss = NULL;
	for (int i = 0; i < 3; i++)
		if (r->fds[i] >= 0)
			close(r->fds[i]);
	r->fds[0] = r->fds[1] = r->fds[2] = -1;
}

static void on_handle_closed(uv_handle_t *h)
{
	struct reader *r = h->data;

	if (--r->open_handles == 0 && r->finalized)
		free(r);
}

static void close_reader(struct reader *r)
{
	if (r->closed)
		return;
	r->closed = 1;
	if (r->wake)
		r->wake->asleep = 0; /* no doorbell for a reader that is gone */
	uv_close((uv_handle_t *)&r->poll, on_handle_closed);
	uv_close((uv_handle_t *)&r->timer, on_handle_closed);
	release(r);
	napi_delete_reference(r->env, r->buffer_ref);
	napi_delete_reference(r->env, r->on_read_ref);
	napi_async_destroy(r->env, r->async);
}

/* Hands the buffer's first `n` bytes to onRead; an exception it throws is the process's
 * (uncaughtException), as one thrown from a socket's read callback would be. */
static void deliver(struct reader *r, size_t n)
{
	napi_env env = r->env;
	napi_handle_scope scope;
	napi_value cb, recv, arg, result;

	napi_open_handle_scope(env, &scope);
	napi_get_reference_value(env, r->on_read_ref, &cb);
	napi_get_global(env, &recv);
	napi_create_uint32(env, (uint32_t)n, &arg);
	if (napi_make_callback(env, r->async, recv, cb, 1, &arg, &result) == napi_pending_exception) {
		napi_value err;
		napi_get_and_clear_last_exception(env, &err);
		napi_fatal_exception(env, err);
	}
	napi_close_handle_scope(env, scope);
}

static void on_timer(uv_timer_t *t);
static void on_poll(uv_poll_t *p, int status, int events);

static void drain_now(struct reader *r);

/* Waits for the pacing's credit, then drains. */
static void paced(struct reader *r)
{
	__u64 wait = pacing_wait(&r->pace, now_ns());

	if (!wait) {
		drain_now(r);
		return;
	}
	/* libuv's timers count whole milliseconds: a wait is rounded up, as the loader's ppoll
	 * would not be; the default batch is 1 ms anyway */
	uv_timer_start(&r->timer, on_timer, (wait + 999999) / 1000000, 0);
}

/* After a drain: straight back for what a full buffer left, or to sleep until the first record
 * rings the doorbell (or the --poll-ms timer, which bounds the rare record that slips between
 * the probe's two accesses; see serve_stream in the loader). */
static void after_drain(struct reader *r)
{
	if (r->backlog) {
		uv_timer_start(&r->timer, on_timer, 0, 0);
		return;
	}
	/* the fence orders the store before ring_pending's loads: a record committed meanwhile is
	 * either seen here or rings */
	__atomic_store_n(&r->wake->asleep, 1, __ATOMIC_SEQ_CST);
	if (ring_pending(&r->ring)) {
		r->wake->asleep = 0;
		paced(r);
		return;
	}
	r->waiting = 1;
	uv_poll_start(&r->poll, UV_READABLE, on_poll);
	uv_timer_start(&r->timer, on_timer, r->poll_ms, 0);
}

static void drain_now(struct reader *r)
{
	/* a drain that came back for what a full buffer left is the same drain: it spends no more
	 * credit, and the pacing judges (busy or not) by all it read, as the loader's drain, which
	 * is not cut at a buffer's size */
	if (!r->backlog) {
		pacing_spend(&r->pace, now_ns());
		r->drained = 0;
	}
	size_t n = fill(r);
	r->drained += n;
	r->pace.last_bytes = r->drained;
	if (n)
		deliver(r, n);
	if (!r->closed) /* onRead may have closed the reader */
		after_drain(r);
}

static void woken(struct reader *r)
{
	r->waiting = 0;
	uv_poll_stop(&r->poll);
	uv_timer_stop(&r->timer);
	r->wake->asleep = 0;
	paced(r);
}

static void on_poll(uv_poll_t *p, int status, int events)
{
	struct reader *r = p->data;

	(void)status;
	(void)events;
	if (!r->closed && r->waiting)
		woken(r);
}

static void on_timer(uv_timer_t *t)
{
	struct reader *r = t->data;

	if (r->closed)
		return;
	if (r->waiting)
		woken(r);
	else
		drain_now(r);
}

/* ---- JS bindings ---- */

/* Throws an Error of `what` and, when err is nonzero, strerror(err). */
static napi_value throw_error(napi_env env, const char *what, int err)
{
	char msg[256];
	snprintf(msg, sizeof(msg), err ? "%s: %s" : "%s", what, err ? strerror(err) : "");
	napi_throw_error(env, NULL, msg);
	return NULL;
}

static struct reader *this_reader(napi_env env, napi_callback_info info, napi_value *args, size_t *argc)
{
	napi_value self;
	void *data = NULL;

	napi_get_cb_info(env, info, argc, args, &self, NULL);
	napi_unwrap(env, self, &data);
	return data;
}

static napi_value js_start(napi_env env, napi_callback_info info)
{
	size_t argc = 0;
	struct reader *r = this_reader(env, info, NULL, &argc);

	if (!r || r->closed)
		return throw_error(env, "the ring reader is closed", 0);
	uv_timer_start(&r->timer, on_timer, 0, 0); /* the first drain, on the next turn of the loop */
	return NULL;
}

static napi_value js_drain(napi_env env, napi_callback_info info)
{
	size_t argc = 0;
	struct reader *r = this_reader(env, info, NULL, &argc);
	napi_value out;

	napi_create_uint32(env, r && !r->closed ? (uint32_t)fill(r) : 0, &out);
	return out;
}

static napi_value js_counts(napi_env env, napi_callback_info info)
{
	size_t argc = 0;
	struct reader *r = this_reader(env, info, NULL, &argc);
	napi_value out, v;

	napi_create_array_with_length(env, 2, &out);
	napi_create_double(env, r ? (double)r->records : 0, &v);
	napi_set_element(env, out, 0, v);
	napi_create_double(env, r ? (double)r->bytes : 0, &v);
	napi_set_element(env, out, 1, v);
	return out;
}

static napi_value js_close(napi_env env, napi_callback_info info)
{
	size_t argc = 0;
	struct reader *r = this_reader(env, info, NULL, &argc);

	if (r)
		close_reader(r);
	return NULL;
}

static void finalize(napi_env env, void *data, void *hint)
{
	struct reader *r = data;

	(void)env;
	(void)hint;
	close_reader(r);
	r->finalized = 1;
	if (r->open_handles == 0)
		free(r);
}

static int get_u32(napi_env env, napi_value obj, const char *key, uint32_t *out)
{
	napi_value v;
	napi_valuetype t;

	if (napi_get_named_property(env, obj, key, &v) != napi_ok || napi_typeof(env, v, &t) != napi_ok || t != napi_number)
		return -1;
	return napi_get_value_uint32(env, v, out) == napi_ok ? 0 : -1;
}

/* Maps the maps r->fds hold (checked to be those of ids[]); 0 or a negative errno. */
static int map_rings(struct reader *r, const uint32_t ids[3], uint32_t pos_off, uint32_t wake_off, uint32_t bits, uint32_t cpus)
{
	struct bpf_map_info chunks, overflow, bss;
	int err;

	if ((err = check_map(r->fds[0], ids[0], BPF_MAP_TYPE_ARRAY, &chunks)) ||
	    (err = check_map(r->fds[1], ids[1], BPF_MAP_TYPE_RINGBUF, &overflow)) ||
	    (err = check_map(r->fds[2], ids[2], BPF_MAP_TYPE_ARRAY, &bss)))
		return err;
	if (!(bss.map_flags & BPF_F_MMAPABLE) || (uint64_t)pos_off + cpus * sizeof(struct sensor_ring_pos) > bss.value_size ||
	    (uint64_t)wake_off + sizeof(struct sensor_wake) > bss.value_size)
		return -EINVAL;
	size_t page = sysconf(_SC_PAGESIZE);
	r->bss_len = (bss.value_size + page - 1) & ~(page - 1);
	void *base = mmap(NULL, r->bss_len, PROT_READ | PROT_WRITE, MAP_SHARED, r->fds[2], 0);
	if (base == MAP_FAILED)
		return -errno;
	r->bss = base;
	r->wake = (struct sensor_wake *)((char *)base + wake_off);
	struct ring_maps m = {
		.chunks_fd = r->fds[0],
		.chunk_value_size = chunks.value_size,
		.nchunks = chunks.max_entries,
		.pos = (struct sensor_ring_pos *)((char *)base + pos_off),
		.ncpus = cpus,
		.chunk_bits = bits,
		.overflow_fd = r->fds[1],
		.overflow_size = overflow.max_entries,
	};
	err = ring_open(&r->ring, &m);
	r->ring_open = !err;
	return err;
}

static napi_value js_open(napi_env env, napi_callback_info info)
{
	size_t argc = 1;
	napi_value o, buffer, on_read, self;
	napi_valuetype t;
	uint32_t ids[3], fds[3], pid, pos_off, wake_off, bits, cpus, poll_ms, batch_us;
	void *data;
	size_t cap;
	bool is_buffer = false;

	napi_get_cb_info(env, info, &argc, &o, NULL, NULL);
	if (argc < 1 || napi_typeof(env, o, &t) != napi_ok || t != napi_object || get_u32(env, o, "pid", &pid) ||
	    get_u32(env, o, "chunksFd", &fds[0]) || get_u32(env, o, "overflowFd", &fds[1]) || get_u32(env, o, "bssFd", &fds[2]) ||
	    get_u32(env, o, "chunksMap", &ids[0]) ||
	    get_u32(env, o, "overflowMap", &ids[1]) || get_u32(env, o, "bssMap", &ids[2]) ||
	    get_u32(env, o, "ringPosOffset", &pos_off) || get_u32(env, o, "wakeOffset", &wake_off) ||
	    get_u32(env, o, "chunkBits", &bits) || get_u32(env, o, "cpus", &cpus) || get_u32(env, o, "pollMs", &poll_ms) ||
	    get_u32(env, o, "batchUs", &batch_us) || bits > 16 || poll_ms == 0) {
		napi_throw_type_error(env, NULL, "open: the sensor's ring description is incomplete");
		return NULL;
	}
	napi_get_named_property(env, o, "buffer", &buffer);
	napi_get_named_property(env, o, "onRead", &on_read);
	if (napi_is_buffer(env, buffer, &is_buffer) != napi_ok || !is_buffer || napi_typeof(env, on_read, &t) != napi_ok ||
	    t != napi_function) {
		napi_throw_type_error(env, NULL, "open: wants a Buffer and an onRead function");
		return NULL;
	}
	napi_get_buffer_info(env, buffer, &data, &cap);
	if (cap < SENSOR_REC_MAX) {
		napi_throw_range_error(env, NULL, "open: the buffer must hold the largest record (64 KiB)");
		return NULL;
	}

	struct reader *r = calloc(1, sizeof(*r));
	if (!r)
		return throw_error(env, "open", ENOMEM);
	r->fds[0] = r->fds[1] = r->fds[2] = -1;
	char why[200] = "";
	int err = take_maps(r, pid, fds, ids, why, sizeof(why));
	if (!err)
		err = map_rings(r, ids, pos_off, wake_off, bits, cpus);
	if (err) {
		char what[256];
		release(r);
		free(r);
		if (why[0])
			snprintf(what, sizeof(what), "cannot take the sensor's maps (%s)", why);
		else
			snprintf(what, sizeof(what), "cannot map the sensor's rings: %s", strerror(-err));
		return throw_error(env, what, 0);
	}
	r->env = env;
	r->buf = data;
	r->cap = cap;
	/* a flood is drained every --batch-us too, not every --poll-ms as the loader does: there,
	 * fewer and larger batches saved the socket reads between the two processes; here a drain
	 * costs a call into JS. Under 250k open+close/s (bench/agent-latency --load 250000) a record
	 * then reaches the agent in 1.0-1.1 ms at p50 instead of 3.0, its alert 1.6-1.8 ms instead
	 * of 3.2 (p99 8.5-8.6 against 9.7-11.6 ms), and the agent's CPU per event at 800k events/s
	 * did not measurably change (bench/agent-throughput, 435 and 578 ns/event in two runs) */
	r->pace.batch_ns = (__u64)batch_us * 1000;
	r->pace.poll_ns = r->pace.batch_ns;
	r->poll_ms = poll_ms;
	r->pace.at = now_ns();

	uv_loop_t *loop;
	napi_get_uv_event_loop(env, &loop);
	if (uv_poll_init(loop, &r->poll, r->ring.ov_fd) || uv_timer_init(loop, &r->timer)) {
		release(r);
		free(r);
		return throw_error(env, "cannot poll the sensor's rings", 0);
	}
	r->poll.data = r->timer.data = r;
	r->open_handles = 2;
	napi_create_reference(env, buffer, 1, &r->buffer_ref);
	napi_create_reference(env, on_read, 1, &r->on_read_ref);
	napi_value name;
	napi_create_string_utf8(env, "saker:ring-reader", NAPI_AUTO_LENGTH, &name);
	napi_async_init(env, NULL, name, &r->async);

	napi_property_descriptor methods[] = {
		{"start", NULL, js_start, NULL, NULL, NULL, napi_default, NULL},
		{"drain", NULL, js_drain, NULL, NULL, NULL, napi_default, NULL},
		{"counts", NULL, js_counts, NULL, NULL, NULL, napi_default, NULL},
		{"close", NULL, js_close, NULL, NULL, NULL, napi_default, NULL},
	};
	napi_create_object(env, &self);
	napi_define_properties(env, self, sizeof(methods) / sizeof(methods[0]), methods);
	napi_wrap(env, self, r, finalize, NULL, NULL);
	return self;
}

NAPI_MODULE_INIT()
{
	napi_value fn;

	napi_create_function(env, "open", NAPI_AUTO_LENGTH, js_open, NULL, &fn);
	napi_set_named_property(env, exports, "open", fn);
	return exports;
}
