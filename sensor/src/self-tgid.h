/* The loader's own thread-group id as the kernel's initial pid namespace numbers it: what
 * bpf_get_current_pid_tgid() returns for it, so what its in-kernel self-exclusion must compare.
 * getpid() is that number only in the initial namespace; the DaemonSet runs the agent in a pid
 * namespace of its own, where getpid() is a small number naming some unrelated host process whose
 * events would vanish. There the host's procfs is mounted under $HOST_ROOT/proc, and its "self"
 * link names the reader in the host's numbering. Shared by saker-sensor and saker-policy. */
#ifndef SAKER_SELF_TGID_H
#define SAKER_SELF_TGID_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Whether the procfs at `proc` numbers the initial pid namespace: its pid 2 is kthreadd, which
 * exists only there (reading its ns/pid link across namespaces may be refused). */
static int procfs_is_initial(const char *proc)
{
	char path[4200], line[64] = "";
	snprintf(path, sizeof(path), "%s/2/status", proc);
	FILE *f = fopen(path, "r");
	if (!f)
		return 0;
	int ok = fgets(line, sizeof(line), f) && !strncmp(line, "Name:\tkthreadd", 14);
	fclose(f);
	return ok;
}

/* The host tgid of this process, or 0 when it cannot be known here (no host procfs to ask). */
static unsigned self_host_tgid(void)
{
	const char *root = getenv("HOST_ROOT");
	char proc[4096], path[4200], link[32];
	const char *roots[2] = {root && *root ? root : NULL, ""};

	for (int i = 0; i < 2; i++) {
		if (!roots[i])
			continue;
		snprintf(proc, sizeof(proc), "%s/proc", roots[i]);
		if (!procfs_is_initial(proc))
			continue;
		snprintf(path, sizeof(path), "%s/self", proc);
		ssize_t n = readlink(path, link, sizeof(link) - 1);
		if (n <= 0)
			continue;
		link[n] = 0;
		long v = strtol(link, NULL, 10);
		if (v > 0)
			return (unsigned)v;
	}
	return 0;
}

#endif
