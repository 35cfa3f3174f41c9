/* The stdin control protocol (see control.h and sensor/README.md): applies commands to the
 * probes' configuration and answers each with JSON lines on stderr. */
#include "control.h"
#include "json.h"
#include "syscalls.h"
#include "../bpf/ia32.h"

#include <bpf/bpf.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* {"type":"error","message":...}: the message holds `arg` as the client sent it, escaped. */
static void reply_error(const char *fmt, const char *arg)
{
	char message[512];

	snprintf(message, sizeof(message), fmt, arg);
	fprintf(stderr, "{\"type\":\"error\",\"message\":");
	json_put_string(stderr, message);
	fprintf(stderr, "}\n");
}

/* `cmd` is one of the command names control_apply knows, never the client's own text. */
static void reply_ack(const char *cmd, long value)
{
	fprintf(stderr, "{\"type\":\"ack\",\"cmd\":\"%s\",\"value\":%ld}\n", cmd, value);
}

int control_set_syscalls(struct probes *p, char *list)
{
	struct sensor_config *cfg = p->cfg;
	__u64 mask[SENSOR_SYSCALL_WORDS] = {0}, ia32[SENSOR_SYSCALL_WORDS] = {0};
	int procexit = 0, unknown = 0;

	for (char *tok = strtok(list, " ,\t"); tok; tok = strtok(NULL, " ,\t")) {
		const struct syscall_info *dec;
		int nr = syscall_by_token(tok, &dec);
		if (nr == SYSCALL_UNKNOWN) {
			reply_error("unknown syscall or event code '%s'", tok);
			unknown++;
		} else if (nr == SYSCALL_PROCEXIT) {
			procexit = 1;
		} else if (nr < SENSOR_MAX_SYSCALL) {
			mask[nr / 64] |= 1ULL << (nr % 64);
		}
	}
	/* the compat numbers of the same calls (ia32.h), which the dispatcher translates */
	for (int n = 0; n < IA32_SYSCALLS && n < SENSOR_MAX_SYSCALL; n++) {
		int x = ia32_to_x64[n];
		if (x >= 0 && (mask[x / 64] >> (x % 64)) & 1)
			ia32[n / 64] |= 1ULL << (n % 64);
	}
	/* word by word: the probes read the masks concurrently, a torn update is harmless; the
	 * dispatch mask, tested first, is cleared of removed syscalls first and given new ones last */
	for (int i = 0; i < SENSOR_SYSCALL_WORDS; i++)
		cfg->dispatch_mask[i] &= mask[i] | ia32[i];
	for (int i = 0; i < SENSOR_SYSCALL_WORDS; i++) {
		cfg->syscall_mask[i] = mask[i];
		cfg->ia32_mask[i] = ia32[i];
	}
	for (int i = 0; i < SENSOR_SYSCALL_WORDS; i++)
		cfg->dispatch_mask[i] = mask[i] | ia32[i];
	cfg->procexit = procexit;
	return unknown;
}

static int count_enabled(const struct sensor_config *cfg)
{
	int n = cfg->procexit ? 1 : 0;

	for (int i = 0; i < SENSOR_SYSCALL_WORDS; i++)
		n += __builtin_popcountll(cfg->syscall_mask[i]);
	return n;
}

/* The list is read by the probes without locks: entries are only appended, and a removal moves
 * the last entry into the hole before shrinking, so a concurrent reader sees each other entry. */
int control_ignore(struct probes *p, int pid, int add)
{
	struct sensor_config *cfg = p->cfg;
	__u32 n = cfg->n_ignored;

	for (__u32 i = 0; i < n; i++) {
		if (cfg->ignored_tgid[i] != (__u32)pid)
			continue;
		if (!add) {
			cfg->ignored_tgid[i] = cfg->ignored_tgid[n - 1];
			cfg->n_ignored = n - 1;
		}
		return 0;
	}
	if (!add)
		return 0;
	if (n >= SENSOR_MAX_IGNORED)
		return -1;
	cfg->ignored_tgid[n] = pid;
	__sync_synchronize();
	cfg->n_ignored = n + 1;
	return 0;
}

static const char *const DROP_KIND_NAMES[DK_MAX] = {
	"clone_fork", "execve", "connect", "open", "dir_file", "close", "proc", "other",
};

