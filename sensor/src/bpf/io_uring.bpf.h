/* io_uring: its three syscalls, and what the rings do behind the syscall tracepoints' back.
 * Operations submitted through a ring never pass sys_exit; the io_uring tracepoints see them.
 * Two kinds are reported as the syscall events rules already match:
 *   IORING_OP_OPENAT / OPENAT2  -> openat / openat2 exit events (fd.name, flags, the result)
 *   IORING_OP_CONNECT           -> connect exit events (tuple from the socket, address)
 * At submission (io_uring_submit_req, in the submitter's context) the request's facts are kept
 * in `uring_pending` by request address; at completion (io_uring_complete) the event is written
 * with the result and the submitter's thread id. A request whose completion never comes (ring
 * torn down) ages out of the LRU map. Everything else a ring does (reads, writes, sends, ...)
 * is not seen: sensor/README.md lists it. */
#ifndef SAKER_IO_URING_BPF_H
#define SAKER_IO_URING_BPF_H

#define NR_CONNECT 42
#define NR_OPENAT2 437
#define K_IORING_OP_CONNECT 16
#define K_IORING_OP_OPENAT 18
#define K_IORING_OP_OPENAT2 28
#define K_EBADF 9
#define URING_PATH_MAX 4096

HANDLER
int BPF_PROG(sx_io_uring_setup, struct pt_regs *regs, long ret)
{
	struct io_uring_params p = {};
	struct rec *r;

	if (!(r = rec_begin(PPME_SYSCALL_IO_URING_SETUP_X, 8, DK_OTHER)))
		return 0;
	bpf_probe_read_user(&p, sizeof(p), (const void *)syscall_arg(regs, 1));
	put_s64(r, ret);
	put_u32(r, syscall_arg(regs, 0));
	put_u32(r, p.sq_entries);
	put_u32(r, p.cq_entries);
	put_u32(r, io_uring_setup_flags_to_ppm(p.flags));
	put_u32(r, p.sq_thread_cpu);
	put_u32(r, p.sq_thread_idle);
	put_u32(r, p.features & 0x7ff);
	rec_submit(r);
	return 0;
}

HANDLER
int BPF_PROG(sx_io_uring_enter, struct pt_regs *regs, long ret)
{
	struct rec *r;

	if (!(r = rec_begin(PPME_SYSCALL_IO_URING_ENTER_X, 6, DK_OTHER)))
		return 0;
	put_s64(r, ret);
	put_s64(r, (__s32)syscall_arg(regs, 0));
	put_u32(r, syscall_arg(regs, 1));
	put_u32(r, syscall_arg(regs, 2));
	put_u32(r, syscall_arg(regs, 3) & 0xf);
	put_u32(r, syscall_arg(regs, 4));
	rec_submit(r);
	return 0;
}

HANDLER
int BPF_PROG(sx_io_uring_register, struct pt_regs *regs, long ret)
{
	struct rec *r;

	if (!(r = rec_begin(PPME_SYSCALL_IO_URING_REGISTER_X, 5, DK_OTHER)))
		return 0;
	put_s64(r, ret);
	put_s64(r, (__s32)syscall_arg(regs, 0));
	put_u16(r, syscall_arg(regs, 1));
	put_u64(r, syscall_arg(regs, 2));
	put_u32(r, syscall_arg(regs, 3));
	rec_submit(r);
	return 0;
}

/* A submitted request, until its completion. */
struct uring_pending {
	__u32 tid, tgid;
	__u8 opcode;
	bool fixed_slot; /* opened into a registered-file slot: the result is no fd */
	__s32 dfd;
	__u64 flags, mode, resolve; /* open_how */
	__s32 fd;                   /* connect: the socket */
	const void *uaddr;          /* connect: the caller's sockaddr */
	__u32 addrlen;
	char path[URING_PATH_MAX];
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 1024);
	__type(key, __u64);
	__type(value, struct uring_pending);
} uring_pending SEC(".maps");

static __always_inline bool uring_op_wanted(__u8 op)
{
	return (op == K_IORING_OP_OPENAT && syscall_wanted(NR_OPENAT)) ||
	       (op == K_IORING_OP_OPENAT2 && syscall_wanted(NR_OPENAT2)) ||
	       (op == K_IORING_OP_CONNECT && syscall_wanted(NR_CONNECT));
}

