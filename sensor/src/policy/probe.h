/* The kernel feature probe of saker-policy (--probe), as Tetragon's pkg/bpf/detect_linux.go. */
#ifndef SAKER_POLICY_PROBE_H
#define SAKER_POLICY_PROBE_H
int probe_features(void);
#endif
