/* Reading process facts from task_struct and friends (CO-RE, so the probes follow the running
 * kernel's layout). Ids are the global ("nr") ones unless the name says "vnr": the id seen from
 * the task's own pid namespace. */
#ifndef SAKER_TASK_BPF_H
#define SAKER_TASK_BPF_H

/* Argument i of the syscall being reported, from the saved user registers: x86-64's calling
 * convention, or ia32's for a compat syscall (int 0x80, an ia32 binary). */
static __always_inline __u64 sys_arg(struct pt_regs *regs, int i, bool compat)
{
	if (compat) {
		switch (i) {
		case 0: return (__u32)KR(regs, bx);
		case 1: return (__u32)KR(regs, cx);
		case 2: return (__u32)KR(regs, dx);
		case 3: return (__u32)KR(regs, si);
		case 4: return (__u32)KR(regs, di);
		default: return (__u32)KR(regs, bp);
		}
	}
	switch (i) {
	case 0: return KR(regs, di);
	case 1: return KR(regs, si);
	case 2: return KR(regs, dx);
	case 3: return KR(regs, r10);
	case 4: return KR(regs, r8);
	default: return KR(regs, r9);
	}
}

/* The dispatcher's verdict for this CPU's current syscall (maps.bpf.h compat_cpu). */
static __always_inline bool syscall_is_compat(void)
{
	return compat_cpu[bpf_get_smp_processor_id() & (SENSOR_MAX_CPUS - 1)];
}

/* Argument i of the syscall a tail-called handler reports. */
static __always_inline __u64 syscall_arg(struct pt_regs *regs, int i)
{
	return sys_arg(regs, i, syscall_is_compat());
}

static __always_inline struct pid *task_pid_of_type(struct task_struct *t, enum pid_type type)
{
	if (type == PIDTYPE_PID)
		return BPF_CORE_READ(t, thread_pid);
	return BPF_CORE_READ(t, signal, pids[type]);
}

/* The id of `p` in the namespace it was allocated in, i.e. as the task itself sees it. */
static __always_inline __s32 pid_vnr(struct pid *p)
{
	if (!p)
		return 0;
	__u32 level = BPF_CORE_READ(p, level);
	return BPF_CORE_READ(p, numbers[level].nr);
}

static __always_inline __s32 task_vtid(struct task_struct *t)
{
	return pid_vnr(task_pid_of_type(t, PIDTYPE_PID));
}

static __always_inline __s32 task_vtgid(struct task_struct *t)
{
	return pid_vnr(task_pid_of_type(t, PIDTYPE_TGID));
}

static __always_inline __s32 task_pgid(struct task_struct *t)
{
	struct pid *p = task_pid_of_type(t, PIDTYPE_PGID);
	return p ? BPF_CORE_READ(p, numbers[0].nr) : 0;
}

static __always_inline __s32 task_vpgid(struct task_struct *t)
{
	return pid_vnr(task_pid_of_type(t, PIDTYPE_PGID));
}

static __always_inline __s32 task_ppid(struct task_struct *t)
{
	return BPF_CORE_READ(t, real_parent, pid);
}

static __always_inline __u32 pidns_level(struct task_struct *t)
{
	return BPF_CORE_READ(t, thread_pid, level);
}

/* Start time (boot clock, ns) of the init process of the task's pid namespace. */
static __always_inline __u64 pidns_init_start(struct task_struct *t)
{
	struct pid *p = BPF_CORE_READ(t, thread_pid);
	__u32 level = BPF_CORE_READ(p, level);
	struct pid_namespace *ns = BPF_CORE_READ(p, numbers[level].ns);
	return BPF_CORE_READ(ns, child_reaper, start_time);
}

static __always_inline __u32 task_euid(struct task_struct *t)
{
	return BPF_CORE_READ(t, cred, euid.val);
}

static __always_inline __u32 task_egid(struct task_struct *t)
{
	return BPF_CORE_READ(t, cred, egid.val);
}

