/* saker-sensor: loads the BPF programs, streams event records to stdout, takes control commands
 * on stdin (see control.h) and reports on stderr, one JSON line per message.
 *
 *   saker-sensor [--syscalls LIST] [--ignore PIDS] [--ring-mb N] [--cpu-ring-kb N]
 *                [--overflow-mb N] [--poll-ms N] [--stats-interval-ms N] [--snaplen N] [--attach auto|btf|raw] [--discard]
 *                [--external-reader] [--verbose] [--check]
 *
 * Exit status: 0 on SIGTERM/SIGINT, stdin EOF or "quit"; 1 bad usage; 2 not root; 3 BPF refused;
 * 4 stdout closed or other runtime failure.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/wait.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "../shared.h"
#include "../self-tgid.h"
#include "control.h"
#include "output.h"
#include "pacing.h"
#include "probes.h"
#include "ring.h"
#include "syscalls.h"
#include "syscall-table.h"

enum attach_mode { ATTACH_AUTO, ATTACH_BTF, ATTACH_RAW };

struct options {
	char *syscalls;
	char *ignore;
	struct ring_sizes sizes;
	unsigned poll_ms;
	unsigned batch_us;
	unsigned stats_ms;
	unsigned snaplen;
	enum attach_mode attach;
	int discard, verbose, check, external;
};

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

static void die(int status, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "saker-sensor: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(status);
}

static int libbpf_log(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	return vfprintf(stderr, fmt, ap);
}

static int libbpf_quiet(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	return 0;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: saker-sensor [options]\n"
		"  --syscalls LIST          initial syscall set (names or libs event codes, comma-separated)\n"
		"  --ignore PIDS            thread groups to ignore (own pid is always ignored)\n"
		"  --ring-mb N              ring size in MiB, shared out among CPUs, at least 1 each (default 16)\n"
		"  --cpu-ring-kb N          each CPU's ring in KiB instead (rounded down to 256 KiB times a power of two)\n"
		"  --overflow-mb N          shared ring for records whose CPU ring is full, MiB (default 1)\n"
		"  --poll-ms N              longest wait between drains, in ms (default 5): the first record\n"
		"                           after a drain wakes the reader sooner\n"
		"  --batch-us N             time between drains on average, in us (default 1000): records that\n"
		"                           keep coming are read in batches (after a quiet spell up to 4 drains\n"
		"                           read at once); --poll-ms apart once a drain finds more than the\n"
		"                           engine reads at once (64 KiB)\n"
		"  --stats-interval-ms N    print counters every N ms (default 0: on request only)\n"
		"  --snaplen N              payload bytes kept by send/recv events (default 80)\n"
		"  --attach auto|btf|raw    tracepoint flavour (default auto: tp_btf, else raw_tp)\n"
		"  --discard                drain the ring but write nothing (benchmarks)\n"
		"  --external-reader        leave the rings to the reader the ready line names them for (the\n"
		"                           agent's in-process reader, sensor/src/reader): write no records\n"
		"  --check                  load every program, report, exit\n"
		"  --verbose                libbpf and verifier messages on stderr\n"
		"Records go to stdout; stdin takes commands (syscalls, ignore, unignore, snaplen, stats,\n"
		"quit), one per line; replies, counters and errors are JSON lines on stderr.\n");
}

static void parse_options(int argc, char **argv, struct options *o)
{
	static const struct option longopts[] = {
		{"syscalls", required_argument, 0, 's'},  {"ignore", required_argument, 0, 'i'},
		{"ring-mb", required_argument, 0, 'r'},   {"poll-ms", required_argument, 0, 'p'},
		{"cpu-ring-kb", required_argument, 0, 'k'}, {"overflow-mb", required_argument, 0, 'o'},
		{"batch-us", required_argument, 0, 'b'},
		{"stats-interval-ms", required_argument, 0, 'S'},
		{"snaplen", required_argument, 0, 'n'},   {"attach", required_argument, 0, 'a'},
		{"discard", no_argument, 0, 'd'},         {"verbose", no_argument, 0, 'v'},
		{"external-reader", no_argument, 0, 'x'},
		{"check", no_argument, 0, 'c'},           {"help", no_argument, 0, 'h'},
		{0, 0, 0, 0},
	};
	int c;

	*o = (struct options){.sizes = {.ring_mb = 16, .overflow_mb = 1}, .poll_ms = 5, .batch_us = 1000, .snaplen = 80};
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 's': o->syscalls = optarg; break;
		case 'i': o->ignore = optarg; break;
		case 'r': o->sizes.ring_mb = strtoul(optarg, NULL, 10); break;
		case 'k': o->sizes.cpu_ring_kb = strtoul(optarg, NULL, 10); break;
		case 'o': o->sizes.overflow_mb = strtoul(optarg, NULL, 10); break;
		case 'p': o->poll_ms = strtoul(optarg, NULL, 10); break;
		case 'b': o->batch_us = strtoul(optarg, NULL, 10); break;
		case 'S': o->stats_ms = strtoul(optarg, NULL, 10); break;
		case 'n': o->snaplen = strtoul(optarg, NULL, 10); break;
		case 'd': o->discard = 1; break;
		case 'x': o->external = 1; break;
		case 'v': o->verbose = 1; break;
		case 'c': o->check = 1; break;
		case 'a':
			if (!strcmp(optarg, "auto")) o->attach = ATTACH_AUTO;
			else if (!strcmp(optarg, "btf")) o->attach = ATTACH_BTF;
			else if (!strcmp(optarg, "raw")) o->attach = ATTACH_RAW;
			else die(1, "--attach wants auto, btf or raw, got '%s'", optarg);
			break;
		case 'h': usage(stdout); exit(0);
		default: usage(stderr); exit(1);
		}
	}
	if (optind < argc)
		die(1, "unexpected argument '%s' (see --help)", argv[optind]);
	const struct ring_sizes *z = &o->sizes;
	if (z->ring_mb == 0 || (z->ring_mb & (z->ring_mb - 1)) || z->ring_mb > 1024)
		die(1, "--ring-mb must be a power of two between 1 and 1024, got %u", z->ring_mb);
	/* Falco's largest buffer preset is 512 MiB */
	if (z->cpu_ring_kb && (z->cpu_ring_kb < (SENSOR_CHUNK >> 10) || z->cpu_ring_kb > (512u << 10)))
		die(1, "--cpu-ring-kb must be between %u and %u, got %u", SENSOR_CHUNK >> 10, 512u << 10, z->cpu_ring_kb);
	if (z->overflow_mb == 0 || (z->overflow_mb & (z->overflow_mb - 1)) || z->overflow_mb > 1024)
		die(1, "--overflow-mb must be a power of two between 1 and 1024, got %u", z->overflow_mb);
	if (o->poll_ms == 0 || o->poll_ms > 1000)
		die(1, "--poll-ms must be between 1 and 1000, got %u", o->poll_ms);
	if (o->batch_us > o->poll_ms * 1000)
		die(1, "--batch-us must be at most --poll-ms (%u ms), got %u", o->poll_ms, o->batch_us);
	if (o->snaplen > 4096)
		die(1, "--snaplen must be at most 4096, got %u", o->snaplen);
}

