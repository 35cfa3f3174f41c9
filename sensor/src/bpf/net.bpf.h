/* Socket syscalls. Tuples come from the kernel socket (what was really connected), addresses
 * from the caller's sockaddr; send/recv keep the first `cfg.snaplen` payload bytes. */
#ifndef SAKER_NET_BPF_H
#define SAKER_NET_BPF_H

#define IOV_SCAN 32

HANDLER
int BPF_PROG(sx_socket, struct pt_regs *regs, long ret)
{
	__u32 type = syscall_arg(regs, 1);
	struct rec *r;

	if (!(r = rec_begin(PPME_SOCKET_SOCKET_X, 5, DK_OTHER)))
		return 0;
	put_s64(r, ret);
	put_u32(r, family_to_ppm(syscall_arg(regs, 0)));
	put_u32(r, type);
	put_u32(r, syscall_arg(regs, 2));
	put_u32(r, fd_flags_to_ppm(type));
	rec_submit(r);
	return 0;
}

HANDLER
int BPF_PROG(sx_connect, struct pt_regs *regs, long ret)
{
	__s64 fd = (__s32)syscall_arg(regs, 0);
	const void *uaddr = (const void *)syscall_arg(regs, 1);
	struct rec *r;

	if (!(r = rec_begin(PPME_SOCKET_CONNECT_X, 4, DK_CONNECT)))
		return 0;
	put_s64(r, ret);
	if (ret == 0 || ret == -K_EINPROGRESS)
		put_socktuple(r, fd, OUTBOUND, uaddr);
	else
		put_empty(r);
	put_s64(r, fd);
	put_sockaddr(r, uaddr, syscall_arg(regs, 2));
	rec_submit(r);
	return 0;
}

/* accept and accept4: the new fd's tuple (remote first) and the listening socket's backlog. */
static __always_inline void emit_accept(struct pt_regs *regs, long ret, bool four)
{
	__u32 qlen = 0, qmax = 0;
	__u8 qpct = 0;
	struct rec *r;

	if (!(r = rec_begin(four ? PPME_SOCKET_ACCEPT4_6_X : PPME_SOCKET_ACCEPT_5_X, four ? 6 : 5,
		       DK_OTHER)))
		return;
	put_s64(r, ret);
	if (ret >= 0) {
		put_socktuple(r, ret, INBOUND, NULL);
		struct socket *ls = fd_socket((__s32)syscall_arg(regs, 0));
		struct sock *sk = ls ? BPF_CORE_READ(ls, sk) : NULL;
		if (sk) {
			qlen = BPF_CORE_READ(sk, sk_ack_backlog);
			qmax = BPF_CORE_READ(sk, sk_max_ack_backlog);
			if (qlen && qmax)
				qpct = (__u64)qlen * 100 / qmax;
		}
	} else {
		put_empty(r);
	}
	put_u8(r, qpct);
	put_u32(r, qlen);
	put_u32(r, qmax);
	if (four)
		put_u32(r, fd_flags_to_ppm(syscall_arg(regs, 3)));
	rec_submit(r);
}

HANDLER
int BPF_PROG(sx_accept, struct pt_regs *regs, long ret)
{
	emit_accept(regs, ret, false);
	return 0;
}

HANDLER
int BPF_PROG(sx_accept4, struct pt_regs *regs, long ret)
{
	emit_accept(regs, ret, true);
	return 0;
}

HANDLER
int BPF_PROG(sx_bind, struct pt_regs *regs, long ret)
{
	struct rec *r;

	if (!(r = rec_begin(PPME_SOCKET_BIND_X, 3, DK_OTHER)))
		return 0;
	put_s64(r, ret);
	put_sockaddr(r, (const void *)syscall_arg(regs, 1), syscall_arg(regs, 2));
	put_s64(r, (__s32)syscall_arg(regs, 0));
	rec_submit(r);
	return 0;
}

HANDLER
int BPF_PROG(sx_listen, struct pt_regs *regs, long ret)
{
	struct rec *r;

	if (!(r = rec_begin(PPME_SOCKET_LISTEN_X, 3, DK_OTHER)))
		return 0;
	put_s64(r, ret);
	put_s64(r, (__s32)syscall_arg(regs, 0));
	put_u32(r, syscall_arg(regs, 1));
	rec_submit(r);
	return 0;
}

static __always_inline __u32 snaplen_for(long ret, __u64 size)
{
	__u64 n = cfg.snaplen;

	if (ret >= 0 && (__u64)ret < n)
		n = ret;
	if (size < n)
		n = size;
	return n;
}

HANDLER
int BPF_PROG(sx_sendto, struct pt_regs *regs, long ret)
{
	__s64 fd = (__s32)syscall_arg(regs, 0);
	__u64 size = syscall_arg(regs, 2);
	struct rec *r;

	if (!(r = rec_begin(PPME_SOCKET_SENDTO_X, 5, DK_OTHER)))
		return 0;
	put_s64(r, ret);
	put_ubytes(r, (const void *)syscall_arg(regs, 1), snaplen_for(ret, size));
	put_s64(r, fd);
	put_u32(r, size);
	if (ret >= 0)
		put_socktuple(r, fd, OUTBOUND, (const void *)syscall_arg(regs, 4));
	else
		put_empty(r);
	rec_submit(r);
	return 0;
}