void control_print_stats(const struct probes *p, const struct output *out)
{
	__u64 events = 0, full[DK_MAX] = {0}, too_large = 0, no_scratch = 0, drops = 0, spilled = 0, prefiltered = 0;

	for (int c = 0; c < SENSOR_MAX_CPUS; c++) {
		const struct sensor_counters *k = &p->counters[c];
		events += k->events;
		for (int d = 0; d < DK_MAX; d++)
			full[d] += k->drops_full[d];
		too_large += k->drops_too_large;
		no_scratch += k->drops_no_scratch;
		spilled += k->spilled;
		prefiltered += k->prefiltered;
	}
	for (int d = 0; d < DK_MAX; d++)
		drops += full[d];
	drops += too_large + no_scratch;
	fprintf(stderr, "{\"type\":\"stats\",\"events\":%llu,\"drops\":%llu,\"drops_full\":{",
		(unsigned long long)events, (unsigned long long)drops);
	for (int d = 0; d < DK_MAX; d++)
		fprintf(stderr, "%s\"%s\":%llu", d ? "," : "", DROP_KIND_NAMES[d],
			(unsigned long long)full[d]);
	fprintf(stderr,
		"},\"drops_too_large\":%llu,\"drops_no_scratch\":%llu,\"spilled\":%llu,\"prefiltered\":%llu,\"records\":%llu,\"bytes\":%llu,",
		(unsigned long long)too_large, (unsigned long long)no_scratch, (unsigned long long)spilled, (unsigned long long)prefiltered,
		(unsigned long long)out->records, (unsigned long long)out->bytes);
	/* Per CPU (Falco's n_evts_cpu / n_drops_cpu): [events, drops] for each CPU with a ring. */
	fprintf(stderr, "\"per_cpu\":[");
	for (unsigned c = 0; c < p->ncpus && c < SENSOR_MAX_CPUS; c++) {
		const struct sensor_counters *k = &p->counters[c];
		__u64 d = k->drops_too_large + k->drops_no_scratch;

		for (int f = 0; f < DK_MAX; f++)
			d += k->drops_full[f];
		fprintf(stderr, "%s[%llu,%llu]", c ? "," : "", (unsigned long long)k->events, (unsigned long long)d);
	}
	fprintf(stderr, "]}\n");
}

/* The pf_bases key of base name `name` (`len` bytes, 0 < len < SENSOR_PF_BASE), as
 * pf_base_terms in prefilter.bpf.h computes it: little-endian words, the last zero-filled. */
static __u64 base_fingerprint(const __u8 *name, size_t len)
{
	__u8 words[SENSOR_PF_BASE] = {0};
	__u64 h = len;

	memcpy(words, name, len);
	for (size_t i = 0; i * 8 < len; i++) {
		__u64 w = 0;
		for (int b = 7; b >= 0; b--)
			w = (w << 8) | words[i * 8 + b];
		h = sensor_pf_mix(h, w);
	}
	return h;
}

/* `prefilter ...` (sensor/README.md "Prefilter"): the engine turns the prefilter off, clears it,
 * writes the path entries and flag groups, then turns it on; the probes read cfg and the trie
 * without locks, and an off prefilter drops nothing. Returns an error message or NULL. */