/* tp_btf first; raw_tp when the kernel cannot take tp_btf. EPERM means no privilege, not a
 * missing feature: raw_tp would be refused the same way, so it is not tried. */
static void load(struct probes *p, const struct options *o)
{
	int err = 0, raw = o->attach == ATTACH_RAW;

	err = probes_load(p, raw, &o->sizes);
	if (err && !raw && o->attach == ATTACH_AUTO && err != -EPERM) {
		raw = 1;
		err = probes_load(p, raw, &o->sizes);
	}
	if (err)
		die(3, "the kernel refused the BPF programs (%s): %s%s", raw ? "raw_tp" : "tp_btf",
		    strerror(-err), o->verbose ? "" : "; --verbose shows the verifier log");
}

/* Points every syscall number at its handler. */
static void install_handlers(struct probes *p)
{
	int map_fd = bpf_map__fd(p->exit_handlers);
	char name[64];

	for (size_t i = 0; i < N_SYSCALLS; i++) {
		const struct syscall_info *s = &SYSCALLS[i];
		if (s->nr < 0)
			continue;
		snprintf(name, sizeof(name), "sx_%s", s->name);
		struct bpf_program *prog = bpf_object__find_program_by_name(p->obj, name);
		if (!prog)
			die(3, "no BPF handler %s for syscall %s", name, s->name);
		__u32 key = s->nr;
		int fd = bpf_program__fd(prog);
		if (bpf_map_update_elem(map_fd, &key, &fd, BPF_ANY))
			die(3, "cannot install handler %s: %s", name, strerror(errno));
	}
}

