/* Socket addresses in the libs encodings.
 *   SOCKADDR  (from a user sockaddr): family u8, then ipv4 u32 + port u16 | ipv6 16B + port u16 |
 *             unix path (NUL-terminated).
 *   SOCKTUPLE (from the kernel socket): family u8, then sip sport dip dport for inet families, or
 *             two kernel socket pointers + the peer path for unix sockets.
 * Addresses stay in network byte order, ports are converted to host order, as libs does.
 */
#ifndef SAKER_SOCK_BPF_H
#define SAKER_SOCK_BPF_H

enum direction { OUTBOUND, INBOUND };

/* The struct socket behind an fd, or NULL when the fd is not a socket. Sockets are recognised by
 * their inode type: a socket inode only ever backs socket files (or O_PATH files, which have no
 * private_data). */
static __always_inline struct socket *fd_socket(__s64 fd)
{
	struct file *f = fd_file(fd);
	if (!f)
		return NULL;
	if ((KR(f, f_inode, i_mode) & K_S_IFMT) != K_S_IFSOCK)
		return NULL;
	void *sock = KR(f, private_data);
	return sock ? AS(struct socket, sock) : NULL;
}

static __always_inline __u16 ntohs16(__u16 v)
{
	return (v >> 8) | (v << 8);
}

static __always_inline void put_sockaddr(struct rec *r, const void *uaddr, __u64 addrlen)
{
	__u32 start = r->pos;
	__u16 family = 0;

	if (!uaddr || addrlen < 2 || bpf_probe_read_user(&family, sizeof(family), uaddr)) {
		put_empty(r);
		return;
	}
	switch (family) {
	case K_AF_INET: {
		struct sockaddr_in in = {};
		bpf_probe_read_user(&in, sizeof(in), uaddr);
		raw_u8(r, K_AF_INET);
		raw_u32(r, in.sin_addr.s_addr);
		raw_u16(r, ntohs16(in.sin_port));
		break;
	}
	case K_AF_INET6: {
		struct sockaddr_in6 in6 = {};
		bpf_probe_read_user(&in6, sizeof(in6), uaddr);
		raw_u8(r, K_AF_INET6);
		raw_u64(r, *(__u64 *)&in6.sin6_addr.in6_u.u6_addr8[0]);
		raw_u64(r, *(__u64 *)&in6.sin6_addr.in6_u.u6_addr8[8]);
		raw_u16(r, ntohs16(in6.sin6_port));
		break;
	}
	case K_AF_UNIX: {
		const char *path = (const char *)uaddr + 2;
		char first = 0;
		bpf_probe_read_user(&first, 1, path);
		raw_u8(r, K_AF_UNIX);
		/* abstract sockets start with a NUL: skip it */
		raw_str(r, first ? path : path + 1, 109, true);
		break;
	}
	default:
		break;
	}
	put_len(r, r->pos - start);
}

static __always_inline void put_socktuple(struct rec *r, __s64 fd, enum direction dir,
					  const void *uaddr)
{
	struct socket *sock = fd_socket(fd);
	struct sock *sk = sock ? KR(sock, sk) : NULL;
	__u32 start = r->pos;

	if (!sk) {
		put_empty(r);
		return;
	}
	__u16 family = KR(sk, __sk_common.skc_family);
	switch (family) {
	case K_AF_INET: {
		struct inet_sock *inet = AS(struct inet_sock, sk);
		__u32 lip = KR(inet, inet_saddr);
		__u16 lport = KR(inet, inet_sport);
		__u32 rip = KR(sk, __sk_common.skc_daddr);
		__u16 rport = KR(sk, __sk_common.skc_dport);
		/* unconnected UDP (sendto/sendmsg with an address): the peer is the user's */
		if (rport == 0 && uaddr) {
			struct sockaddr_in in = {};
			bpf_probe_read_user(&in, sizeof(in), uaddr);
			rip = in.sin_addr.s_addr;
			rport = in.sin_port;
		}
		raw_u8(r, K_AF_INET);
		if (dir == OUTBOUND) {
			raw_u32(r, lip);
			raw_u16(r, ntohs16(lport));
			raw_u32(r, rip);
			raw_u16(r, ntohs16(rport));
		} else {
			raw_u32(r, rip);
			raw_u16(r, ntohs16(rport));
			raw_u32(r, lip);
			raw_u16(r, ntohs16(lport));
		}
		break;
	}
	case K_AF_INET6: {
		struct inet_sock *inet = (struct inet_sock *)sk;
		struct in6_addr lip = {}, rip = {};
		BPF_CORE_READ_INTO(&lip, inet, pinet6, saddr);
		BPF_CORE_READ_INTO(&rip, sk, __sk_common.skc_v6_daddr);
		__u16 lport = BPF_CORE_READ(inet, inet_sport);
		__u16 rport = BPF_CORE_READ(sk, __sk_common.skc_dport);
		if (rport == 0 && uaddr) {
			struct sockaddr_in6 in6 = {};
			bpf_probe_read_user(&in6, sizeof(in6), uaddr);
			rip = in6.sin6_addr;
			rport = in6.sin6_port;
		}
		struct in6_addr *first = dir == OUTBOUND ? &lip : &rip;
		struct in6_addr *second = dir == OUTBOUND ? &rip : &lip;
		raw_u8(r, K_AF_INET6);
		raw_u64(r, *(__u64 *)&first->in6_u.u6_addr8[0]);
		raw_u64(r, *(__u64 *)&first->in6_u.u6_addr8[8]);
		raw_u16(r, ntohs16(dir == OUTBOUND ? lport : rport));
		raw_u64(r, *(__u64 *)&second->in6_u.u6_addr8[0]);
		raw_u64(r, *(__u64 *)&second->in6_u.u6_addr8[8]);
		raw_u16(r, ntohs16(dir == OUTBOUND ? rport : lport));
		break;
	}
	case K_AF_UNIX: {
		struct unix_sock *local = (struct unix_sock *)sk;
		struct unix_sock *peer = (struct unix_sock *)BPF_CORE_READ(local, peer);
		const char *path = NULL;
		raw_u8(r, K_AF_UNIX);
		if (dir == OUTBOUND) {
			raw_u64(r, (__u64)peer);
			raw_u64(r, (__u64)local);
			if (peer)
				path = (const char *)BPF_CORE_READ(peer, addr) + bpf_core_field_offset(struct unix_address, name);
		} else {
			raw_u64(r, (__u64)local);
			raw_u64(r, (__u64)peer);
			path = (const char *)BPF_CORE_READ(local, addr) + bpf_core_field_offset(struct unix_address, name);
		}
		if (dir == OUTBOUND && !peer && uaddr) {
			/* not connected yet: the address the caller passed */
			char first = 0;
			const char *up = (const char *)uaddr + 2;
			bpf_probe_read_user(&first, 1, up);
			raw_str(r, first ? up : up + 1, 109, true);
		} else if (path && (__u64)path > bpf_core_field_offset(struct unix_address, name)) {
			/* struct sockaddr_un: 2 bytes of family, then sun_path */
			char first = 0;
			path += 2;
			bpf_probe_read_kernel(&first, 1, path);
			raw_str(r, first ? path : path + 1, 109, false);
		} else {
			raw_u8(r, 0);
		}
		break;
	}
	default:
		put_empty(r);
		return;
	}
	put_len(r, r->pos - start);
}

#endif
