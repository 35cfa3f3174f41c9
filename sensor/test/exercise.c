/* Calls every syscall the sensor decodes, once, with known arguments, and prints what each call
 * returned, one line per call: "<syscall> <ret> [values...]". The sensor tests compare these
 * lines with the events captured for this process.
 *
 *   exercise all <scratch dir> <tcp port on 127.0.0.1>
 *   exercise flood <n>      n x (openat + close) of /dev/null, for drop tests
 *   exercise open <path>    open read-only, print the fd
 *   exercise connect <port> TCP connect to 127.0.0.1:<port>, print the local port
 *   exercise execveat       become /bin/true through execveat
 *   exercise int80open <path>  open read-only through int 0x80 (the ia32 open, number 5), as a
 *                           32-bit program would; prints the fd or -errno
 *   exercise blind <dir> <port>  the calls issue 13 found unseen: kill, the chown family, chroot,
 *                           setsid, setre*id, mprotect(PROT_EXEC), pidfd_*, close_range, the new
 *                           mount API (generic events), read/write, io_uring (setup, an openat
 *                           and a connect submitted through the ring)
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <linux/openat2.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <linux/io_uring.h>
#include <unistd.h>

static long report(const char *name, long ret)
{
	printf("%s %ld\n", name, ret < 0 ? -errno : ret);
	return ret;
}

static char path_buf[8][512];

static const char *at(int i, const char *dir, const char *name)
{
	snprintf(path_buf[i], sizeof(path_buf[i]), "%s/%s", dir, name);
	return path_buf[i];
}

static void files(const char *dir)
{
	int fd = report("open", syscall(SYS_open, at(0, dir, "a"), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640));
	report("close", close(fd));
	fd = report("openat", openat(AT_FDCWD, at(0, dir, "b"), O_RDWR | O_CREAT | O_EXCL, 0600));
	struct open_how how = {.flags = O_RDONLY, .resolve = RESOLVE_NO_SYMLINKS};
	int fd2 = report("openat2", syscall(SYS_openat2, AT_FDCWD, at(0, dir, "a"), &how, sizeof(how)));
	report("close", close(fd2));
	fd2 = report("creat", syscall(SYS_creat, at(0, dir, "c"), 0755));
	report("close", close(fd2));
	report("dup", dup(fd));
	report("dup2", syscall(SYS_dup2, fd, 100));
	report("dup3", dup3(fd, 101, O_CLOEXEC));
	report("fcntl", fcntl(fd, F_DUPFD_CLOEXEC, 10));
	report("fchmod", fchmod(fd, 0604));
	report("chmod", syscall(SYS_chmod, at(0, dir, "b"), 04711));
	report("fchmodat", syscall(SYS_fchmodat, AT_FDCWD, at(0, dir, "b"), 0600));
	report("link", syscall(SYS_link, at(0, dir, "a"), at(1, dir, "a.link")));
	report("linkat", linkat(AT_FDCWD, at(0, dir, "a"), AT_FDCWD, at(1, dir, "a.linkat"), 0));
	report("symlink", syscall(SYS_symlink, "a", at(1, dir, "a.sym")));
	report("symlinkat", symlinkat("b", AT_FDCWD, at(1, dir, "b.sym")));
	report("rename", syscall(SYS_rename, at(0, dir, "a.link"), at(1, dir, "a.renamed")));
	report("renameat", renameat(AT_FDCWD, at(0, dir, "a.linkat"), AT_FDCWD, at(1, dir, "a.renamedat")));
	report("renameat2", syscall(SYS_renameat2, AT_FDCWD, at(0, dir, "a.renamedat"), AT_FDCWD,
				   at(1, dir, "a.renamed2"), 1 /* RENAME_NOREPLACE */));
	report("unlink", syscall(SYS_unlink, at(0, dir, "a.renamed")));
	report("unlinkat", unlinkat(AT_FDCWD, at(0, dir, "a.renamed2"), 0));
	report("mkdir", syscall(SYS_mkdir, at(0, dir, "d"), 0750));
	report("mkdirat", mkdirat(AT_FDCWD, at(0, dir, "e"), 0700));
	report("rmdir", syscall(SYS_rmdir, at(0, dir, "d")));
	report("chdir", chdir(dir));
	int dfd = open(dir, O_RDONLY | O_DIRECTORY);
	report("fchdir", fchdir(dfd));
	int p[2];
	report("pipe", syscall(SYS_pipe, p));
	printf("pipe_fds %d %d\n", p[0], p[1]);
	report("pipe2", pipe2(p, O_CLOEXEC | O_NONBLOCK));
	printf("pipe2_fds %d %d\n", p[0], p[1]);
	report("memfd_create", memfd_create("saker-memfd", MFD_CLOEXEC));
}