/* The pending entry is assembled in this CPU's scratch path area (too big for the stack). */
static __always_inline int uring_submit(struct io_kiocb *req)
{
	__u8 op = KR(req, opcode);
	struct task_struct *t = current_task();
	__u32 cpu = bpf_get_smp_processor_id();

	if (!uring_op_wanted(op) || tgid_ignored(current_tgid(t)))
		return 0;
	struct rec *scratch = bpf_map_lookup_elem(&scratch_map, &cpu);
	if (!scratch)
		return 0;
	struct uring_pending *v = (struct uring_pending *)scratch->path;
	v->tid = current_tid_of(t);
	v->tgid = current_tgid(t);
	v->opcode = op;
	if (op == K_IORING_OP_CONNECT) {
		struct io_connect *c = AS(struct io_connect, req);
		v->fd = KR(req, cqe.fd);
		v->uaddr = KR(c, addr);
		v->addrlen = KR(c, addr_len);
		v->path[0] = 0;
	} else {
		struct io_open *o = AS(struct io_open, req);
		v->dfd = KR(o, dfd);
		v->fixed_slot = KR(o, file_slot) != 0;
		v->flags = KR(o, how.flags);
		v->mode = KR(o, how.mode);
		v->resolve = KR(o, how.resolve);
		const char *name = BPF_CORE_READ(o, filename, name);
		if (bpf_probe_read_kernel_str(v->path, sizeof(v->path), name) < 0)
			v->path[0] = 0;
	}
	__u64 key = (__u64)req;
	bpf_map_update_elem(&uring_pending, &key, v, BPF_ANY);
	return 0;
}

static __always_inline void uring_emit_open(struct uring_pending *v, long res, bool same_files)
{
	bool two = v->opcode == K_IORING_OP_OPENAT2;
	struct opened o = {};
	struct rec *r;

	if (!(r = rec_begin_tid(two ? PPME_SYSCALL_OPENAT2_X : PPME_SYSCALL_OPENAT_2_X, two ? 8 : 7,
				DK_OPEN, v->tid)))
		return;
	if (v->fixed_slot && res >= 0)
		res = -K_EBADF; /* no fd of the process holds the file: see sensor/README.md */
	if (res >= 0 && same_files) {
		inspect_opened(res, &o);
		pf_forget(current_task(), res);
	}
	put_s64(r, res);
	put_s64(r, dirfd_to_ppm(v->dfd));
	put_kstr(r, v->path, STR_MAX);
	put_u32(r, open_flags_to_ppm(v->flags) | o.flags);
	put_u32(r, open_mode_to_ppm(v->flags, v->mode));
	if (two)
		put_u32(r, resolve_to_ppm(v->resolve));
	put_u32(r, o.dev);
	put_u64(r, o.ino);
	rec_submit(r);
}

static __always_inline void uring_emit_connect(struct uring_pending *v, long res, bool same_files)
{
	struct rec *r;

	if (!(r = rec_begin_tid(PPME_SOCKET_CONNECT_X, 4, DK_CONNECT, v->tid)))
		return;
	put_s64(r, res);
	if ((res == 0 || res == -K_EINPROGRESS) && same_files)
		put_socktuple(r, v->fd, OUTBOUND, v->uaddr);
	else
		put_empty(r);
	put_s64(r, v->fd);
	put_sockaddr(r, v->uaddr, v->addrlen);
	rec_submit(r);
}

/* Completion runs in the submitter (task work), an io-wq worker of its process, or the SQPOLL
 * thread: the fd table and memory are the submitter's when the thread group is. */
static __always_inline int uring_complete(void *req, struct io_uring_cqe *cqe)
{
	__u64 key = (__u64)req;
	struct uring_pending *v = bpf_map_lookup_elem(&uring_pending, &key);

	if (!v)
		return 0;
	long res = BPF_CORE_READ(cqe, res);
	bool same_files = current_tgid(current_task()) == v->tgid;
	if (v->opcode == K_IORING_OP_CONNECT)
		uring_emit_connect(v, res, same_files);
	else
		uring_emit_open(v, res, same_files);
	bpf_map_delete_elem(&uring_pending, &key);
	return 0;
}

TP_PROG("io_uring_submit_req")
int BPF_PROG(on_uring_submit, struct io_kiocb *req)
{
	return uring_submit(req);
}

TP_PROG("io_uring_complete")
int BPF_PROG(on_uring_complete, struct io_ring_ctx *ring, void *req, struct io_uring_cqe *cqe)
{
	return uring_complete(req, cqe);
}

#endif