static __always_inline __u32 task_loginuid(struct task_struct *t)
{
	if (bpf_core_field_exists(t->loginuid))
		return BPF_CORE_READ(t, loginuid.val);
	return (__u32)-1;
}

static __always_inline __u64 task_fdlimit(struct task_struct *t)
{
	return BPF_CORE_READ(t, signal, rlim[7 /* RLIMIT_NOFILE */].rlim_cur);
}

enum cap_set { CAP_SET_INHERITABLE, CAP_SET_PERMITTED, CAP_SET_EFFECTIVE };

static __always_inline __u64 task_caps(struct task_struct *t, enum cap_set which)
{
	const struct cred *c = BPF_CORE_READ(t, cred);
	kernel_cap_t k = {};

	switch (which) {
	case CAP_SET_INHERITABLE: BPF_CORE_READ_INTO(&k, c, cap_inheritable); break;
	case CAP_SET_PERMITTED: BPF_CORE_READ_INTO(&k, c, cap_permitted); break;
	default: BPF_CORE_READ_INTO(&k, c, cap_effective); break;
	}
	return caps_to_ppm(k.val);
}

/* The controlling terminal as an encoded dev_t (0 when none), as libs reports it. */
static __always_inline __u32 task_tty(struct task_struct *t)
{
	struct tty_struct *tty = BPF_CORE_READ(t, signal, tty);
	if (!tty)
		return 0;
	struct tty_driver *drv = BPF_CORE_READ(tty, driver);
	if (!drv)
		return 0;
	__u32 major = BPF_CORE_READ(drv, major);
	__u32 minor = BPF_CORE_READ(drv, minor_start) + BPF_CORE_READ(tty, index);
	return (minor & 0xff) | (major << 8) | ((minor & ~0xffU) << 12);
}

/* Memory figures in KiB (pages << 2 on 4 KiB pages). */
static __always_inline __u32 mm_vm_size(struct mm_struct *mm)
{
	return mm ? BPF_CORE_READ(mm, total_vm) << 2 : 0;
}

static __always_inline __u32 mm_rss(struct mm_struct *mm)
{
	if (!mm)
		return 0;
	__s64 file = BPF_CORE_READ(mm, rss_stat[MM_FILEPAGES].count);
	__s64 anon = BPF_CORE_READ(mm, rss_stat[MM_ANONPAGES].count);
	__s64 shm = BPF_CORE_READ(mm, rss_stat[MM_SHMEMPAGES].count);
	__s64 pages = file + anon + shm;
	return pages > 0 ? pages << 2 : 0;
}

static __always_inline __u32 mm_swap(struct mm_struct *mm)
{
	if (!mm)
		return 0;
	__s64 pages = BPF_CORE_READ(mm, rss_stat[MM_SWAPENTS].count);
	return pages > 0 ? pages << 2 : 0;
}

/* A file struct from the fd table of `t` (the current task), or NULL. */
static __always_inline struct file *task_fd_file(struct task_struct *t, __s64 fd)
{
	if (fd < 0)
		return NULL;
	struct fdtable *fdt = KR(t, files, fdt);
	if (!fdt || fd >= KR(fdt, max_fds))
		return NULL;
	/* a variable index: an untrusted load (the verifier allows no variable offset on typed
	 * pointers) */
	struct file **fds = (struct file **)KR(fdt, fd);
	struct file *f = kload_ptr(&fds[fd]);
	return f ? AS(struct file, f) : NULL;
}

static __always_inline struct file *fd_file(__s64 fd)
{
	return task_fd_file(current_task(), fd);
}

static __always_inline __u32 encode_dev(__u32 dev)
{
	__u32 major = dev >> 20, minor = dev & ((1U << 20) - 1);
	return (minor & 0xff) | (major << 8) | ((minor & ~0xffU) << 12);
}

enum overlay_layer { NOT_OVERLAY, OVERLAY_UPPER, OVERLAY_LOWER };

/* On overlayfs the inode is embedded in struct ovl_inode, followed by the upper dentry: a file
 * with an upper dentry was written in the container, otherwise it comes from the image. */
