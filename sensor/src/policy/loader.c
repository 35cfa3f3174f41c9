/* saker-policy: loads the policy sensor (policy.bpf.c), takes the compiled policies as map
 * contents on stdin, and writes each hit as a `struct ps_record` to stdout.
 *
 *   saker-policy --probe     which BPF program types this kernel loads/attaches (JSON, exit 0)
 *   saker-policy --layout    sizes and offsets of policy_shared.h (JSON), for the TypeScript side
 *   saker-policy [--ignore PID]...
 *
 * stdin, one command per line (hex is the little-endian struct bytes):
 *   hook ID HEX | selector IDX HEX | nr SLOT HEX | exe TGID HEXPATH | follow TGID MASK
 *   followbin BIT HEXSTRSET (followChildren binaries; an empty set frees the bit)
 *   followreset MASK (clears those followChildren bits from every followed process)
 *   ignore TGID | unignore TGID | zero POLICY | hostuserns INUM | stats | quit
 *   workload POLICY MNTNS (a container the policy's podSelector/containerSelector selects)
 *   workloadclear POLICY (forgets every container of that policy)
 * stderr, one JSON line per message: {"ready":true,"boot_to_epoch_ns":"N"} (wall clock minus
 * CLOCK_BOOTTIME, the records' clock), {"ack":N} after each command,
 * {"stats":[{policy, posted, enforced, monitored, rate_limited, drops}...],"children_full":N,"override_missed":N},
 * {"error":"..."}.
 * Before ready, a fatal error is one plain line `saker-policy: ...`; exit 1 usage, 2 not root,
 * 3 BPF refused. The loader ignores its own pid and, with --ignore, the agent's.
 */
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "json.h"
#include "policy_shared.h"
#include "../self-tgid.h"
#include "policy.skel.h"
#include "probe.h"

static volatile sig_atomic_t stop;
static void on_signal(int sig) { (void)sig; stop = 1; }

