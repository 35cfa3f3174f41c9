/* Load for bench/policy-overhead.ts: prints "<wall ns> <cpu ns>" per op of a syscall loop, or the
 * kill latencies of a policy's Sigkill.
 *   policy-load lseek <n>      lseek(-1, 0, 4444): one syscall per op, EBADF
 *   policy-load openat <n>     openat + close of /dev/null
 *   policy-load exec <n>       fork, the child execs /bin/true, waitpid: the CPU counted is the
 *                              loop's and its children's (the sensor's exec and fork programs
 *                              run in them)
 *   policy-load kill <n>       n times: fork a child that stamps CLOCK_MONOTONIC into shared
 *                              memory and calls lseek(-1, 0, 5555) (a policy kills it there);
 *                              prints one latency per line, ns from the stamp to waitpid()
 *                              returning in the parent (the child's death as the parent sees it) */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
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
	if (argc != 3)
		return 2;
	long n = atol(argv[2]);
	if (!strcmp(argv[1], "kill")) {
		volatile double *stamp = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
		for (long i = 0; i < n; i++) {
			pid_t pid = fork();
			if (pid == 0) {
				*stamp = now_ns(CLOCK_MONOTONIC);
				syscall(SYS_lseek, -1, 0L, 5555L);
				_exit(0);
			}
			int status;
			waitpid(pid, &status, 0);
			double t = now_ns(CLOCK_MONOTONIC);
			if (!WIFSIGNALED(status) || WTERMSIG(status) != 9) {
				fprintf(stderr, "child not killed\n");
				return 1;
			}
			printf("%.0f\n", t - *stamp);
		}
		return 0;
	}
	double w0 = now_ns(CLOCK_MONOTONIC), c0 = now_ns(CLOCK_PROCESS_CPUTIME_ID);
	if (!strcmp(argv[1], "lseek")) {
		for (long i = 0; i < n; i++)
			syscall(SYS_lseek, -1, 0L, 4444L);
	} else if (!strcmp(argv[1], "openat")) {
		for (long i = 0; i < n; i++)
			close(syscall(SYS_openat, AT_FDCWD, "/dev/null", O_RDONLY));
	} else if (!strcmp(argv[1], "exec")) {
		for (long i = 0; i < n; i++) {
			pid_t pid = fork();
			if (pid == 0) {
				execl("/bin/true", "true", (char *)NULL);
				_exit(127);
			}
			int status;
			waitpid(pid, &status, 0);
		}
		struct rusage ru;
		getrusage(RUSAGE_CHILDREN, &ru);
		c0 -= (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e9 + (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1e3;
	} else {
		return 2;
	}
	printf("%.1f %.1f\n", (now_ns(CLOCK_MONOTONIC) - w0) / n, (now_ns(CLOCK_PROCESS_CPUTIME_ID) - c0) / n);
	return 0;
}
