/* The open prefilter: opens no loaded rule can care about stay in the kernel, before the clock
 * read and the path copy, and so do the closes of their fds. What "cannot care" means is derived
 * from the rules by the engine (src/rules/open-prefilter-rules.ts) and written into `cfg.pf_*`
 * and `pf_paths`; src/capture/live/open-prefilter.ts decides exactly as this file does (the
 * equivalence tests replay captures through it). sensor/README.md says why each step is safe.
 *
 * An open is dropped only when all of these hold:
 *  - its path is absolute, at most SENSOR_PF_PATH - 1 bytes, ASCII, without '//', '/.', '..'
 *    or a trailing '/' (then libs' fd.name is the path as given, and no traversal test fires);
 *  - no term holds for it: the terms its path satisfies (pf_paths, longest prefix, whose value
 *    carries the shorter prefixes' terms too, and cfg.pf_any_path) share no bit with the terms
 *    its flags satisfy (cfg.pf_group_*);
 *  - it failed, or the fd it made is a regular file or a character device outside nsfs and
 *    procfs (never a directory, a later dirfd or fchdir target; never a namespace file);
 *  - when it succeeded, its path text is the path of the file opened (pf_text_is_file: no other
 *    thread rewrote the text after the kernel read it, no symbolic link on the way).
 */
#ifndef SAKER_PREFILTER_BPF_H
#define SAKER_PREFILTER_BPF_H

#define K_S_IFCHR 0020000
#define K_NSFS_MAGIC 0x6e736673
#define K_PROC_SUPER_MAGIC 0x9fa0
#define NR_PIPE 22
#define NR_SOCKETPAIR 53
#define NR_PIPE2 293

#define PF_OPENAT_FIXED (HDR_SIZE + 7 * 2 + 8 + 8 + 4 + 4 + 4 + 8)

#define PF_ONES 0x0101010101010101ULL
#define PF_HIGH 0x8080808080808080ULL
#define PF_LOW7 0x7f7f7f7f7f7f7f7fULL

/* 0x80 in every byte of w equal to byte c (exact: no carries between bytes). */
static __always_inline __u64 pf_bytes_eq(__u64 w, __u8 c)
{
	__u64 x = w ^ (PF_ONES * c);
	__u64 t = ((x & PF_LOW7) + PF_LOW7) | x;
	return ~t & PF_HIGH;
}

/* The first `len` bytes of k->data are a path the engine names as given (see above). Eight
 * bytes at a time: a pair of '/' or '.' bytes, other than "./", is refused. */
static __always_inline bool pf_comparable(struct sensor_pf_key *k, __u32 len)
{
	__u64 prev_slash = 0, prev_dot = 0;

	if (len < 2 || len >= SENSOR_PF_PATH || k->data[0] != '/' || k->data[(len - 1) & (SENSOR_PF_PATH - 1)] == '/')
		return false;
	for (__u32 i = 0; i < SENSOR_PF_PATH / 8; i++) {
		if (i * 8 >= len)
			break;
		__u64 w = *(__u64 *)&k->data[i * 8];
		__u32 rem = len - i * 8;
		if (rem < 8)
			w &= (1ULL << (rem * 8)) - 1;
		if (w & PF_HIGH)
			return false;
		__u64 slash = pf_bytes_eq(w, '/'), dot = pf_bytes_eq(w, '.');
		__u64 either = slash | dot;
		__u64 bad = (slash & (either >> 8)) | (dot & (dot >> 8)) | (prev_slash & either) | (prev_dot & dot);
		if (bad)
			return false;
		prev_slash = slash >> 56;
		prev_dot = dot >> 56;
	}
	return true;
}

/* The terms the last component of the path (k->data, `len` bytes, comparable) satisfies: its
 * fingerprint (shared.h) looked up in pf_bases, read straight from the scratch path, eight bytes
 * at a time. */
static __always_inline __u64 pf_base_terms(struct pf_path_scratch *k, __u32 len)
{
	__u32 start = 0;

	for (__u32 j = 1; j <= SENSOR_PF_BASE; j++) {
		if (j > len)
			break;
		if (k->key.data[(len - j) & (SENSOR_PF_PATH - 1)] == '/') {
			start = len - j + 1;
			break;
		}
	}
	if (start == 0) /* longer than any entry */
		return 0;
	__u32 blen = len - start;
	if (blen == 0 || blen >= SENSOR_PF_BASE)
		return 0;
	__u64 h = blen;
	for (__u32 i = 0; i < SENSOR_PF_BASE / 8; i++) {
		if (i * 8 >= blen)
			break;
		__u32 at = (start & (SENSOR_PF_PATH - 1)) + i * 8;
		__u64 w = *(__u64 *)&k->key.data[at];
		__u32 rem = blen - i * 8;
		if (rem < 8)
			w &= (1ULL << (rem * 8)) - 1;
		h = sensor_pf_mix(h, w);
	}
	__u64 *v = bpf_map_lookup_elem(&pf_bases, &h);
	return v ? *v : 0;
}

