/* The syscalls the sensor decodes: name (as rules and the control protocol spell it), x86-64
 * number, and the libs exit event it produces. The BPF handler of `name` is the program
 * "sx_<name>". */
#ifndef SAKER_SYSCALLS_H
#define SAKER_SYSCALLS_H

#include <stddef.h>

struct syscall_info {
	const char *name;
	int nr;        /* -1 for procexit, which is not a syscall */
	int exit_code; /* libs event code emitted */
};

extern const struct syscall_info SYSCALLS[];
extern const size_t N_SYSCALLS;

/* By name, or by libs event code (enter or exit code of the event emitted); NULL if unknown. */
const struct syscall_info *syscall_by_token(const char *token);

#endif
