/* Mixed syscall load for bench/replay-live.ts: n rounds of file opens (of /etc files, some that
 * fail), closes, renames, TCP connect/accept and UDP sends on loopback, dup2 and pipe2, with a
 * fork + exec of /bin/true every 2048 rounds. About 16 captured events a round.
 *   mixed-load <rounds> <scratch dir>
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: mixed-load <rounds> <scratch dir>\n");
		return 1;
	}
	long n = atol(argv[1]);
	char a[512], b[512];
	snprintf(a, sizeof(a), "%s/a", argv[2]);
	snprintf(b, sizeof(b), "%s/b", argv[2]);
	close(open(a, O_WRONLY | O_CREAT, 0600));

	struct sockaddr_in addr = {.sin_family = AF_INET};
	inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
	int l = socket(AF_INET, SOCK_STREAM, 0);
	bind(l, (struct sockaddr *)&addr, sizeof(addr));
	socklen_t len = sizeof(addr);
	getsockname(l, (struct sockaddr *)&addr, &len);
	listen(l, 64);
	int u = socket(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in ua = addr;
	ua.sin_port = 0;
	bind(u, (struct sockaddr *)&ua, sizeof(ua));
	len = sizeof(ua);
	getsockname(u, (struct sockaddr *)&ua, &len);
	const char *etc[] = {"/etc/hostname", "/etc/passwd", "/etc/hosts", "/etc/nsswitch.conf"};

	for (long i = 0; i < n; i++) {
		int fd = open(etc[i & 3], O_RDONLY | O_CLOEXEC);
		close(fd);
		close(open("/etc/saker-bench-missing", O_RDONLY));
		fd = open("/usr/lib/os-release", O_RDONLY);
		close(fd);
		rename(i & 1 ? b : a, i & 1 ? a : b);
		int c = socket(AF_INET, SOCK_STREAM, 0);
		connect(c, (struct sockaddr *)&addr, sizeof(addr));
		int s = accept(l, NULL, NULL);
		close(s);
		close(c);
		sendto(u, "x", 1, 0, (struct sockaddr *)&ua, sizeof(ua));
		char buf[8];
		recvfrom(u, buf, sizeof(buf), MSG_DONTWAIT, NULL, NULL);
		int p[2];
		pipe2(p, O_CLOEXEC);
		dup2(p[0], 100);
		close(100);
		close(p[0]);
		close(p[1]);
		if ((i & 2047) == 0) {
			pid_t pid = fork();
			if (pid == 0) {
				execl("/bin/true", "true", NULL);
				_exit(1);
			}
			waitpid(pid, NULL, 0);
		}
	}
	return 0;
}