/* The dropped-fd bits of t's fd table, NULL when it has none (or they are another process's). */
static __always_inline struct pf_fds *pf_fds_of(struct task_struct *t)
{
	__u64 files = (__u64)KR(t, files);
	struct pf_fds *v = bpf_map_lookup_elem(&pf_dropped, &files);

	return v && v->tgid == current_tgid(t) ? v : NULL;
}

/* The word of pf_fds.bits holding fd `fd`'s bit (the masking kept from the compiler, which would
 * fold it into the caller's range check that the verifier does not tie to this copy of fd). */
static __always_inline __u64 *pf_word(struct pf_fds *v, long fd)
{
	__u32 i = (__u32)fd >> 6;

	barrier_var(i);
	return &v->bits[i & (PF_FD_WORDS - 1)];
}

/* Marks fd `fd` of t's fd table as dropped; false when it cannot (the close is then sent). */
static __always_inline bool pf_mark(struct task_struct *t, long fd)
{
	if (fd < 0 || fd >= PF_FD_BITS)
		return false;
	__u64 bit = 1ULL << (fd & 63);
	struct pf_fds *v = pf_fds_of(t);
	if (v) {
		__sync_fetch_and_or(pf_word(v, fd), bit);
		return true;
	}
	/* the process's first: a fresh entry (two threads racing here may lose one bit: that close
	 * is sent) */
	__u32 zero = 0;
	struct pf_fds *fresh = bpf_map_lookup_elem(&pf_fds_scratch, &zero);
	if (!fresh)
		return false;
	__builtin_memset(fresh, 0, sizeof(*fresh));
	fresh->tgid = current_tgid(t);
	*pf_word(fresh, fd) = bit;
	__u64 files = (__u64)KR(t, files);
	return bpf_map_update_elem(&pf_dropped, &files, fresh, BPF_ANY) == 0;
}

/* Takes fd `fd`'s mark off; whether it had one. */
static __always_inline bool pf_unmark(struct task_struct *t, long fd)
{
	if (fd < 0 || fd >= PF_FD_BITS)
		return false;
	struct pf_fds *v = pf_fds_of(t);
	if (!v)
		return false;
	__u64 bit = 1ULL << (fd & 63);
	__u64 *w = pf_word(v, fd);
	if (!(*w & bit))
		return false;
	return __sync_fetch_and_and(w, ~bit) & bit;
}

/* An fd the engine learns of: its close must be sent. */
static __always_inline void pf_forget(struct task_struct *t, long fd)
{
	if (!cfg.prefilter_close)
		return;
	pf_unmark(t, fd);
}

/* Called for every captured syscall but openat and close: whatever fd it made is one the engine
 * learns of (a result that is no fd only costs a lookup). pipe and socketpair write theirs to
 * user memory. */
static __always_inline void pf_forget_created(struct task_struct *t, struct pt_regs *regs, __u64 nr, long ret, bool compat)
{
	if (!cfg.prefilter_close || ret < 0)
		return;
	if (nr == NR_PIPE || nr == NR_PIPE2 || nr == NR_SOCKETPAIR) {
		int fds[2] = { -1, -1 };
		bpf_probe_read_user(fds, sizeof(fds), (const void *)sys_arg(regs, nr == NR_SOCKETPAIR ? 3 : 0, compat));
		pf_forget(t, fds[0]);
		pf_forget(t, fds[1]);
		return;
	}
	pf_forget(t, ret);
}

/* Keeps a dropped open of file `f` (its path in k, `n` bytes with the NUL) for a later consumer
 * (pf_replay). Open files are reused from a slab, so an open/close loop mostly finds the entry of
 * the previous file at the same address: that entry is overwritten in place (a lookup and a copy
 * of the path's bytes), and only a new address pays the LRU insert, which costs several times as
 * much (bench/sensor-bpf-cost.ts --prefilter). A consumer of the old file cannot race this: its
 * struct file is freed, which is why the address is being reused. */