static void network(int port)
{
	struct sockaddr_in dst = {.sin_family = AF_INET, .sin_port = htons(port)};
	inet_pton(AF_INET, "127.0.0.1", &dst.sin_addr);

	int s = report("socket", socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
	report("connect", connect(s, (struct sockaddr *)&dst, sizeof(dst)));
	struct sockaddr_in local;
	socklen_t len = sizeof(local);
	getsockname(s, (struct sockaddr *)&local, &len);
	printf("connect_lport %d\n", ntohs(local.sin_port));

	/* a listener of our own, for listen/accept/accept4 */
	int l = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in any = {.sin_family = AF_INET};
	inet_pton(AF_INET, "127.0.0.1", &any.sin_addr);
	report("bind", bind(l, (struct sockaddr *)&any, sizeof(any)));
	len = sizeof(any);
	getsockname(l, (struct sockaddr *)&any, &len);
	printf("bind_port %d\n", ntohs(any.sin_port));
	report("listen", listen(l, 7));
	int c1 = socket(AF_INET, SOCK_STREAM, 0), c2 = socket(AF_INET, SOCK_STREAM, 0);
	connect(c1, (struct sockaddr *)&any, sizeof(any));
	connect(c2, (struct sockaddr *)&any, sizeof(any));
	report("accept", syscall(SYS_accept, l, NULL, NULL));
	report("accept4", accept4(l, NULL, NULL, SOCK_NONBLOCK));

	/* UDP to ourselves: sendto/recvfrom, sendmsg/recvmsg */
	int u = socket(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in ua = {.sin_family = AF_INET};
	inet_pton(AF_INET, "127.0.0.1", &ua.sin_addr);
	bind(u, (struct sockaddr *)&ua, sizeof(ua));
	len = sizeof(ua);
	getsockname(u, (struct sockaddr *)&ua, &len);
	printf("udp_port %d\n", ntohs(ua.sin_port));
	report("sendto", sendto(u, "hello-sendto", 12, 0, (struct sockaddr *)&ua, sizeof(ua)));
	char buf[64];
	report("recvfrom", recvfrom(u, buf, sizeof(buf), 0, NULL, NULL));
	struct iovec iov[2] = {{"hello-", 6}, {"sendmsg", 7}};
	struct msghdr msg = {.msg_name = &ua, .msg_namelen = sizeof(ua), .msg_iov = iov, .msg_iovlen = 2};
	report("sendmsg", sendmsg(u, &msg, 0));
	struct iovec riov = {buf, sizeof(buf)};
	struct msghdr rmsg = {.msg_iov = &riov, .msg_iovlen = 1};
	report("recvmsg", recvmsg(u, &rmsg, 0));
	int sp[2];
	report("socketpair", socketpair(AF_UNIX, SOCK_STREAM, 0, sp));
	printf("socketpair_fds %d %d\n", sp[0], sp[1]);
}

/* connect over IPv6 loopback and a unix socket, each to a listener of our own */
static void more_connects(const char *dir)
{
	struct sockaddr_in6 a6 = {.sin6_family = AF_INET6, .sin6_addr = IN6ADDR_LOOPBACK_INIT};
	socklen_t len = sizeof(a6);
	int l6 = socket(AF_INET6, SOCK_STREAM, 0);
	if (l6 >= 0 && bind(l6, (struct sockaddr *)&a6, sizeof(a6)) == 0 && listen(l6, 1) == 0) {
		getsockname(l6, (struct sockaddr *)&a6, &len);
		int c6 = socket(AF_INET6, SOCK_STREAM, 0);
		report("connect6", connect(c6, (struct sockaddr *)&a6, sizeof(a6)));
		struct sockaddr_in6 local;
		len = sizeof(local);
		getsockname(c6, (struct sockaddr *)&local, &len);
		printf("connect6_ports %d %d\n", ntohs(local.sin6_port), ntohs(a6.sin6_port));
	}
	struct sockaddr_un un = {.sun_family = AF_UNIX};
	snprintf(un.sun_path, sizeof(un.sun_path), "%s/sock", dir);
	int lu = socket(AF_UNIX, SOCK_STREAM, 0);
	bind(lu, (struct sockaddr *)&un, sizeof(un));
	listen(lu, 1);
	int cu = socket(AF_UNIX, SOCK_STREAM, 0);
	report("connect_unix", connect(cu, (struct sockaddr *)&un, sizeof(un)));
}

/* The legacy calls go through syscall(2): libc would turn open into openat, pipe into pipe2,
 * fork into clone... and the event under test would never happen. */
static void processes(void)
{
	pid_t pid = syscall(SYS_fork);
	if (pid == 0)
		_exit(3);
	report("fork", pid);
	waitpid(pid, NULL, 0);
	pid = vfork();
	if (pid == 0)
		_exit(0);
	report("vfork", pid);
	waitpid(pid, NULL, 0);
	struct { uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls; } ca = {
		.exit_signal = SIGCHLD,
	};
	pid = syscall(SYS_clone3, &ca, sizeof(ca));
	if (pid == 0)
		_exit(0);
	report("clone3", pid);
	waitpid(pid, NULL, 0);
	char *argv[] = {"/nonexistent/saker-exe", "arg-one", "arg two", NULL};
	char *envp[] = {"SAKER_TEST=1", NULL};
	report("execve", execve(argv[0], argv, envp));
	report("execveat", syscall(SYS_execveat, AT_FDCWD, argv[0], argv, envp, 0));
}

static void system_calls(const char *dir)
{
	report("unshare", unshare(CLONE_NEWNS | CLONE_NEWUTS));
	int ns = open("/proc/self/ns/uts", O_RDONLY);
	report("setns", setns(ns, CLONE_NEWUTS));
	mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL);
	report("mount", mount("saker-tmpfs", at(2, dir, "e"), "tmpfs", MS_NOSUID | MS_NODEV, "size=1m"));
	report("umount2", umount2(at(2, dir, "e"), MNT_DETACH));
	report("ptrace", ptrace(PTRACE_PEEKDATA, 1, 0, 0));
	report("bpf", syscall(SYS_bpf, 5 /* BPF_PROG_LOAD */, NULL, 0));
	report("setuid", setuid(0));
	report("setgid", setgid(0));
	report("setresuid", setresuid(-1, -1, -1));
	report("init_module", syscall(SYS_init_module, "junk", 4, "saker=1"));
	report("finit_module", syscall(SYS_finit_module, -1, "saker=2", 0));
	report("userfaultfd", syscall(SYS_userfaultfd, O_CLOEXEC));
	report("prctl", prctl(PR_SET_NAME, "saker-ex"));
	struct __user_cap_header_struct h = {.version = _LINUX_CAPABILITY_VERSION_3};
	struct __user_cap_data_struct d[2];
	syscall(SYS_capget, &h, d);
	report("capset", syscall(SYS_capset, &h, d));
}

/* io_uring without liburing: set up a ring, submit one request, wait for its completion and
 * return its result (or a negative errno from the setup). */
static long uring_one(const struct io_uring_sqe *req)
{
	struct io_uring_params p = {0};
	int fd = syscall(SYS_io_uring_setup, 4, &p);
	if (fd < 0)
		return report("io_uring_setup", fd);
	report("io_uring_setup", fd);
	size_t sq_len = p.sq_off.array + p.sq_entries * sizeof(unsigned);
	size_t cq_len = p.cq_off.cqes + p.cq_entries * sizeof(struct io_uring_cqe);
	char *sq = mmap(NULL, sq_len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd, IORING_OFF_SQ_RING);
	char *cq = mmap(NULL, cq_len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd, IORING_OFF_CQ_RING);
	struct io_uring_sqe *sqes = mmap(NULL, p.sq_entries * sizeof(*sqes), PROT_READ | PROT_WRITE,
					 MAP_SHARED | MAP_POPULATE, fd, IORING_OFF_SQES);
	if (sq == MAP_FAILED || cq == MAP_FAILED || sqes == MAP_FAILED)
		return -ENOMEM;
	unsigned tail = *(unsigned *)(sq + p.sq_off.tail);
	unsigned idx = tail & *(unsigned *)(sq + p.sq_off.ring_mask);
	sqes[idx] = *req;
	((unsigned *)(sq + p.sq_off.array))[idx] = idx;
	__atomic_store_n((unsigned *)(sq + p.sq_off.tail), tail + 1, __ATOMIC_RELEASE);
	report("io_uring_enter", syscall(SYS_io_uring_enter, fd, 1, 1, IORING_ENTER_GETEVENTS, NULL, 0));
	unsigned head = *(unsigned *)(cq + p.cq_off.head);
	struct io_uring_cqe *cqe = (struct io_uring_cqe *)(cq + p.cq_off.cqes) +
				   (head & *(unsigned *)(cq + p.cq_off.ring_mask));
	long res = cqe->res;
	__atomic_store_n((unsigned *)(cq + p.cq_off.head), head + 1, __ATOMIC_RELEASE);
	report("io_uring_register", syscall(SYS_io_uring_register, fd, IORING_REGISTER_PROBE, NULL, 0));
	close(fd);
	return res;
}

static void blind_spots(const char *dir, int port)
{
	char path[512], buf[16] = "saker-blind";
	snprintf(path, sizeof(path), "%s/blind", dir);
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	report("write", write(fd, buf, 11));
	report("pwrite", pwrite(fd, buf, 5, 0));
	lseek(fd, 0, SEEK_SET);
	report("read", read(fd, buf, sizeof(buf)));
	report("chown", chown(path, getuid(), 4242));
	report("lchown", lchown(path, -1, 4243));
	report("fchown", fchown(fd, -1, 4244));
	report("fchownat", fchownat(AT_FDCWD, path, -1, 4245, AT_SYMLINK_NOFOLLOW));
	report("kill", kill(getpid(), 0));
	report("tgkill", syscall(SYS_tgkill, getpid(), getpid(), 0));
	report("tkill", syscall(SYS_tkill, getpid(), 0));
	report("setreuid", setreuid(-1, -1));
	report("setregid", setregid(-1, -1));
	report("setresgid", setresgid(-1, -1, -1));
	void *page = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	printf("mmap %ld\n", (long)page);
	report("mprotect", mprotect(page, 4096, PROT_READ | PROT_EXEC));
	int pidfd = syscall(SYS_pidfd_open, getpid(), 0);
	report("pidfd_open", pidfd);
	report("pidfd_getfd", syscall(SYS_pidfd_getfd, pidfd, fd, 0));
	report("fsopen", syscall(SYS_fsopen, "tmpfs", 0));
	report("close_range", syscall(SYS_close_range, 900, 910, 0));
	pid_t child = fork();
	if (child == 0) {
		report("setsid", setsid());
		report("chroot", chroot("/nonexistent-saker-root"));
		_exit(0);
	}
	waitpid(child, NULL, 0);
	struct io_uring_sqe open_req = {.opcode = IORING_OP_OPENAT, .fd = AT_FDCWD,
					.addr = (unsigned long)"/etc/hostname", .open_flags = O_RDONLY};
	printf("uring_openat %ld\n", uring_one(&open_req));
	struct sockaddr_in dst = {.sin_family = AF_INET, .sin_port = htons(port)};
	inet_pton(AF_INET, "127.0.0.1", &dst.sin_addr);
	int s = socket(AF_INET, SOCK_STREAM, 0);
	struct io_uring_sqe connect_req = {.opcode = IORING_OP_CONNECT, .fd = s,
					   .addr = (unsigned long)&dst, .off = sizeof(dst)};
	printf("uring_connect %ld\n", uring_one(&connect_req));
	close(s);
	close(fd);
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 4 && strcmp(argv[1], "all") == 0) {
		printf("pid %d\n", getpid());
		/* marks where the calls under test begin (the loader's own opens come before) */
		open("/saker-exercise-begin", O_RDONLY);
		files(argv[2]);
		network(atoi(argv[3]));
		more_connects(argv[2]);
		processes();
		system_calls(argv[2]);
		return 0;
	}
	if (argc == 3 && strcmp(argv[1], "flood") == 0) {
		long n = atol(argv[2]);
		for (long i = 0; i < n; i++)
			close(open("/dev/null", O_RDONLY));
		return 0;
	}
	if (argc == 2 && strcmp(argv[1], "execveat") == 0) {
		char *args[] = {"true", "via-execveat", NULL}, *envp[] = {NULL};
		return report("execveat", syscall(SYS_execveat, AT_FDCWD, "/bin/true", args, envp, 0));
	}
	if (argc == 4 && strcmp(argv[1], "blind") == 0) {
		printf("pid %d\n", getpid());
		blind_spots(argv[2], atoi(argv[3]));
		return 0;
	}
	if (argc == 3 && strcmp(argv[1], "int80open") == 0) {
		/* ia32 arguments are 32 bits: the path must sit below 4 GiB */
		char *low = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT, -1, 0);
		if (low == MAP_FAILED)
			return 1;
		snprintf(low, 4096, "%s", argv[2]);
		long r;
		asm volatile("int $0x80" : "=a"(r) : "a"(5L), "b"(low), "c"((long)O_RDONLY) : "memory");
		printf("int80open %ld\n", r);
		return 0;
	}
	if (argc == 3 && strcmp(argv[1], "open") == 0) {
		report("openat", open(argv[2], O_RDONLY | O_CLOEXEC));
		return 0;
	}
	if (argc == 3 && strcmp(argv[1], "connect") == 0) {
		struct sockaddr_in dst = {.sin_family = AF_INET, .sin_port = htons(atoi(argv[2]))};
		struct sockaddr_in local;
		socklen_t len = sizeof(local);
		inet_pton(AF_INET, "127.0.0.1", &dst.sin_addr);
		int s = socket(AF_INET, SOCK_STREAM, 0);
		report("connect", connect(s, (struct sockaddr *)&dst, sizeof(dst)));
		getsockname(s, (struct sockaddr *)&local, &len);
		printf("connect_lport %d\n", ntohs(local.sin_port));
		return 0;
	}
	fprintf(stderr, "usage: exercise all <dir> <port> | blind <dir> <port> | flood <n> | open <path> | connect <port> | execveat\n");
	return 1;
}