static __always_inline enum overlay_layer file_overlay_layer(struct file *f)
{
	struct dentry *d = KR(f, f_path.dentry);
	if (KR(d, d_sb, s_magic) != K_OVERLAYFS_SUPER_MAGIC)
		return NOT_OVERLAY;
	char *inode = (char *)KR(d, d_inode);
	struct dentry *upper = kload_ptr(inode + bpf_core_type_size(struct inode));
	if (upper && BPF_CORE_READ(upper, d_inode, i_ino))
		return OVERLAY_UPPER;
	return OVERLAY_LOWER;
}

/* An executable created with memfd_create: an unlinked dentry named "memfd:...". */
static __always_inline bool file_is_memfd(struct file *f)
{
	struct dentry *d = BPF_CORE_READ(f, f_path.dentry);
	if (!d || BPF_CORE_READ(d, d_parent) != d)
		return false;
	char name[7] = {};
	bpf_probe_read_kernel_str(name, sizeof(name), BPF_CORE_READ(d, d_name.name));
	return name[0] == 'm' && name[1] == 'e' && name[2] == 'm' && name[3] == 'f' &&
	       name[4] == 'd' && name[5] == ':';
}

/* Whether the task could write its own executable: the basic permission check libs does
 * (owner, group, mode bits, read-only mounts, immutable files, CAP_DAC_OVERRIDE / CAP_FOWNER). */
static __always_inline bool exe_writable(struct task_struct *t, struct inode *ino)
{
	__u16 mode = BPF_CORE_READ(ino, i_mode);
	__u32 type = mode & K_S_IFMT;

	if ((BPF_CORE_READ(ino, i_sb, s_flags) & K_SB_RDONLY) &&
	    (type == K_S_IFREG || type == K_S_IFDIR || type == K_S_IFLNK))
		return false;
	if (BPF_CORE_READ(ino, i_flags) & K_S_IMMUTABLE)
		return false;
	__u32 uid = BPF_CORE_READ(ino, i_uid.val), gid = BPF_CORE_READ(ino, i_gid.val);
	const struct cred *c = BPF_CORE_READ(t, cred);
	__u32 fsuid = BPF_CORE_READ(c, fsuid.val), fsgid = BPF_CORE_READ(c, fsgid.val);
	if (fsuid == uid)
		return true;
	if (fsgid == gid ? (mode & 0020) : (mode & 0002))
		return true;
	__u64 eff = BPF_CORE_READ(c, cap_effective.val);
	return eff & ((1ULL << 1) | (1ULL << 3)); /* CAP_DAC_OVERRIDE, CAP_FOWNER */
}

/* dev, ino and the "created" / overlay bits of a freshly opened fd. */
struct opened {
	__u32 dev;
	__u64 ino;
	__u32 flags; /* PPM_O_F_CREATED | PPM_FD_*_LAYER */
	enum overlay_layer layer;
	struct file *file; /* NULL: no file (a failed open) */
};

static __always_inline void inspect_opened_of(struct task_struct *t, long fd, struct opened *o)
{
	struct file *f = task_fd_file(t, fd);

	o->dev = 0;
	o->ino = 0;
	o->flags = 0;
	o->layer = NOT_OVERLAY;
	o->file = f;
	if (!f)
		return;
	struct inode *ino = KR(f, f_inode);
	o->dev = encode_dev(KR(ino, i_sb, s_dev));
	o->ino = KR(ino, i_ino);
	if (KR(f, f_mode) & K_FMODE_CREATED)
		o->flags |= PPM_O_F_CREATED;
	o->layer = file_overlay_layer(f);
	if (o->layer == OVERLAY_UPPER)
		o->flags |= PPM_FD_UPPER_LAYER;
	else if (o->layer == OVERLAY_LOWER)
		o->flags |= PPM_FD_LOWER_LAYER;
}

static __always_inline void inspect_opened(long fd, struct opened *o)
{
	inspect_opened_of(current_task(), fd, o);
}

#endif