static const char *control_prefilter(struct probes *p, char *rest)
{
	struct sensor_config *cfg = p->cfg;
	struct bpf_map *map = bpf_object__find_map_by_name(p->obj, "pf_paths");
	struct bpf_map *bases = bpf_object__find_map_by_name(p->obj, "pf_bases");
	char *what = rest ? strtok(rest, " \t") : NULL;

	if (!what || !map || !bases)
		return "prefilter wants off, clear, path, group or on";
	int fd = bpf_map__fd(map), bfd = bpf_map__fd(bases);
	if (strcmp(what, "off") == 0) {
		cfg->prefilter_on = 0;
		cfg->prefilter_close = 0;
		cfg->prefilter_store = 0;
	} else if (strcmp(what, "clear") == 0) {
		if (cfg->prefilter_on)
			return "prefilter clear while on";
		struct sensor_pf_key key, next;
		while (bpf_map_get_next_key(fd, NULL, &next) == 0) {
			key = next;
			if (bpf_map_delete_elem(fd, &key))
				return "prefilter clear: cannot delete an entry";
		}
		__u64 bkey, bnext;
		while (bpf_map_get_next_key(bfd, NULL, &bnext) == 0) {
			bkey = bnext;
			if (bpf_map_delete_elem(bfd, &bkey))
				return "prefilter clear: cannot delete an entry";
		}
		cfg->pf_bases = 0;
		cfg->pf_n_groups = 0;
		cfg->pf_any_path = 0;
		memset(cfg->pf_consumer_mask, 0, sizeof(cfg->pf_consumer_mask));
	} else if (strcmp(what, "consumers") == 0) {
		for (char *tok = strtok(NULL, " \t,"); tok; tok = strtok(NULL, " \t,")) {
			const struct syscall_info *dec;
			int nr = syscall_by_token(tok, &dec);
			if (nr < 0 || nr >= SENSOR_MAX_SYSCALL)
				return "prefilter consumers: unknown syscall";
			cfg->pf_consumer_mask[nr / 64] |= 1ULL << (nr % 64);
		}
	} else if (strcmp(what, "path") == 0) {
		char *kind = strtok(NULL, " \t"), *hex = strtok(NULL, " \t"), *mask = strtok(NULL, " \t");
		struct sensor_pf_key key = {0};
		size_t len = hex ? strlen(hex) : 0;
		if (!kind || !hex || !mask || len % 2 || len / 2 >= SENSOR_PF_PATH || (strcmp(kind, "exact") && strcmp(kind, "prefix") && strcmp(kind, "base")))
			return "prefilter path wants exact|prefix|base HEX TERMS";
		for (size_t i = 0; i < len / 2; i++) {
			unsigned v;
			if (sscanf(hex + 2 * i, "%2x", &v) != 1)
				return "prefilter path: bad hex";
			key.data[i] = v;
		}
		__u64 terms = strtoull(mask, NULL, 16);
		if (kind[0] == 'b') {
			if (len / 2 == 0 || len / 2 >= SENSOR_PF_BASE)
				return "prefilter path base: 1..63 bytes";
			__u64 h = base_fingerprint(key.data, len / 2), had = 0;
			if (bpf_map_lookup_elem(bfd, &h, &had) == 0)
				terms |= had; /* another name with this fingerprint: both names' terms */
			if (bpf_map_update_elem(bfd, &h, &terms, BPF_ANY))
				return "prefilter path: the base table refused the entry (full?)";
			cfg->pf_bases = 1;
			return NULL;
		}
		size_t bytes = len / 2 + (kind[0] == 'e'); /* an exact entry ends with the NUL */
		key.prefixlen = bytes * 8;
		if (bpf_map_update_elem(fd, &key, &terms, BPF_ANY))
			return "prefilter path: the trie refused the entry (full?)";
	} else if (strcmp(what, "group") == 0) {
		char *any = strtok(NULL, " \t"), *mask = strtok(NULL, " \t");
		if (!any || !mask)
			return "prefilter group wants ANYFLAGS TERMS";
		if (cfg->pf_n_groups >= SENSOR_PF_GROUPS)
			return "prefilter group: too many groups";
		cfg->pf_group_any[cfg->pf_n_groups] = strtoul(any, NULL, 16);
		cfg->pf_group_terms[cfg->pf_n_groups] = strtoull(mask, NULL, 16);
		cfg->pf_n_groups++;
	} else if (strcmp(what, "on") == 0) {
		char *any = strtok(NULL, " \t");
		if (!any)
			return "prefilter on wants ANYPATH [close] [store]";
		int close = 0, store = 0;
		for (char *tok = strtok(NULL, " \t"); tok; tok = strtok(NULL, " \t")) {
			if (strcmp(tok, "close") == 0)
				close = 1;
			else if (strcmp(tok, "store") == 0)
				store = 1;
			else
				return "prefilter on wants ANYPATH [close] [store]";
		}
		cfg->pf_any_path = strtoull(any, NULL, 16);
		cfg->prefilter_close = close;
		cfg->prefilter_store = store;
		__sync_synchronize();
		cfg->prefilter_on = 1;
	} else {
		return "prefilter wants off, clear, path, group or on";
	}
	return NULL;
}

static int parse_pid(const char *tok, int *pid)
{
	char *end;
	long v = strtol(tok, &end, 10);

	if (!*tok || *end || v <= 0 || v > 0x7fffffff)
		return -1;
	*pid = v;
	return 0;
}

enum control_result control_apply(struct probes *p, const struct output *out, char *line)
{
	char *cmd = strtok(line, " \t");
	char *rest = strtok(NULL, "");

	if (!cmd)
		return CONTROL_OK;
	if (strcmp(cmd, "syscalls") == 0) {
		control_set_syscalls(p, rest ? rest : (char[]){""});
		reply_ack("syscalls", count_enabled(p->cfg));
	} else if (strcmp(cmd, "ignore") == 0 || strcmp(cmd, "unignore") == 0) {
		int add = cmd[0] == 'i';
		for (char *tok = rest ? strtok(rest, " ,\t") : NULL; tok; tok = strtok(NULL, " ,\t")) {
			int pid;
			if (parse_pid(tok, &pid))
				reply_error("bad pid '%s'", tok);
			else if (control_ignore(p, pid, add))
				reply_error("too many ignored pids, '%s' not added", tok);
		}
		reply_ack(cmd, p->cfg->n_ignored);
	} else if (strcmp(cmd, "snaplen") == 0) {
		int v;
		if (!rest || parse_pid(rest, &v) || v > 4096)
			reply_error("snaplen wants 1..4096 bytes, got '%s'", rest ? rest : "");
		else
			p->cfg->snaplen = v;
		reply_ack("snaplen", p->cfg->snaplen);
	} else if (strcmp(cmd, "prefilter") == 0) {
		const char *err = control_prefilter(p, rest);
		if (err)
			reply_error("%s", err);
		reply_ack("prefilter", p->cfg->prefilter_on);
	} else if (strcmp(cmd, "stats") == 0) {
		control_print_stats(p, out);
	} else if (strcmp(cmd, "quit") == 0) {
		return CONTROL_QUIT;
	} else {
		reply_error("unknown command '%s'", cmd);
	}
	return CONTROL_OK;
}