static __always_inline bool pf_store(struct file *f, struct inode *ino, struct sensor_pf_key *k, long n, __u32 flags, __u32 mode)
{
	__u64 fkey = (__u64)f;
	struct pf_open *o = bpf_map_lookup_elem(&pf_opened, &fkey);
	bool fresh = !o;

	if (fresh) {
		__u32 zero = 0;
		o = bpf_map_lookup_elem(&pf_open_scratch, &zero);
		if (!o)
			return false;
	}
	o->inode = (__u64)ino;
	o->len = n;
	o->flags = open_flags_to_ppm(flags);
	o->mode = open_mode_to_ppm(flags, mode);
	if (bpf_probe_read_kernel(o->path, n & (SENSOR_PF_PATH - 1), k->data))
		return false;
	return !fresh || bpf_map_update_elem(&pf_opened, &fkey, o, BPF_ANY) == 0;
}

/* Whether the path text of a successful open (k->data, `n` bytes with the NUL) is the path of
 * the file it opened, rebuilt from its dentries up to the opener's root (file_path_from_root: the
 * open's kernel_path): then deciding on the text is deciding on what was opened. */
static __always_inline bool pf_text_is_file(struct task_struct *t, struct file *f, struct sensor_pf_key *k, long n)
{
	__u32 cpu = bpf_get_smp_processor_id();
	struct rec *r = bpf_map_lookup_elem(&scratch_map, &cpu);

	if (!r)
		return false;
	long off = file_path_from_root(r, f, t);
	if (off < 0 || PATH_TMP - 1 - off != n - 1)
		return false;
	/* both hold n - 1 bytes then a NUL: compared a word at a time, the last one masked */
	for (__u32 i = 0; i < SENSOR_PF_PATH / 8; i++) {
		if (i * 8 >= n)
			break;
		__u64 a = *(__u64 *)&r->path[(off + i * 8) & PATH_TMP_MASK];
		__u64 b = *(__u64 *)&k->data[i * 8];
		__u32 rem = n - i * 8;
		if (rem < 8) {
			__u64 m = (1ULL << (rem * 8)) - 1;
			a &= m;
			b &= m;
		}
		if (a != b)
			return false;
	}
	return true;
}

/* The open of `name` with (user) `flags` and `mode` that returned `ret` stays in the kernel.
 * When it does not, and the whole path was read, *read is its length with the NUL (the path is
 * in pf_scratch, so the record copies it from there instead of reading user memory twice). */
static __always_inline bool pf_drop_open(struct task_struct *t, const void *name, __u32 flags, __u32 mode, long ret, long *read)
{
	*read = 0;
	if (!cfg.prefilter_on)
		return false;
	__u32 zero = 0;
	struct pf_path_scratch *scratch = bpf_map_lookup_elem(&pf_scratch, &zero);
	if (!scratch)
		return false;
	struct sensor_pf_key *k = &scratch->key;
	long n = bpf_probe_read_user_str(k->data, SENSOR_PF_PATH, name);
	if (n > 0 && n < SENSOR_PF_PATH)
		*read = n;
	if (n < 2 || n >= SENSOR_PF_PATH || !pf_comparable(k, n - 1))
		return false;
	k->prefixlen = n * 8; /* the NUL too: an exact entry ends with it */
	__u32 ppm = open_flags_to_ppm(flags);
	struct file *f = NULL;
	struct inode *ino = NULL;
	if (ret >= 0) {
		f = task_fd_file(t, ret);
		if (!f)
			return false;
		ino = KR(f, f_inode);
		__u32 type = KR(ino, i_mode) & K_S_IFMT;
		unsigned long magic = KR(ino, i_sb, s_magic);
		if ((type != K_S_IFREG && type != K_S_IFCHR) || magic == K_NSFS_MAGIC || magic == K_PROC_SUPER_MAGIC)
			return false;
		if (KR(f, f_mode) & K_FMODE_CREATED)
			ppm |= PPM_O_F_CREATED;
	}
	__u64 terms = cfg.pf_any_path;
	__u64 *v = bpf_map_lookup_elem(&pf_paths, k);
	if (v)
		terms |= *v;
	if (cfg.pf_bases)
		terms |= pf_base_terms(scratch, n - 1);
	if (terms) {
		__u32 ng = cfg.pf_n_groups;
		__u64 by_flags = 0;
		for (__u32 g = 0; g < SENSOR_PF_GROUPS; g++) {
			if (g >= ng)
				break;
			__u32 any = cfg.pf_group_any[g];
			if (!any || (ppm & any))
				by_flags |= cfg.pf_group_terms[g];
		}
		if (terms & by_flags)
			return false;
	}
	if (f) {
		/* the text read after the syscall must be what was opened: another thread could have
		 * written a harmless path over /etc/shadow's in between (pf_text_is_file; an open
		 * through a symbolic link is sent too, and the engine names it as without the
		 * prefilter) */
		if (!pf_text_is_file(t, f, k, n))
			return false;
		if (cfg.prefilter_store && !pf_store(f, ino, k, n, flags, mode))
			return false;
		if (cfg.prefilter_close)
			pf_mark(t, ret); /* unmarked (fd >= PF_FD_BITS, no room): its close is sent */
	}
	my_counters()->prefiltered++;
	return true;
}

