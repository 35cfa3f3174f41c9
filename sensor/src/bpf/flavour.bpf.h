/* The two builds of the same sources (see the Makefile):
 *   default        tp_btf programs. Kernel structures reached from a BTF-typed pointer (the
 *                  tracepoint arguments, the current task) are read with plain loads, which the
 *                  verifier turns into fault-safe ones: about a nanosecond each instead of a
 *                  bpf_probe_read_kernel call, and the open/connect paths make a dozen of them.
 *   SAKER_RAW_TP   raw_tp programs, the fallback for kernels that refuse tp_btf: every read is a
 *                  CO-RE probe read.
 * KR(p, a, b, ...) reads p->a->b... in either build. AS(type, p) turns an address obtained
 * otherwise (a probe read, a void * field, a cast to a containing struct) into a readable
 * `type *`. Code that walks through casts or variable array indexes uses BPF_CORE_READ, which
 * works in both.
 */
#ifndef SAKER_FLAVOUR_BPF_H
#define SAKER_FLAVOUR_BPF_H

#ifdef SAKER_RAW_TP

#define TP_PROG(tp) SEC("raw_tp/" tp)
#define HANDLER SEC("raw_tp")
#define KR(...) BPF_CORE_READ(__VA_ARGS__)
#define AS(type, p) ((type *)(p))

static __always_inline struct task_struct *current_task(void)
{
	return (struct task_struct *)bpf_get_current_task();
}

static __always_inline __u32 current_tid(void)
{
	return (__u32)bpf_get_current_pid_tgid();
}

/* `cur` is current_task(), which the tp_btf build reads the ids from. */
static __always_inline __u32 current_tgid(struct task_struct *cur)
{
	return bpf_get_current_pid_tgid() >> 32;
}

static __always_inline __u32 current_tid_of(struct task_struct *cur)
{
	return (__u32)bpf_get_current_pid_tgid();
}

/* The pointer stored at kernel address `addr` (NULL when unreadable). */
static __always_inline void *kload_ptr(const void *addr)
{
	void *v = NULL;

	bpf_probe_read_kernel(&v, sizeof(v), addr);
	return v;
}

#else

#define TP_PROG(tp) SEC("tp_btf/" tp)
#define HANDLER SEC("tp_btf/sys_exit")
#define KR(...) (___arrow(__VA_ARGS__))
#define AS(type, p) ((type *)bpf_rdonly_cast((void *)(p), bpf_core_type_id_kernel(type)))

extern void *bpf_rdonly_cast(void *obj, __u32 btf_id) __ksym;

static __always_inline struct task_struct *current_task(void)
{
	return bpf_get_current_task_btf();
}

/* Plain loads from the current task rather than a helper call, which under the kernel's return
 * thunks costs several nanoseconds on every event. */
static __always_inline __u32 current_tid(void)
{
	return bpf_get_current_task_btf()->pid;
}

static __always_inline __u32 current_tgid(struct task_struct *cur)
{
	return cur->tgid;
}

static __always_inline __u32 current_tid_of(struct task_struct *cur)
{
	return cur->pid;
}

/* The pointer stored at kernel address `addr` (NULL when unreadable): a cast to untrusted
 * read-only memory turns the read into one fault-safe load instead of a helper call. */
static __always_inline void *kload_ptr(const void *addr)
{
	return *(void **)bpf_rdonly_cast((void *)addr, 0);
}

#endif

#endif