/* What each syscall without a decoder becomes (cfg.fallback, cfg.ppm_sc; see fallback_exit in
 * sensor.bpf.c). */
static void install_fallbacks(struct probes *p)
{
	for (size_t i = 0; i < SYSCALL_TABLE_LEN; i++) {
		const struct syscall_entry *e = &SYSCALL_TABLE[i];
		if (e->nr < 0 || e->nr >= SENSOR_MAX_SYSCALL)
			continue;
		p->cfg->fallback[e->nr] = (e->event & SENSOR_FALLBACK_EVENT) | (e->res ? SENSOR_FALLBACK_RES : 0);
		p->cfg->ppm_sc[e->nr] = e->sc;
	}
}

/* Whether this kernel runs 32-bit syscalls from a 64-bit process (IA32 emulation built in and
 * not turned off with ia32_emulation=0): a child makes one through int 0x80 (getpid, ia32
 * number 20) and either gets its pid back or dies of the fault. */
static int kernel_accepts_compat(void)
{
	pid_t child = fork();
	int status = 0;

	if (child < 0)
		return 0;
	if (child == 0) {
		long r;
		asm volatile("int $0x80" : "=a"(r) : "a"(20L) : "memory");
		_exit(r == getpid() ? 0 : 1);
	}
	if (waitpid(child, &status, 0) != child)
		return 0;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

static __u64 clock_ns(clockid_t id)
{
	struct timespec ts;
	clock_gettime(id, &ts);
	return (__u64)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/* --check: load both builds, say how many programs the verifier accepted (and, with --verbose,
 * how many instructions it verified for each). */
static int check_programs(const struct options *o)
{
	int status = 0;

	for (int raw = 0; raw <= 1; raw++) {
		struct probes p;
		struct ring_sizes sizes = {.ring_mb = 1, .overflow_mb = 1};
		int err = probes_load(&p, raw, &sizes), n = 0;
		if (err) {
			fprintf(stderr, "%s: refused: %s\n", raw ? "raw_tp" : "tp_btf", strerror(-err));
			status = 3;
			continue;
		}
		struct bpf_program *prog;
		bpf_object__for_each_program(prog, p.obj) {
			struct bpf_prog_info info = {};
			__u32 len = sizeof(info);
			bpf_obj_get_info_by_fd(bpf_program__fd(prog), &info, &len);
			if (o->verbose)
				printf("%-8s %-22s %7u insns verified\n", p.flavour, bpf_program__name(prog),
				       info.verified_insns);
			n++;
		}
		printf("%s: %d programs accepted by the verifier\n", p.flavour, n);
		probes_destroy(&p);
	}
	return status;
}

struct drain {
	struct output *out;
	size_t batch;
};

/* Stop a drain after this much so stdin commands are not starved under a flood. */
#define DRAIN_BATCH (8u << 20)
#define DRAIN_PAUSE -1000
static int on_record(void *ctx, const void *data, size_t size)
{
	struct drain *d = ctx;

	if (output_record(d->out, data, size))
		return -EPIPE;
	d->batch += size;
	return d->batch >= DRAIN_BATCH ? DRAIN_PAUSE : 0;
}

/* Commands on stdin, one per line (control.h). */
struct commands {
	char line[8192];
	size_t len;
};

/* Reads what stdin holds and applies each whole line; 1 when the agent is gone (EOF) or said quit. */
static int read_commands(struct commands *c, struct probes *p, const struct output *out)
{
	ssize_t n = read(STDIN_FILENO, c->line + c->len, sizeof(c->line) - 1 - c->len);
	if (n < 0 && errno == EINTR)
		return 0;
	if (n <= 0)
		return 1; /* EOF: the agent is gone */
	c->len += n;
	int quit = 0;
	char *start = c->line, *nl;
	while ((nl = memchr(start, '\n', c->line + c->len - start))) {
		*nl = 0;
		if (control_apply(p, out, start) == CONTROL_QUIT)
			quit = 1;
		start = nl + 1;
	}
	c->len -= start - c->line;
	memmove(c->line, start, c->len);
	if (c->len == sizeof(c->line) - 1)
		c->len = 0; /* an absurdly long line: drop it */
	return quit;
}

/* --stats-interval-ms: prints the counters when they are due; *next is when they next are. */
static void stats_when_due(struct probes *p, const struct output *out, const struct options *o, __u64 *next)
{
	if (!o->stats_ms || clock_ns(CLOCK_MONOTONIC) < *next)
		return;
	control_print_stats(p, out);
	*next += (__u64)o->stats_ms * 1000000;
}

/* Writes the rings' records to stdout until told to stop; 0, or 4 once nobody reads stdout. */
static int serve_stream(struct probes *p, struct ring *rb, struct output *out, const struct options *o,
			struct commands *cmds)
{
	struct drain drain = {.out = out};
	struct pacing pace = {.poll_ns = (__u64)o->poll_ms * 1000000, .batch_ns = (__u64)o->batch_us * 1000};
	int backlog = 0;
	__u64 next_stats = clock_ns(CLOCK_MONOTONIC) + (__u64)o->stats_ms * 1000000;

	while (!stop_requested) {
		struct pollfd pfd[2] = {{.fd = STDIN_FILENO, .events = POLLIN}, {.fd = rb->ov_fd, .events = POLLIN}};
		/* a drain cut short by DRAIN_BATCH left records behind: come straight back for them */
		int timeout = 0;
		nfds_t nfds = 1;
		if (!backlog) {
			/* wait for the first record (the doorbell, struct sensor_wake) or the timer. The
			 * fence orders the store before the loads of ring_pending, so a record committed
			 * meanwhile is either seen here or rings; the timer bounds the rare one that
			 * slips between the probe's two accesses. */
			__atomic_store_n(&p->wake->asleep, 1, __ATOMIC_SEQ_CST);
			if (ring_pending(rb)) {
				p->wake->asleep = 0;
			} else {
				timeout = (int)o->poll_ms;
				nfds = 2;
			}
		}
		int ready = poll(pfd, nfds, timeout);
		if (nfds == 2)
			p->wake->asleep = 0;
		/* then wait for the batch (pacing.h), unless the agent has something to say */
		__u64 wait = pacing_wait(&pace, clock_ns(CLOCK_MONOTONIC));
		if (!backlog && wait && !(ready > 0 && pfd[0].revents)) {
			struct timespec rest = {.tv_sec = (time_t)(wait / 1000000000), .tv_nsec = (long)(wait % 1000000000)};
			ready = ppoll(pfd, 1, &rest, NULL);
		}

		if (ready > 0 && (pfd[0].revents & (POLLIN | POLLHUP | POLLERR)) && read_commands(cmds, p, out))
			stop_requested = 1;
		drain.batch = 0;
		pacing_spend(&pace, clock_ns(CLOCK_MONOTONIC));
		int err = ring_drain(rb, on_record, &drain);
		backlog = err == DRAIN_PAUSE;
		pace.last_bytes = drain.batch;
		if (err == -EPIPE || output_flush(out))
			return 4; /* nobody reads stdout any more */
		stats_when_due(p, out, o, &next_stats);
	}
	return 0;
}

/* --external-reader: the agent reads the rings itself; this only takes commands (and prints the
 * counters every --stats-interval-ms) until told to stop. */
static void serve_commands(struct probes *p, const struct output *out, const struct options *o,
			   struct commands *cmds)
{
	__u64 next_stats = clock_ns(CLOCK_MONOTONIC) + (__u64)o->stats_ms * 1000000;

	while (!stop_requested) {
		struct pollfd pfd = {.fd = STDIN_FILENO, .events = POLLIN};
		int timeout = -1;
		if (o->stats_ms) {
			__u64 now = clock_ns(CLOCK_MONOTONIC);
			timeout = next_stats > now ? (int)((next_stats - now) / 1000000) + 1 : 0;
		}
		if (poll(&pfd, 1, timeout) > 0 && read_commands(cmds, p, out))
			break;
		stats_when_due(p, out, o, &next_stats);
	}
}

/* The kernel's id of a map: another process opens it by id (BPF_MAP_GET_FD_BY_ID). */
static unsigned map_id(const struct bpf_map *m)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);

	return bpf_obj_get_info_by_fd(bpf_map__fd(m), &info, &len) ? 0 : info.id;
}

