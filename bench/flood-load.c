/* Load for bench/flood.ts: what a hostile workload does to the agent's tables, for S seconds.
 *   flood-load fork  S MAX   fork bomb, bounded: keeps up to MAX short-lived processes alive,
 *                            each forking one grandchild that outlives it (re-parenting churn)
 *   flood-load fds   S PROCS PROCS processes each open /dev/null until EMFILE, close all, repeat
 *   flood-load paths S PROCS PROCS processes each create, close and unlink distinct files
 * Prints the operations done on stdout at the end. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static long fork_bomb(double end, int max)
{
	long forks = 0;
	int alive = 0;
	signal(SIGCHLD, SIG_DFL);
	while (now() < end) {
		while (waitpid(-1, NULL, WNOHANG) > 0)
			alive--;
		if (alive >= max) {
			usleep(1000);
			continue;
		}
		pid_t p = fork();
		if (p < 0) {
			usleep(1000);
			continue;
		}
		if (p == 0) {
			if (fork() == 0) { /* the grandchild, orphaned when its parent exits */
				usleep(50000 + rand() % 200000);
				_exit(0);
			}
			usleep(rand() % 500000);
			_exit(0);
		}
		forks += 2;
		alive++;
	}
	while (wait(NULL) > 0)
		;
	return forks;
}

static long fds_to_limit(double end)
{
	struct rlimit rl = {65536, 65536};
	setrlimit(RLIMIT_NOFILE, &rl);
	long opens = 0;
	while (now() < end) {
		int fd, first = -1, last = -1;
		while ((fd = open("/dev/null", O_RDONLY)) >= 0) {
			if (first < 0)
				first = fd; /* the lowest free fd: below it are ours (the result pipe) */
			last = fd;
			opens++;
		}
		for (int i = first; i >= 0 && i <= last; i++)
			close(i);
	}
	return opens;
}

static long distinct_paths(double end, int id)
{
	char dir[64], path[128];
	snprintf(dir, sizeof dir, "/tmp/saker-flood-%d-%d", getppid(), id);
	mkdir(dir, 0700);
	long n = 0;
	while (now() < end) {
		snprintf(path, sizeof path, "%s/%ld-%x", dir, n, rand());
		int fd = open(path, O_CREAT | O_WRONLY, 0600);
		if (fd >= 0) {
			close(fd);
			unlink(path);
		}
		n++;
	}
	rmdir(dir);
	return n;
}

int main(int argc, char **argv)
{
	if (argc != 4) {
		fprintf(stderr, "usage: flood-load fork|fds|paths SECONDS N\n");
		return 1;
	}
	double end = now() + atof(argv[2]);
	int n = atoi(argv[3]);
	if (strcmp(argv[1], "fork") == 0) {
		printf("%ld\n", fork_bomb(end, n));
		return 0;
	}
	/* fds, paths: n workers, their counts summed through a pipe */
	int p[2];
	if (pipe(p) < 0)
		return 1;
	for (int i = 0; i < n; i++) {
		if (fork() == 0) {
			srand(getpid());
			long c = strcmp(argv[1], "fds") == 0 ? fds_to_limit(end) : distinct_paths(end, i);
			if (write(p[1], &c, sizeof c) != sizeof c)
				_exit(1);
			_exit(0);
		}
	}
	close(p[1]);
	long total = 0, c;
	while (read(p[0], &c, sizeof c) == sizeof c)
		total += c;
	while (wait(NULL) > 0)
		;
	printf("%ld\n", total);
	return 0;
}
