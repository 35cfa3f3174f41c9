/* Memory mappings and cross-process memory access: mmap and mprotect with their protections
 * (what rules on PROT_EXEC read), process_vm_writev/readv with the first bytes moved. */
#ifndef SAKER_MEMORY_BPF_H
#define SAKER_MEMORY_BPF_H

HANDLER
int BPF_PROG(sx_mmap, struct pt_regs *regs, long ret)
{
	struct mm_struct *mm = KR(current_task(), mm);
	struct rec *r;

	if (!(r = rec_begin(PPME_SYSCALL_MMAP_X, 10, DK_OTHER)))
		return 0;
	put_s64(r, ret);
	put_u32(r, mm_vm_size(mm));
	put_u32(r, mm_rss(mm));
	put_u32(r, mm_swap(mm));
	put_u64(r, syscall_arg(regs, 0));
	put_u64(r, syscall_arg(regs, 1));
	put_u32(r, prot_to_ppm(syscall_arg(regs, 2)));
	put_u32(r, mmap_flags_to_ppm(syscall_arg(regs, 3)));
	put_s64(r, (__s32)syscall_arg(regs, 4));
	put_u64(r, syscall_arg(regs, 5));
	rec_submit(r);
	return 0;
}

HANDLER
int BPF_PROG(sx_mprotect, struct pt_regs *regs, long ret)
{
	struct rec *r;

	if (!(r = rec_begin(PPME_SYSCALL_MPROTECT_X, 4, DK_OTHER)))
		return 0;
	put_s64(r, ret);
	put_u64(r, syscall_arg(regs, 0));
	put_u64(r, syscall_arg(regs, 1));
	put_u32(r, prot_to_ppm(syscall_arg(regs, 2)));
	rec_submit(r);
	return 0;
}

/* res, pid, data: the first snaplen bytes of the local iovecs (what was written into, or read
 * out of, the other process). */
static __always_inline void emit_process_vm(struct pt_regs *regs, long ret, __u16 type)
{
	struct rec *r;

	if (!(r = rec_begin(type, 3, DK_OTHER)))
		return;
	put_s64(r, ret);
	put_s64(r, (__s32)syscall_arg(regs, 0));
	if (ret > 0)
		put_iov_data(r, (const struct iovec *)syscall_arg(regs, 1), syscall_arg(regs, 2),
			     snaplen_for(ret, ret));
	else
		put_empty(r);
	rec_submit(r);
}

HANDLER
int BPF_PROG(sx_process_vm_writev, struct pt_regs *regs, long ret)
{
	emit_process_vm(regs, ret, PPME_SYSCALL_PROCESS_VM_WRITEV_X);
	return 0;
}

HANDLER
int BPF_PROG(sx_process_vm_readv, struct pt_regs *regs, long ret)
{
	emit_process_vm(regs, ret, PPME_SYSCALL_PROCESS_VM_READV_X);
	return 0;
}

#endif