/* The path pf_drop_open read (`n` bytes with the NUL, 0 < n < SENSOR_PF_PATH) copied to `dst`;
 * its length, or a negative value when it could not be. */
static __always_inline long pf_copy_read_path(void *dst, long n)
{
	__u32 zero = 0;
	struct pf_path_scratch *k = bpf_map_lookup_elem(&pf_scratch, &zero);
	if (!k || n <= 0 || n >= SENSOR_PF_PATH)
		return -1;
	return bpf_probe_read_kernel(dst, n & (SENSOR_PF_PATH - 1), k->key.data) ? -1 : n;
}

/* A sent open made fd `fd`: a kept entry for its open file is stale (the struct file reused). */
static __always_inline void pf_forget_file(struct task_struct *t, long fd)
{
	if (!cfg.prefilter_store || fd < 0)
		return;
	struct file *f = task_fd_file(t, fd);
	if (!f)
		return;
	__u64 fkey = (__u64)f;
	bpf_map_delete_elem(&pf_opened, &fkey);
}

/* Before a consumer syscall (cfg.pf_consumer_mask) on fd `fd`: if the fd's open was dropped, the
 * open is sent now, as an openat exit of this thread returning `fd` (the name, flags and mode it
 * had; dev, ino and the created bit from the file), so the engine names the fd as it would have.
 * The layout is openat_exit's (file.bpf.h). */
static __always_inline void pf_replay(struct task_struct *t, long fd)
{
	struct file *f = task_fd_file(t, fd);
	if (!f)
		return;
	__u64 fkey = (__u64)f;
	struct pf_open *v = bpf_map_lookup_elem(&pf_opened, &fkey);
	if (!v || v->inode != (__u64)KR(f, f_inode))
		return;
	struct ring_slot s;
	struct opened o;
	if (!fixed_begin(&s, PF_OPENAT_FIXED + SENSOR_PF_PATH))
		return;
	inspect_opened_of(t, fd, &o);
	unsigned long p = s.at;
	__u32 n = v->len & (SENSOR_PF_PATH - 1);
	if (n == 0 || bpf_probe_read_kernel((void *)(p + 56), n, v->path))
		n = 0;
	unsigned long q = p + 56 + n;
	__u32 len = PF_OPENAT_FIXED + n;
	write_hdr(p, event_ts(), current_tid_of(t), len, PPME_SYSCALL_OPENAT_2_X, 7);
	*(__u16 *)(p + 26) = 8;
	*(__u16 *)(p + 28) = 8;
	*(__u16 *)(p + 30) = n;
	*(__u16 *)(p + 32) = 4;
	*(__u16 *)(p + 34) = 4;
	*(__u16 *)(p + 36) = 4;
	*(__u16 *)(p + 38) = 8;
	*(__s64 *)(p + 40) = fd;
	*(__s64 *)(p + 48) = dirfd_to_ppm(K_AT_FDCWD);
	*(__u32 *)q = v->flags | o.flags;
	*(__u32 *)(q + 4) = v->mode;
	*(__u32 *)(q + 8) = o.dev;
	*(__u64 *)(q + 12) = o.ino;
	fixed_commit(&s, len, DK_OPEN);
	pf_forget(t, fd); /* the engine knows it now: its close is sent */
}

/* A close of an fd whose open was dropped stays in the kernel: the engine never learned of it. */
static __always_inline bool pf_drop_close(struct task_struct *t, long fd)
{
	if (!cfg.prefilter_close || !pf_unmark(t, fd))
		return false;
	my_counters()->prefiltered++;
	return true;
}

#endif
