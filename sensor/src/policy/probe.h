/* The kernel feature probe of saker-policy (--probe), as Tetragon's pkg/bpf/detect_linux.go. */
#ifndef SAKER_POLICY_PROBE_H
#define SAKER_POLICY_PROBE_H
#include <stddef.h>
int probe_features(void);
/* 1 when cgroup sock_addr and sock_create programs may call bpf_set_retval (5.18+) */
int probe_cgroup_set_retval(void);
/* the mount point of the cgroup v2 hierarchy's root into `out`; 0, or -1 when none is mounted */
int cgroup2_root(char *out, size_t size);
#endif