int main(int argc, char **argv)
{
	struct options o;

	parse_options(argc, argv, &o);
	if (geteuid() != 0)
		die(2, "must run as root (loading BPF programs needs CAP_BPF, CAP_PERFMON)");
	libbpf_set_print(o.verbose ? libbpf_log : libbpf_quiet);
	if (o.check)
		return check_programs(&o);

	struct probes probes;
	load(&probes, &o);
	install_handlers(&probes);
	install_fallbacks(&probes);
	int compat = kernel_accepts_compat();

	struct sensor_config *cfg = probes.cfg;
	cfg->boot_to_epoch_ns = clock_ns(CLOCK_REALTIME) - clock_ns(CLOCK_BOOTTIME);
	cfg->snaplen = o.snaplen;
	/* 0: unknown (a pid namespace without the host's /proc): reported as host_pid 0, not excluded */
	unsigned self = self_host_tgid();
	if (self)
		control_ignore(&probes, self, 1);
	if (o.ignore) {
		for (char *tok = strtok(o.ignore, ","); tok; tok = strtok(NULL, ","))
			control_ignore(&probes, atoi(tok), 1);
	}
	if (o.syscalls && control_set_syscalls(&probes, o.syscalls))
		die(1, "unknown entries in --syscalls");

	/* a deep pipe absorbs bursts while the reader is busy, and lets it read in big chunks. A
	 * pipe only: the agent gives the sensor a unix socket pair (src/capture/live/record-socket.ts),
	 * whose ~200 KiB this leaves as they are; the rings hold the bursts. */
	if (!o.external)
		fcntl(STDOUT_FILENO, F_SETPIPE_SZ, 1 << 20);

	struct output out;
	/* as deep as the pipe: a larger buffer only waits for the reader to empty the pipe anyway */
	if (output_init(&out, STDOUT_FILENO, 1u << 20, o.discard))
		die(4, "out of memory");
	/* an external reader maps the rings itself; this process then never does */
	struct ring rb;
	struct ring_maps maps;
	probes_ring_maps(&probes, &maps);
	int err = o.external ? 0 : ring_open(&rb, &maps);
	if (err)
		die(3, "cannot map the rings: %s", strerror(-err));

	struct sigaction sa = {.sa_handler = on_signal};
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	const char *what = "";
	err = probes_attach(&probes, &what);
	if (err)
		die(3, "cannot attach to %s: %s", what, strerror(-err));
	/* "rings": what an external reader takes (these fds of this process, through pidfd_getfd,
	 * or else the maps by id) and where in .bss the positions and the doorbell are */
	fprintf(stderr,
		"{\"type\":\"ready\",\"attach\":\"%s\",\"pid\":%d,\"host_pid\":%u,\"ring_bytes\":%llu,"
		"\"overflow_bytes\":%llu,\"cpus\":%d,\"syscalls\":%zu,\"decoded\":%zu,\"compat\":%s,\"io_uring\":%s,"
		"\"rings\":{\"chunks_map\":%u,\"overflow_map\":%u,\"bss_map\":%u,\"chunks_fd\":%d,\"overflow_fd\":%d,"
		"\"bss_fd\":%d,\"ring_pos_offset\":%zu,\"wake_offset\":%zu,\"chunk_bits\":%u,\"cpus\":%u}}\n",
		probes.flavour, getpid(), self, ((unsigned long long)SENSOR_CHUNK << probes.ring_chunk_bits) * probes.ncpus,
		(unsigned long long)o.sizes.overflow_mb << 20, probes.ncpus, SYSCALL_TABLE_LEN, N_SYSCALLS, compat ? "true" : "false",
		probes.uring ? "true" : "false", map_id(probes.ring_chunks), map_id(probes.overflow), map_id(probes.bss),
		bpf_map__fd(probes.ring_chunks), bpf_map__fd(probes.overflow), bpf_map__fd(probes.bss),
		(size_t)((char *)probes.ring_pos - (char *)probes.bss_data),
		(size_t)((char *)probes.wake - (char *)probes.bss_data), probes.ring_chunk_bits, probes.ncpus);

	struct commands cmds = {.len = 0};
	int status = 0;
	if (o.external)
		serve_commands(&probes, &out, &o, &cmds);
	else
		status = serve_stream(&probes, &rb, &out, &o, &cmds);
	/* detach, let programs already running finish, then send what is left in the ring and the
	 * final counters, which then add up: events = records + drops (an external reader drains
	 * what is left once this has exited) */
	probes_detach(&probes);
	usleep(20000);
	if (status == 0 && !o.external) {
		struct drain drain = {.out = &out};
		do
			drain.batch = 0;
		while (ring_drain(&rb, on_record, &drain) == DRAIN_PAUSE);
		output_flush(&out);
	}
	control_print_stats(&probes, &out);
	if (!o.external)
		ring_close(&rb);
	probes_destroy(&probes);
	return status;
}
