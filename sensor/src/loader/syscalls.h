/* The syscalls the sensor decodes: kernel name, x86-64 number, and the libs exit event it
 * produces. The BPF handler of `name` is the program "sx_<name>". The others (syscall-table.h)
 * reach the engine as generic events. */
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

#define SYSCALL_PROCEXIT -1
#define SYSCALL_UNKNOWN -2

/* The x86-64 number of a syscall named by its evt.type name, its kernel name, or the libs event
 * code (enter or exit) it produces; SYSCALL_PROCEXIT for the process-exit event, SYSCALL_UNKNOWN
 * otherwise. `*decoded`: its entry in SYSCALLS when it has a decoder, else NULL. */
int syscall_by_token(const char *token, const struct syscall_info **decoded);

#endif
