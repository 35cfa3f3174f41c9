/* The workload of the policy end-to-end tests: makes exactly the syscalls a test names, so a
 * policy's selectors can be checked one call at a time, and says how far it got on stdout.
 *   policy-victim lseek FD WHENCE...     lseek(FD, 0, WHENCE) for each WHENCE, "returned W" after each
 *   policy-victim open PATH FLAGS        open(PATH, FLAGS (decimal), 0600), prints the result
 *   policy-victim dup LO HI              dup2(1, fd) then dup(fd) for fd in [LO, HI)
 *   policy-victim getcpu                 getcpu(2)
 *   policy-victim write                  write(1, "x\n", 2)
 *   policy-victim marker PATH            creates PATH first thing (exec-kill test: must not exist)
 *   policy-victim connect PORT...        a TCP connect to 127.0.0.1:PORT for each PORT, "connect PORT 0" or
 *                                        "connect PORT errno N" after each
 *   policy-victim net                    socket(AF_INET, SOCK_DGRAM), bind to 127.0.0.1:0, sendto
 *                                        127.0.0.1:9 and socket(AF_UNIX), "NAME 0" or "NAME errno N" each
 *   policy-victim unix PATH PORT         a connect to the AF_UNIX stream socket PATH, then a TCP connect to
 *                                        127.0.0.1:PORT, "NAME 0" or "NAME errno N" each
 *   policy-victim changes                lseek(-1, 0, 7701), unshare(CLONE_NEWNS), lseek 7702 and 7703, capset
 *                                        without CAP_SYS_ADMIN in the effective set, lseek 7704 and 7705
 *   policy-victim bufs PATH              write(1, "hello fd\n", 9), write 5000 bytes 'y' to /dev/null, then
 *                                        read(PATH's fd, buf, 100), "read N"
 *   policy-victim sends PORT             a UDP socket connected to 127.0.0.1:PORT: sendmsg without an
 *                                        address, then sendto with one, "NAME 0" or "NAME errno N" each
 * Built static, so the same binary runs inside a busybox container. Exit 0 when it finishes. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <linux/capability.h>
#include <sched.h>
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
	if (argc >= 3 && !strcmp(argv[1], "connect")) {
		for (int i = 2; i < argc; i++) {
			struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(atoi(argv[i])), .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
			int fd = socket(AF_INET, SOCK_STREAM, 0);
			if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)))
				printf("connect %s errno %d\n", argv[i], errno);
			else
				printf("connect %s 0\n", argv[i]);
			close(fd);
		}
		return 0;
	}
	if (argc == 2 && !strcmp(argv[1], "net")) {
		struct sockaddr_in any = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
		struct sockaddr_in discard = {.sin_family = AF_INET, .sin_port = htons(9), .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
		int fd = socket(AF_INET, SOCK_DGRAM, 0);
		printf(fd < 0 ? "socket errno %d\n" : "socket 0\n", errno);
		int r = bind(fd, (struct sockaddr *)&any, sizeof(any));
		printf(r ? "bind errno %d\n" : "bind 0\n", errno);
		r = sendto(fd, "x", 1, 0, (struct sockaddr *)&discard, sizeof(discard));
		printf(r < 0 ? "sendto errno %d\n" : "sendto 0\n", errno);
		close(fd);
		fd = socket(AF_UNIX, SOCK_DGRAM, 0);
		printf(fd < 0 ? "unix errno %d\n" : "unix 0\n", errno);
		return 0;
	}
	if (argc == 3 && !strcmp(argv[1], "bufs")) {
		static char big[5000], in[100];
		memset(big, 'y', sizeof(big));
		syscall(SYS_write, 1, "hello fd\n", 9);
		int null = open("/dev/null", O_WRONLY);
		syscall(SYS_write, null, big, sizeof(big));
		int fd = open(argv[2], O_RDONLY);
		printf("read %ld\n", (long)syscall(SYS_read, fd, in, sizeof(in)));
		return 0;
	}
	if (argc == 2 && !strcmp(argv[1], "changes")) {
		syscall(SYS_lseek, -1, 0L, 7701);
		printf(unshare(CLONE_NEWNS) ? "unshare errno %d\n" : "unshare 0\n", errno);
		syscall(SYS_lseek, -1, 0L, 7702);
		syscall(SYS_lseek, -1, 0L, 7703);
		struct __user_cap_header_struct h = {.version = _LINUX_CAPABILITY_VERSION_3};
		struct __user_cap_data_struct d[2];
		syscall(SYS_capget, &h, d);
		d[CAP_SYS_ADMIN / 32].effective &= ~(1U << (CAP_SYS_ADMIN % 32));
		printf(syscall(SYS_capset, &h, d) ? "capset errno %d\n" : "capset 0\n", errno);
		syscall(SYS_lseek, -1, 0L, 7704);
		syscall(SYS_lseek, -1, 0L, 7705);
		return 0;
	}
	if (argc == 4 && !strcmp(argv[1], "unix")) {
		struct sockaddr_un un = {.sun_family = AF_UNIX};
		strncpy(un.sun_path, argv[2], sizeof(un.sun_path) - 1);
		int fd = socket(AF_UNIX, SOCK_STREAM, 0);
		int r = connect(fd, (struct sockaddr *)&un, sizeof(un));
		printf(r ? "unix errno %d\n" : "unix 0\n", errno);
		close(fd);
		struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(atoi(argv[3])), .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
		fd = socket(AF_INET, SOCK_STREAM, 0);
		r = connect(fd, (struct sockaddr *)&sa, sizeof(sa));
		printf(r ? "tcp errno %d\n" : "tcp 0\n", errno);
		close(fd);
		return 0;
	}
	if (argc == 3 && !strcmp(argv[1], "sends")) {
		struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons(atoi(argv[2])), .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
		int fd = socket(AF_INET, SOCK_DGRAM, 0);
		connect(fd, (struct sockaddr *)&to, sizeof(to));
		struct iovec iov = {.iov_base = "x", .iov_len = 1};
		struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1};
		int r = sendmsg(fd, &m, 0);
		printf(r < 0 ? "sendmsg errno %d\n" : "sendmsg 0\n", errno);
		r = sendto(fd, "x", 1, 0, (struct sockaddr *)&to, sizeof(to));
		printf(r < 0 ? "sendto errno %d\n" : "sendto 0\n", errno);
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
