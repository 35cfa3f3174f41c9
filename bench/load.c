/* Syscall load for the benchmarks under bench/. Two kinds of run:
 *
 * Fixed count: runs one syscall pattern n times and prints the mean cost of one iteration in ns,
 * "<wall> <cpu>". CPU time (user + system, which includes the BPF programs run on this
 * process's syscalls) is what the sensor costs this process even when other processes compete
 * for the CPUs.
 *   load getppid <n>     1 syscall per op, never captured (the tracepoint floor)
 *   load openclose <n>   openat + close of /dev/null, 2 captured syscalls per op
 *   load closebad <n>    close(-1), 1 cheap captured syscall per op (event rate tests)
 *
 * Paced: openat (read-only) + close of the given paths in turn, at `rate` ops per second (0: as
 * fast as it can) for `seconds`; prints "<ops> <wall ns> <cpu ns>". The pace is kept per
 * millisecond, so the event rate is smooth rather than bursty.
 *   load openrate <rate> <seconds> <path>...
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

static int open_rate(double rate, double seconds, char **paths, int npaths)
{
	const struct timespec tick = { 0, 200000 };
	double t0 = now_ns(CLOCK_MONOTONIC), c0 = now_ns(CLOCK_PROCESS_CPUTIME_ID);
	double end = t0 + seconds * 1e9, t = t0;
	long ops = 0;
	int next = 0;
	while (t < end) {
		/* ops due by now; at most 1 ms worth at once so a late start does not become a burst */
		long due = rate > 0 ? (long)((t - t0) * rate / 1e9) : ops + 1000;
		long burst = rate > 0 ? (long)(rate / 1000) + 1 : 1000;
		if (due - ops > burst)
			due = ops + burst;
		if (due <= ops) {
			nanosleep(&tick, NULL);
		}
		for (; ops < due; ops++) {
			int fd = open(paths[next], O_RDONLY);
			if (fd < 0) {
				perror(paths[next]);
				return 1;
			}
			close(fd);
			if (++next == npaths)
				next = 0;
		}
		t = now_ns(CLOCK_MONOTONIC);
	}
	printf("%ld %.0f %.0f\n", ops, t - t0, now_ns(CLOCK_PROCESS_CPUTIME_ID) - c0);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc >= 5 && strcmp(argv[1], "openrate") == 0)
		return open_rate(atof(argv[2]), atof(argv[3]), argv + 4, argc - 4);
	if (argc != 3) {
		fprintf(stderr, "usage: load getppid|openclose|closebad <n>\n"
				"       load openrate <ops/s> <seconds> <path>...\n");
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