HANDLER
int BPF_PROG(sx_recvfrom, struct pt_regs *regs, long ret)
{
	__s64 fd = (__s32)syscall_arg(regs, 0);
	struct rec *r;

	if (!(r = rec_begin(PPME_SOCKET_RECVFROM_X, 5, DK_OTHER)))
		return 0;
	put_s64(r, ret);
	if (ret >= 0) {
		put_ubytes(r, (const void *)syscall_arg(regs, 1), snaplen_for(ret, ret));
		put_socktuple(r, fd, INBOUND, (const void *)syscall_arg(regs, 4));
	} else {
		put_empty(r);
		put_empty(r);
	}
	put_s64(r, fd);
	put_u32(r, syscall_arg(regs, 2));
	rec_submit(r);
	return 0;
}

/* The first `want` bytes spread over an iovec array, as one BYTEBUF; returns bytes written. */
static __always_inline __u32 put_iov_data(struct rec *r, const struct iovec *iov, __u64 cnt,
					  __u32 want)
{
	__u32 start = r->pos;

	for (int i = 0; i < IOV_SCAN; i++) {
		struct iovec v = {};
		__u32 got = r->pos - start;
		if (i >= cnt || got >= want)
			break;
		if (bpf_probe_read_user(&v, sizeof(v), &iov[i]))
			break;
		__u64 n = v.iov_len < want - got ? v.iov_len : want - got;
		raw_ubytes(r, v.iov_base, n);
	}
	put_len(r, r->pos - start);
	return r->pos - start;
}

static __always_inline __u64 iov_total(const struct iovec *iov, __u64 cnt)
{
	__u64 total = 0;

	for (int i = 0; i < IOV_SCAN; i++) {
		struct iovec v = {};
		if (i >= cnt || bpf_probe_read_user(&v, sizeof(v), &iov[i]))
			break;
		total += v.iov_len;
	}
	return total;
}

HANDLER
int BPF_PROG(sx_sendmsg, struct pt_regs *regs, long ret)
{
	__s64 fd = (__s32)syscall_arg(regs, 0);
	struct user_msghdr msg = {};
	struct rec *r;

	if (!(r = rec_begin(PPME_SOCKET_SENDMSG_X, 5, DK_OTHER)))
		return 0;
	put_s64(r, ret);
	if (bpf_probe_read_user(&msg, sizeof(msg), (const void *)syscall_arg(regs, 1))) {
		put_empty(r);
		put_s64(r, fd);
		put_empty(r);
		put_empty(r);
	} else {
		__u64 size = iov_total(msg.msg_iov, msg.msg_iovlen);
		put_iov_data(r, msg.msg_iov, msg.msg_iovlen, snaplen_for(ret, size));
		put_s64(r, fd);
		put_u32(r, size);
		if (ret >= 0)
			put_socktuple(r, fd, OUTBOUND, msg.msg_name);
		else
			put_empty(r);
	}
	rec_submit(r);
	return 0;
}

HANDLER
int BPF_PROG(sx_recvmsg, struct pt_regs *regs, long ret)
{
	__s64 fd = (__s32)syscall_arg(regs, 0);
	struct user_msghdr msg = {};
	struct rec *r;

	if (!(r = rec_begin(PPME_SOCKET_RECVMSG_X, 6, DK_OTHER)))
		return 0;
	put_s64(r, ret);
	if (ret >= 0 && !bpf_probe_read_user(&msg, sizeof(msg), (const void *)syscall_arg(regs, 1))) {
		put_u32(r, ret);
		put_iov_data(r, msg.msg_iov, msg.msg_iovlen, snaplen_for(ret, ret));
		put_socktuple(r, fd, INBOUND, msg.msg_name);
		if (msg.msg_control && msg.msg_controllen > 0 && msg.msg_controllen <= 0xffff)
			put_ubytes(r, msg.msg_control, msg.msg_controllen);
		else
			put_empty(r);
	} else {
		put_u32(r, 0);
		put_empty(r);
		put_empty(r);
		put_empty(r);
	}
	put_s64(r, fd);
	rec_submit(r);
	return 0;
}

HANDLER
int BPF_PROG(sx_socketpair, struct pt_regs *regs, long ret)
{
	__s32 fds[2] = {-1, -1};
	__u64 source = 0, peer = 0;
	struct rec *r;

	if (!(r = rec_begin(PPME_SOCKET_SOCKETPAIR_X, 8, DK_OTHER)))
		return 0;
	if (ret == 0) {
		bpf_probe_read_user(fds, sizeof(fds), (const void *)syscall_arg(regs, 3));
		struct socket *s = fd_socket(fds[0]);
		if (s) {
			source = (__u64)BPF_CORE_READ(s, sk);
			peer = (__u64)BPF_CORE_READ((struct unix_sock *)source, peer);
		}
	}
	put_s64(r, ret);
	put_s64(r, fds[0]);
	put_s64(r, fds[1]);
	put_u64(r, source);
	put_u64(r, peer);
	put_u32(r, family_to_ppm(syscall_arg(regs, 0)));
	put_u32(r, syscall_arg(regs, 1));
	put_u32(r, syscall_arg(regs, 2));
	rec_submit(r);
	return 0;
}

#endif
