/* Trigger for bench/agent-latency.ts. Opens <dir>/<i> for i in 0..n-1 (openat read-only, then
 * close; the bench creates the files beforehand: creating a file on this VM's ext4 took 0.3-1 ms,
 * the file system's time, not the detection's), one every <gap> µs plus a pseudo-random 0..<gap>
 * µs so the triggers land at every phase of the sensor's poll period. Just before each openat it
 * reads CLOCK_REALTIME and CLOCK_MONOTONIC, and CLOCK_MONOTONIC again after it returns; after the
 * last one it prints "<i> <realtime ns> <monotonic ns> <monotonic ns after>" per trigger (nothing
 * is written while triggering, so output does not delay the triggers).
 * The binary is built as bench/build/saker-latency: the rule matches that process name.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static long long ns(clockid_t clock)
{
	struct timespec ts;
	clock_gettime(clock, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

int main(int argc, char **argv)
{
	if (argc != 4) {
		fprintf(stderr, "usage: saker-latency <dir> <n> <gap µs>\n");
		return 1;
	}
	const char *dir = argv[1];
	int n = atoi(argv[2]);
	long gap_us = atol(argv[3]);
	long long *rt = calloc(n, sizeof *rt), *mono = calloc(n, sizeof *mono), *after = calloc(n, sizeof *after);
	char path[4096];
	unsigned seed = 12345;
	if (!rt || !mono || !after)
		return 1;
	for (int i = 0; i < n; i++) {
		seed = seed * 1103515245 + 12345;
		long us = gap_us + (long)((seed >> 8) % (unsigned long)(gap_us + 1));
		struct timespec pause = { us / 1000000, (us % 1000000) * 1000 };
		nanosleep(&pause, NULL);
		snprintf(path, sizeof path, "%s/%d", dir, i);
		mono[i] = ns(CLOCK_MONOTONIC);
		rt[i] = ns(CLOCK_REALTIME);
		int fd = open(path, O_RDONLY);
		after[i] = ns(CLOCK_MONOTONIC);
		if (fd < 0) {
			perror(path);
			return 1;
		}
		close(fd);
	}
	for (int i = 0; i < n; i++)
		printf("%d %lld %lld %lld\n", i, rt[i], mono[i], after[i]);
	return 0;
}
