/* Which BPF program types and helpers this kernel accepts: each is tried by loading a two
 * instruction program (`r0 = 0; exit`) of that type, with a real attach target where the type
 * needs one, as Tetragon's detect_linux.go does. Prints one JSON object on stdout. A kernel can
 * refuse a type before the verifier runs (this one refuses every BPF trampoline and LSM program
 * with EPERM): only a load says. */
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <mntent.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "probe.h"

static const struct bpf_insn RETURN_0[] = {
	{.code = 0xb7, .dst_reg = 0, .imm = 0}, /* r0 = 0 */
	{.code = 0x95},                         /* exit */
};

/* loads a program of `type`/`attach` against kernel BTF function `target`; 1 when accepted */
static int try_load(struct btf *vmlinux, enum bpf_prog_type type, enum bpf_attach_type attach, const char *target)
{
	LIBBPF_OPTS(bpf_prog_load_opts, opts, .expected_attach_type = attach);
	if (target) {
		int id = vmlinux ? btf__find_by_name_kind(vmlinux, target, target[0] == 'b' && target[1] == 't' ? BTF_KIND_TYPEDEF : BTF_KIND_FUNC) : -1;
		if (id < 0)
			return 0;
		opts.attach_btf_id = (__u32)id;
	}
	int fd = bpf_prog_load(type, NULL, "GPL", RETURN_0, 2, &opts);
	if (fd < 0)
		return 0;
	close(fd);
	return 1;
}

/* loads a program of `type` calling helper `func` (r1 = ctx, r2 = 0); 1 when the verifier accepts
 * it. libbpf_probe_bpf_helper would read "cannot use helper" as support. */
static int try_helper(enum bpf_prog_type type, int func)
{
	const struct bpf_insn insns[] = {
		{.code = 0xb7, .dst_reg = 2, .imm = 0},   /* r2 = 0 */
		{.code = 0x85, .imm = func},              /* call func */
		{.code = 0xb7, .dst_reg = 0, .imm = 0},   /* r0 = 0 */
		{.code = 0x95},                           /* exit */
	};
	int fd = bpf_prog_load(type, NULL, "GPL", insns, 4, NULL);
	if (fd < 0)
		return 0;
	close(fd);
	return 1;
}

/* loads a program of `type` expecting `attach` that calls bpf_set_retval(-EPERM) and returns 0 */
static int try_set_retval(enum bpf_prog_type type, enum bpf_attach_type attach)
{
	LIBBPF_OPTS(bpf_prog_load_opts, opts, .expected_attach_type = attach);
	const struct bpf_insn insns[] = {
		{.code = 0xb7, .dst_reg = 1, .imm = -1},                   /* r1 = -EPERM */
		{.code = 0x85, .imm = BPF_FUNC_set_retval},               /* call set_retval */
		{.code = 0xb7, .dst_reg = 0, .imm = 0},                   /* r0 = 0 */
		{.code = 0x95},                                           /* exit */
	};
	int fd = bpf_prog_load(type, NULL, "GPL", insns, 4, &opts);
	if (fd < 0)
		return 0;
	close(fd);
	return 1;
}

int probe_cgroup_set_retval(void)
{
	return try_set_retval(BPF_PROG_TYPE_CGROUP_SOCK_ADDR, BPF_CGROUP_INET4_CONNECT)
	    && try_set_retval(BPF_PROG_TYPE_CGROUP_SOCK, BPF_CGROUP_INET_SOCK_CREATE);
}

int cgroup2_root(char *out, size_t size)
{
	FILE *f = setmntent("/proc/self/mounts", "r");
	struct mntent *m;
	int found = -1;
	if (!f)
		return -1;
	while ((m = getmntent(f))) {
		if (!strcmp(m->mnt_type, "cgroup2") && strlen(m->mnt_dir) < size) {
			strcpy(out, m->mnt_dir);
			found = 0;
			break;
		}
	}
	endmntent(f);
	return found;
}

int probe_features(void)
{
	struct btf *vmlinux = btf__load_vmlinux_btf();
	int kprobe_pmu = access("/sys/bus/event_source/devices/kprobe/type", R_OK) == 0;

	if (geteuid() != 0) {
		fprintf(stderr, "saker-policy: the feature probe must run as root\n");
		return 2;
	}
	libbpf_set_print(NULL);
	char cgroot[4096];
	int have_cgroup2 = cgroup2_root(cgroot, sizeof(cgroot)) == 0;
	printf("{\"raw_tracepoint\":%s,\"kprobes\":%s,\"fentry\":%s,\"fmod_ret\":%s,\"lsm\":%s,"
	       "\"override_return\":%s,\"send_signal\":%s,\"cgroup_sock\":%s,\"cgroup_set_retval\":%s,\"cgroup2\":%s}\n",
	       try_load(vmlinux, BPF_PROG_TYPE_TRACING, BPF_TRACE_RAW_TP, "btf_trace_sys_enter") ? "true" : "false",
	       kprobe_pmu && try_load(vmlinux, BPF_PROG_TYPE_KPROBE, 0, NULL) ? "true" : "false",
	       try_load(vmlinux, BPF_PROG_TYPE_TRACING, BPF_TRACE_FENTRY, "security_file_open") ? "true" : "false",
	       try_load(vmlinux, BPF_PROG_TYPE_TRACING, BPF_MODIFY_RETURN, "security_file_open") ? "true" : "false",
	       try_load(vmlinux, BPF_PROG_TYPE_LSM, BPF_LSM_MAC, "bpf_lsm_file_open") ? "true" : "false",
	       try_helper(BPF_PROG_TYPE_KPROBE, BPF_FUNC_override_return) ? "true" : "false",
	       try_helper(BPF_PROG_TYPE_TRACEPOINT, BPF_FUNC_send_signal) ? "true" : "false",
	       libbpf_probe_bpf_prog_type(BPF_PROG_TYPE_CGROUP_SOCK_ADDR, NULL) > 0 ? "true" : "false",
	       probe_cgroup_set_retval() ? "true" : "false", have_cgroup2 ? "true" : "false");
	btf__free(vmlinux);
	return 0;
}
