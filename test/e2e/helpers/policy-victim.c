/* The workload of the policy end-to-end tests: makes exactly the syscalls a test names, so a
 * policy's selectors can be checked one call at a time, and says how far it got on stdout.
 *   policy-victim lseek FD WHENCE...     lseek(FD, 0, WHENCE) for each WHENCE, "returned W" after each
 *   policy-victim open PATH FLAGS        open(PATH, FLAGS (decimal), 0600), prints the result
 *   policy-victim dup LO HI              dup2(1, fd) then dup(fd) for fd in [LO, HI)
 *   policy-victim getcpu                 getcpu(2)
 *   policy-victim write                  write(1, "x\n", 2)
 *   policy-victim marker PATH            creates PATH first thing (exec-kill test: must not exist)
 * Built static, so the same binary runs inside a busybox container. Exit 0 when it finishes. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	if (argc >= 2 && !strcmp(argv[1], "marker")) {
		int fd = open(argv[2], O_CREAT | O_WRONLY, 0600);
		if (fd >= 0)
			close(fd);
		printf("ran\n");
		return 0;
	}
	if (argc >= 4 && !strcmp(argv[1], "lseek")) {
		int fd = atoi(argv[2]);
		for (int i = 3; i < argc; i++) {
			syscall(SYS_lseek, fd, 0L, strtol(argv[i], NULL, 0));
			printf("returned %s\n", argv[i]);
		}
		return 0;
	}
	if (argc == 4 && !strcmp(argv[1], "open")) {
		int fd = syscall(SYS_openat, AT_FDCWD, argv[2], atoi(argv[3]), 0600);
		printf("open %d\n", fd);
		return 0;
	}
	if (argc == 4 && !strcmp(argv[1], "dup")) {
		for (int fd = atoi(argv[2]); fd < atoi(argv[3]); fd++) {
			dup2(1, fd);
			int d = syscall(SYS_dup, fd);
			if (d >= 0)
				close(d);
		}
		printf("duped\n");
		return 0;
	}
	if (argc == 2 && !strcmp(argv[1], "getcpu")) {
		unsigned cpu, node;
		syscall(SYS_getcpu, &cpu, &node, NULL);
		printf("returned\n");
		return 0;
	}
	if (argc == 2 && !strcmp(argv[1], "write")) {
		syscall(SYS_write, 1, "x\n", 2);
		return 0;
	}
	fprintf(stderr, "usage: policy-victim lseek|open|dup|getcpu|write|marker ...\n");
	return 2;
}
