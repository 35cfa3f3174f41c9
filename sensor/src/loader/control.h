/* The control protocol: one command per line on stdin, replies as one JSON line each on stderr.
 *   syscalls <name|event code> ...   replace the syscall set ("procexit" included); ack
 *   ignore <pid> ... / unignore <pid> ...   thread groups whose events stay in the kernel; ack
 *   snaplen <bytes>                  payload kept by send/recv events; ack
 *   stats                            counters line
 *   quit                             exit
 */
#ifndef SAKER_CONTROL_H
#define SAKER_CONTROL_H

#include <linux/types.h>

#include "../shared.h"
#include "output.h"
#include "sensor.skel.h"

enum control_result { CONTROL_OK, CONTROL_QUIT };

/* Applies one command line (without its newline). */
enum control_result control_apply(struct sensor_bpf *skel, const struct output *out, char *line);

/* Sets the syscall set from a comma- or space-separated list; returns the number of unknown
 * tokens (reported on stderr). */
int control_set_syscalls(struct sensor_bpf *skel, char *list);
int control_ignore(struct sensor_bpf *skel, int pid, int add);
void control_print_stats(const struct sensor_bpf *skel, const struct output *out);

#endif
