/* The control protocol: one command per line on stdin, replies as one JSON line each on stderr.
 *   syscalls <name|event code> ...   replace the syscall set ("procexit" included); ack
 *   ignore <pid> ... / unignore <pid> ...   thread groups whose events stay in the kernel; ack
 *   snaplen <bytes>                  payload kept by send/recv events; ack
 *   stats                            counters line
 *   quit                             exit
 */
#ifndef SAKER_CONTROL_H
#define SAKER_CONTROL_H

#include "output.h"
#include "probes.h"

enum control_result { CONTROL_OK, CONTROL_QUIT };

/* Applies one command line (without its newline). */
enum control_result control_apply(struct probes *p, const struct output *out, char *line);

/* Sets the syscall set from a comma- or space-separated list; returns the number of unknown
 * tokens (reported on stderr). */
int control_set_syscalls(struct probes *p, char *list);
int control_ignore(struct probes *p, int pid, int add);
void control_print_stats(const struct probes *p, const struct output *out);

#endif
