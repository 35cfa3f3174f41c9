/* Syscall load for bench/sensor-overhead.ts: runs one syscall pattern n times and prints the
 * mean cost of one iteration in ns: "<wall> <cpu>". CPU time (user + system, which includes the
 * BPF programs run on this process's syscalls) is what the sensor costs this process even when
 * other processes compete for the CPUs.
 *   load getppid <n>     1 syscall per op, never captured (the tracepoint floor)
 *   load openclose <n>   openat + close of /dev/null, 2 captured syscalls per op
 *   load closebad <n>    close(-1), 1 cheap captured syscall per op (event rate tests)
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static double now_ns(clockid_t clock)
{
	struct timespec ts;
	clock_gettime(clock, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: load getppid|openclose|closebad <n>\n");
		return 1;
	}
	long n = atol(argv[2]);
	double t0 = now_ns(CLOCK_MONOTONIC), c0 = now_ns(CLOCK_PROCESS_CPUTIME_ID);
	if (strcmp(argv[1], "getppid") == 0) {
		for (long i = 0; i < n; i++)
			syscall(SYS_getppid);
	} else if (strcmp(argv[1], "openclose") == 0) {
		for (long i = 0; i < n; i++)
			close(open("/dev/null", O_RDONLY));
	} else if (strcmp(argv[1], "closebad") == 0) {
		for (long i = 0; i < n; i++)
			close(-1);
	} else {
		fprintf(stderr, "load: unknown pattern %s\n", argv[1]);
		return 1;
	}
	printf("%.2f %.2f\n", (now_ns(CLOCK_MONOTONIC) - t0) / n, (now_ns(CLOCK_PROCESS_CPUTIME_ID) - c0) / n);
	return 0;
}