static int write_all(int fd, const void *buf, size_t n)
{
	const char *p = buf;
	while (n > 0) {
		ssize_t w = write(fd, p, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static int on_record(void *ctx, void *data, size_t size)
{
	(void)ctx;
	if (write_all(STDOUT_FILENO, data, size) < 0)
		stop = 1;
	return 0;
}

static int unhex(const char *hex, void *out, size_t size)
{
	size_t n = strlen(hex);
	unsigned char *o = out;
	if (n != size * 2)
		return -1;
	for (size_t i = 0; i < size; i++) {
		unsigned v;
		if (sscanf(hex + 2 * i, "%2x", &v) != 1)
			return -1;
		o[i] = (unsigned char)v;
	}
	return 0;
}

static void print_layout(void)
{
	printf("{\"ps_hook\":%zu,\"ps_selector\":%zu,\"ps_nr_hooks\":%zu,\"ps_record\":%zu,\"ps_str\":%zu,\"ps_strset\":%zu,"
	       "\"ps_match_arg\":%zu,\"ps_ns_match\":%zu,\"ps_counters\":%zu,"
	       "\"sel.follow_bit\":%zu,\"sel.bin_follow_bit\":%zu,\"sel.cap_mask\":%zu,\"sel.nactions\":%zu,\"sel.rate_ms\":%zu,\"sel.ns\":%zu,\"sel.match\":%zu,"
	       "\"sel.bins\":%zu,\"sel.ret_match\":%zu,\"hook.ret\":%zu,\"hook.override\":%zu,\"sel.nret_actions\":%zu,\"sel.pbin_follow_bit\":%zu,\"hook.workload\":%zu,\"ma.field\":%zu,\"sel.pbins\":%zu,\"ma.lo\":%zu,\"ma.hi\":%zu,\"ma.strs\":%zu,\"hook.args\":%zu,"
	       "\"rec.uid\":%zu,\"rec.args\":%zu,\"rec.str\":%zu,\"rec.exe\":%zu,\"sel.nsch_op\":%zu,\"sel.capch_mask\":%zu,\"hook.host\":%zu,\"rec.buf_len\":%zu}\n",
	       sizeof(struct ps_hook), sizeof(struct ps_selector), sizeof(struct ps_nr_hooks), sizeof(struct ps_record),
	       sizeof(struct ps_str), sizeof(struct ps_strset), sizeof(struct ps_match_arg), sizeof(struct ps_ns_match),
	       sizeof(struct ps_counters),
	       offsetof(struct ps_selector, follow_bit), offsetof(struct ps_selector, bin_follow_bit), offsetof(struct ps_selector, cap_mask), offsetof(struct ps_selector, nactions),
	       offsetof(struct ps_selector, rate_ms), offsetof(struct ps_selector, ns), offsetof(struct ps_selector, match),
	       offsetof(struct ps_selector, bins), offsetof(struct ps_selector, ret_match), offsetof(struct ps_hook, ret), offsetof(struct ps_hook, override), offsetof(struct ps_selector, nret_actions), offsetof(struct ps_selector, pbin_follow_bit), offsetof(struct ps_hook, workload), offsetof(struct ps_match_arg, field), offsetof(struct ps_selector, pbins), offsetof(struct ps_match_arg, lo),
	       offsetof(struct ps_match_arg, hi), offsetof(struct ps_match_arg, strs), offsetof(struct ps_hook, args),
	       offsetof(struct ps_record, uid), offsetof(struct ps_record, args), offsetof(struct ps_record, str),
	       offsetof(struct ps_record, exe), offsetof(struct ps_selector, nsch_op), offsetof(struct ps_selector, capch_mask), offsetof(struct ps_hook, host), offsetof(struct ps_record, buf_len));
}

static void print_stats(struct policy_bpf *s)
{
	int ncpu = libbpf_num_possible_cpus();
	struct ps_counters *per = calloc((size_t)ncpu, sizeof(*per));
	int first = 1;
	if (!per)
		return;
	fprintf(stderr, "{\"stats\":[");
	for (unsigned p = 0; p < PS_MAX_POLICIES; p++) {
		struct ps_counters sum = {0};
		if (bpf_map__lookup_elem(s->maps.counters, &p, sizeof(p), per, sizeof(*per) * (size_t)ncpu, 0))
			continue;
		for (int c = 0; c < ncpu; c++) {
			sum.posted += per[c].posted;
			sum.enforced += per[c].enforced;
			sum.monitored += per[c].monitored;
			sum.rate_limited += per[c].rate_limited;
			sum.drops += per[c].drops;
		}
		if (!sum.posted && !sum.enforced && !sum.monitored && !sum.rate_limited && !sum.drops)
			continue;
		fprintf(stderr, "%s{\"policy\":%u,\"posted\":%llu,\"enforced\":%llu,\"monitored\":%llu,\"rate_limited\":%llu,\"drops\":%llu}",
			first ? "" : ",", p, (unsigned long long)sum.posted, (unsigned long long)sum.enforced,
			(unsigned long long)sum.monitored, (unsigned long long)sum.rate_limited, (unsigned long long)sum.drops);
		first = 0;
	}
	fprintf(stderr, "],\"children_full\":%llu,\"override_missed\":%llu}\n", (unsigned long long)s->bss->children_full,
		(unsigned long long)s->bss->override_missed);
	free(per);
}

static int update(struct bpf_map *m, const void *key, size_t ksize, const char *hex, size_t vsize)
{
	void *v = calloc(1, vsize);
	int err;
	if (!v)
		return -ENOMEM;
	err = unhex(hex, v, vsize) ? -EINVAL : bpf_map__update_elem(m, key, ksize, v, vsize, BPF_ANY);
	free(v);
	return err;
}

/* Clears followChildren bits `mask` from every followed process: a reload that gives a bit to
 * another selector starts it from nobody (Tetragon follows only children created after load). */
static int follow_reset(struct policy_bpf *s, __u64 mask)
{
	int fd = bpf_map__fd(s->maps.children);
	__u32 *keys = calloc(PS_MAX_CHILDREN, sizeof(*keys)), *prev = NULL, n = 0;
	if (!keys)
		return -ENOMEM;
	/* keys first: deleting while walking a hash restarts the walk */
	while (n < PS_MAX_CHILDREN && !bpf_map_get_next_key(fd, prev, &keys[n])) {
		prev = &keys[n];
		n++;
	}
	for (__u32 i = 0; i < n; i++) {
		__u64 v;
		if (bpf_map_lookup_elem(fd, &keys[i], &v) || !(v & mask))
			continue;
		v &= ~mask;
		if (v)
			bpf_map_update_elem(fd, &keys[i], &v, BPF_EXIST);
		else
			bpf_map_delete_elem(fd, &keys[i]);
	}
	free(keys);
	return 0;
}

/* Deletes every (policy, mount namespace) entry of `policy`: its containers are sent afresh. */
static int workload_clear(struct policy_bpf *s, __u32 policy)
{
	int fd = bpf_map__fd(s->maps.workloads);
	struct ps_workload_key *keys = calloc(PS_MAX_WORKLOADS, sizeof(*keys)), *prev = NULL;
	__u32 n = 0;
	if (!keys)
		return -ENOMEM;
	while (n < PS_MAX_WORKLOADS && !bpf_map_get_next_key(fd, prev, &keys[n])) {
		prev = &keys[n];
		n++;
	}
	for (__u32 i = 0; i < n; i++)
		if (keys[i].policy == policy)
			bpf_map_delete_elem(fd, &keys[i]);
	free(keys);
	return 0;
}

/* The sys_exit program is attached only while some hook is a return probe or can Override (its
 * marks end with their syscall): otherwise every syscall on the machine would pay its trampoline
 * for nothing. */
static struct bpf_link *exit_link;

static int sync_exit_program(struct policy_bpf *s)
{
	int want = s->bss->return_hooks[0] || s->bss->return_hooks[1] || s->bss->override_hooks[0] || s->bss->override_hooks[1];
	if (want && !exit_link) {
		exit_link = bpf_program__attach(s->progs.ps_sys_exit);
		if (!exit_link) {
			int err = -errno;
			exit_link = NULL;
			return err ? err : -EINVAL;
		}
	} else if (!want && exit_link) {
		bpf_link__destroy(exit_link);
		exit_link = NULL;
	}
	return 0;
}

/* Override: the cgroup programs, attached to the root of the cgroup v2 hierarchy (so every
 * process below it) only while some hook can Override, like the sys_exit program above. */
static struct bpf_link *cgroup_links[7];

static int sync_cgroup_programs(struct policy_bpf *s)
{
	int want = s->bss->override_hooks[0] || s->bss->override_hooks[1];
	if (want && !cgroup_links[0]) {
		char root[4096];
		if (cgroup2_root(root, sizeof(root)))
			return -ENOENT;
		int fd = open(root, O_RDONLY | O_DIRECTORY);
		if (fd < 0)
			return -errno;
		struct bpf_program *progs[7] = {s->progs.ps_connect4, s->progs.ps_connect6, s->progs.ps_bind4, s->progs.ps_bind6,
						s->progs.ps_sendmsg4, s->progs.ps_sendmsg6, s->progs.ps_sock_create};
		int err = 0;
		for (int i = 0; i < 7 && !err; i++) {
			cgroup_links[i] = bpf_program__attach_cgroup(progs[i], fd);
			if (!cgroup_links[i])
				err = errno ? -errno : -EINVAL;
		}
		close(fd);
		if (!err)
			return 0;
		want = 0; /* undo a partial attach */
	}
	if (!want) {
		for (int i = 0; i < 7; i++) {
			bpf_link__destroy(cgroup_links[i]);
			cgroup_links[i] = NULL;
		}
		if (s->bss->override_hooks[0] || s->bss->override_hooks[1])
			return -EINVAL;
	}
	return 0;
}

/* one command line; returns 0, or -errno with *what naming the failure */
static int command(struct policy_bpf *s, char *line, const char **what)
{
	static char verb[16];
	char hex[2 * sizeof(struct ps_selector) + 4];
	unsigned long long a = 0, b = 0;
	verb[0] = 0;
	int n = sscanf(line, "%15s %llu %s", verb, &a, hex);

	*what = verb;
	if (!strcmp(verb, "stats")) {
		print_stats(s);
		return 0;
	}
	if (!strcmp(verb, "quit")) {
		stop = 1;
		return 0;
	}
	if (n < 2)
		return -EINVAL;
	__u32 key = (__u32)a;
	if (!strcmp(verb, "hook") && n == 3 && key < PS_MAX_HOOKS) {
		struct ps_hook h;
		if (unhex(hex, &h, sizeof(h)))
			return -EINVAL;
		int err = bpf_map__update_elem(s->maps.hooks, &key, 4, &h, sizeof(h), BPF_ANY);
		if (err)
			return err;
		if (h.used && h.ret)
			s->bss->return_hooks[key / 64] |= 1ULL << (key % 64);
		else
			s->bss->return_hooks[key / 64] &= ~(1ULL << (key % 64));
		if (h.used && h.override)
			s->bss->override_hooks[key / 64] |= 1ULL << (key % 64);
		else
			s->bss->override_hooks[key / 64] &= ~(1ULL << (key % 64));
		err = sync_exit_program(s);
		return err ? err : sync_cgroup_programs(s);
	}
	if (!strcmp(verb, "selector") && n == 3)
		return update(s->maps.selectors, &key, 4, hex, sizeof(struct ps_selector));
	if (!strcmp(verb, "nr") && n == 3)
		return update(s->maps.nr_hooks, &key, 4, hex, sizeof(struct ps_nr_hooks));
	if (!strcmp(verb, "exe") && n == 3)
		return update(s->maps.exe_map, &key, 4, hex, sizeof(struct ps_str));
	if (!strcmp(verb, "follow") && sscanf(line, "%*s %llu %llu", &a, &b) == 2) {
		__u64 mask = b;
		return bpf_map__update_elem(s->maps.follow, &key, 4, &mask, 8, BPF_ANY);
	}
	if (!strcmp(verb, "followbin") && n == 3 && key < PS_FOLLOW_BINS) {
		static struct ps_strset set;
		if (unhex(hex, &set, sizeof(set)))
			return -EINVAL;
		int err = bpf_map__update_elem(s->maps.follow_bins, &key, 4, &set, sizeof(set), BPF_ANY);
		if (err)
			return err;
		if (set.n)
			s->bss->follow_bins_used |= 1ULL << key;
		else
			s->bss->follow_bins_used &= ~(1ULL << key);
		return 0;
	}
	if (!strcmp(verb, "workload") && sscanf(line, "%*s %llu %llu", &a, &b) == 2) {
		struct ps_workload_key k = { .policy = (__u32)a, .mntns = (__u32)b };
		__u8 one = 1;
		return bpf_map__update_elem(s->maps.workloads, &k, sizeof(k), &one, 1, BPF_ANY);
	}
	if (!strcmp(verb, "workloadclear"))
		return workload_clear(s, key);
	if (!strcmp(verb, "followreset"))
		return follow_reset(s, a);
	if (!strcmp(verb, "ignore")) {
		__u8 one = 1;
		return bpf_map__update_elem(s->maps.ignored, &key, 4, &one, 1, BPF_ANY);
	}
	if (!strcmp(verb, "unignore")) {
		int err = bpf_map__delete_elem(s->maps.ignored, &key, 4, 0);
		return err == -ENOENT ? 0 : err;
	}
	if (!strcmp(verb, "zero")) {
		/* a counters slot given to another policy starts from zero */
		int ncpu = libbpf_num_possible_cpus();
		void *zeros = calloc((size_t)ncpu, sizeof(struct ps_counters));
		int err = zeros ? bpf_map__update_elem(s->maps.counters, &key, 4, zeros, sizeof(struct ps_counters) * (size_t)ncpu, BPF_ANY) : -ENOMEM;
		free(zeros);
		return err;
	}
	if (!strcmp(verb, "hostuserns")) {
		s->bss->host_userns = key;
		return 0;
	}
	if (!strcmp(verb, "hostpidns")) {
		s->bss->host_pidns = key;
		return 0;
	}
	return -EINVAL;
}

static void json_error(const char *what, int err)
{
	char message[96];

	snprintf(message, sizeof(message), "%s: %s", what, strerror(-err));
	fprintf(stderr, "{\"error\":");
	json_put_string(stderr, message);
	fprintf(stderr, "}\n");
}

int main(int argc, char **argv)
{
	struct policy_bpf *s;
	struct ring_buffer *rb;
	static char line[2 * sizeof(struct ps_selector) + 64];
	size_t len = 0;
	unsigned long acks = 0;

	if (argc == 2 && !strcmp(argv[1], "--layout")) {
		print_layout();
		return 0;
	}
	if (argc == 2 && !strcmp(argv[1], "--probe"))
		return probe_features();
	if (geteuid() != 0) {
		fprintf(stderr, "saker-policy: must run as root (loading BPF programs needs CAP_BPF, CAP_PERFMON)\n");
		return 2;
	}
	if (!getenv("SAKER_POLICY_VERBOSE"))
		libbpf_set_print(NULL);
	s = policy_bpf__open();
	if (s) {
		s->rodata->use_retval = probe_cgroup_set_retval();
		if (policy_bpf__load(s)) {
			int err = errno;
			policy_bpf__destroy(s);
			s = NULL;
			errno = err;
		}
	}
	if (!s) {
		fprintf(stderr, "saker-policy: loading the BPF programs failed: %s\n", strerror(errno));
		return 3;
	}
	__u8 one = 1;
	__u32 self = self_host_tgid();
	if (self)
		bpf_map__update_elem(s->maps.ignored, &self, 4, &one, 1, BPF_ANY);
	else
		fprintf(stderr, "saker-policy: cannot tell its own host pid (in a pid namespace without the host's /proc under HOST_ROOT): its own events are not excluded\n");
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--ignore") && i + 1 < argc) {
			__u32 pid = (__u32)strtoul(argv[++i], NULL, 10);
			bpf_map__update_elem(s->maps.ignored, &pid, 4, &one, 1, BPF_ANY);
		} else {
			fprintf(stderr, "saker-policy: unknown option %s\n", argv[i]);
			policy_bpf__destroy(s);
			return 1;
		}
	}
	bpf_program__set_autoattach(s->progs.ps_sys_exit, false);
	if (policy_bpf__attach(s)) {
		fprintf(stderr, "saker-policy: attaching the BPF programs failed: %s\n", strerror(errno));
		policy_bpf__destroy(s);
		return 3;
	}
	rb = ring_buffer__new(bpf_map__fd(s->maps.events), on_record, NULL, NULL);
	if (!rb) {
		fprintf(stderr, "saker-policy: ring buffer: %s\n", strerror(errno));
		policy_bpf__destroy(s);
		return 3;
	}
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	signal(SIGPIPE, SIG_IGN);
	setvbuf(stderr, NULL, _IOLBF, 0);
	fcntl(STDIN_FILENO, F_SETFL, fcntl(STDIN_FILENO, F_GETFL) | O_NONBLOCK);
	/* records carry CLOCK_BOOTTIME; the agent turns them into wall-clock times with this offset,
	 * taken as the capture sensor takes its own, so the two streams' times compare */
	struct timespec real, boot;
	clock_gettime(CLOCK_REALTIME, &real);
	clock_gettime(CLOCK_BOOTTIME, &boot);
	long long boot_to_epoch = (real.tv_sec - boot.tv_sec) * 1000000000LL + (real.tv_nsec - boot.tv_nsec);
	fprintf(stderr, "{\"ready\":true,\"boot_to_epoch_ns\":\"%lld\"}\n", boot_to_epoch);

	struct pollfd fds[2] = {{.fd = STDIN_FILENO, .events = POLLIN}, {.fd = ring_buffer__epoll_fd(rb), .events = POLLIN}};
	int stdin_open = 1;
	while (!stop) {
		int r = poll(fds, 2, 100);
		if (r < 0 && errno != EINTR)
			break;
		ring_buffer__consume(rb);
		if (!stdin_open || !(fds[0].revents & (POLLIN | POLLHUP)))
			continue;
		for (;;) {
			ssize_t got = read(STDIN_FILENO, line + len, sizeof(line) - 1 - len);
			if (got == 0) {
				stop = 1;
				stdin_open = 0;
				break;
			}
			if (got < 0)
				break;
			len += (size_t)got;
			char *nl;
			while ((nl = memchr(line, '\n', len))) {
				*nl = 0;
				const char *what = "";
				int err = command(s, line, &what);
				if (err)
					json_error(what, err);
				fprintf(stderr, "{\"ack\":%lu}\n", ++acks);
				size_t rest = len - (size_t)(nl + 1 - line);
				memmove(line, nl + 1, rest);
				len = rest;
			}
			if (len >= sizeof(line) - 1) {
				json_error("line", -E2BIG);
				len = 0;
			}
		}
	}
	ring_buffer__consume(rb);
	print_stats(s);
	ring_buffer__free(rb);
	bpf_link__destroy(exit_link);
	for (int i = 0; i < 7; i++)
		bpf_link__destroy(cgroup_links[i]);
	policy_bpf__destroy(s);
	return 0;
}
