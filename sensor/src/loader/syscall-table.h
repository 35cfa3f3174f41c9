/* Every x86-64 syscall the sensor can capture (generated: syscall-table.c), decoded or not: what
 * lets `evt.type=X` fire for any syscall X a rule names. */
#ifndef SAKER_SYSCALL_TABLE_H
#define SAKER_SYSCALL_TABLE_H

#include <stddef.h>

struct syscall_entry {
	const char *kernel; /* <asm/unistd_64.h> name */
	const char *name;   /* evt.type: the libs event's name, else the kernel name */
	int nr;             /* x86-64 number */
	int sc;             /* ppm_sc code (0 if libs has none) */
	int event;          /* libs exit event code; 0: a generic event (PPME_GENERIC_X) */
	int res;            /* without a decoder, the event still carries the return value */
};

extern const struct syscall_entry SYSCALL_TABLE[];
extern const size_t SYSCALL_TABLE_LEN;

#endif
