/* Absolute paths rebuilt from dentries. bpf_d_path is not allowed in tracepoints, so this walks
 * d_parent links right to left, crossing mount points, like libs' auxmap__store_d_path_approx.
 * The walk is a bpf_loop, not an unrolled loop: its length is bounded by the bytes a path can
 * take (PATH_TMP) rather than by a small component count the verifier can afford, so a deep
 * directory cannot cut a cwd or exe path short. A path that still does not fit (deeper than
 * PATH_TMP bytes, which no syscall accepts) loses its leading '/': the part that fitted is
 * shown as a relative path, never as an absolute one it is not.
 * Limits: no " (deleted)" suffix; a concurrent rename can give a mixed path. Unlinked files
 * (memfd, anonymous inodes) come out as their bare dentry name, e.g. "memfd:x (deleted)" -> "memfd:x".
 */
#ifndef SAKER_PATH_BPF_H
#define SAKER_PATH_BPF_H

/* One component takes at least 2 bytes ('/' and a character). */
#define PATH_COMPONENTS (PATH_TMP / 2)
#define PATH_TMP_MASK (PATH_TMP - 1)

enum path_walk_end {
	WALK_GOING,     /* still walking (the loop ran out: truncated) */
	WALK_ROOT,      /* reached the root of the caller's mount namespace, or of a detached tree */
	WALK_ANONYMOUS, /* an unlinked dentry: its bare name */
	WALK_TRUNCATED, /* a component did not fit, or was unreadable */
};

/* The walk's position, on the caller's stack, shared with path_walk_step. */
struct path_walk {
	struct rec *r;
	struct dentry *d;
	struct mount *mnt;
	struct mount *mnt_parent;
	struct dentry *mnt_root;
	/* Where the walk stops as at a root when it gets there: a process's root directory (NULL:
	 * only the root of the mount namespace stops it). */
	struct dentry *root_d;
	struct mount *root_mnt;
	__u32 end;
};

/* One step of the walk: prepends d's name to r->path, or crosses to the parent mount.
 * The tp_btf build reads the dentries and mounts with plain loads through AS() (a cast the
 * verifier turns into a register move, then one fault-safe load per field) rather than a
 * bpf_probe_read_kernel call per field: the walk runs on every successful open (kernel_path). */
static long path_walk_step(__u64 i, void *ctx)
{
	struct path_walk *w = ctx;
	struct rec *r = w->r;
	struct dentry *d = AS(struct dentry, w->d);
	struct dentry *parent = KR(d, d_parent);

	if (w->d == w->root_d && w->mnt == w->root_mnt) {
		w->end = WALK_ROOT; /* the process's root: a chroot or a container's pivoted root */
		return 1;
	}
	if (w->d == w->mnt_root || w->d == parent) {
		if (w->d != w->mnt_root) {
			w->end = r->path_off == PATH_TMP - 1 ? WALK_ANONYMOUS : WALK_ROOT;
			return 1;
		}
		struct mount *mnt = AS(struct mount, w->mnt), *up = AS(struct mount, w->mnt_parent);
		if (w->mnt == w->mnt_parent) {
			w->end = WALK_ROOT; /* the root of this mount namespace */
			return 1;
		}
		w->d = KR(mnt, mnt_mountpoint);
		w->mnt = w->mnt_parent;
		w->mnt_parent = KR(up, mnt_parent);
		w->mnt_root = KR(up, mnt.mnt_root);
		return 0;
	}
	__u32 len = KR(d, d_name.len);
	const unsigned char *name = KR(d, d_name.name);
	__u32 off = r->path_off;
	if (len == 0 || len >= NAME_MAX_READ || off < len + 2) {
		w->end = WALK_TRUNCATED;
		return 1;
	}
	off -= len;
	bpf_probe_read_kernel(&r->path[off & PATH_TMP_MASK], len & (NAME_MAX_READ - 1), name);
	off -= 1;
	r->path[off & PATH_TMP_MASK] = '/';
	r->path_off = off;
	w->d = parent;
	return 0;
}

/* Rebuilds path `p` right to left in r->path, stopping at `root` (a process's root; NULL: the
 * mount namespace's root). Returns how the walk ended; the path starts at r->path_off. */
static __always_inline __u32 walk_path(struct rec *r, const struct path *p, const struct path *root,
				       struct dentry **last)
{
	const struct path *pp = AS(const struct path, p);
	struct vfsmount *vfs = KR(pp, mnt);
	struct mount *mnt = AS(struct mount, container_of(vfs, struct mount, mnt));
	struct path_walk w = {
		.r = r,
		.d = KR(pp, dentry),
		.mnt = mnt,
		.mnt_parent = KR(mnt, mnt_parent),
		.mnt_root = KR(mnt, mnt.mnt_root),
		.end = WALK_GOING,
	};

	r->path_off = PATH_TMP - 1;
	r->path[PATH_TMP - 1] = 0;
	if (!w.d)
		return WALK_TRUNCATED;
	if (root) {
		const struct path *rp = AS(const struct path, root);
		w.root_d = KR(rp, dentry);
		w.root_mnt = container_of(KR(rp, mnt), struct mount, mnt);
	}
	bpf_loop(PATH_COMPONENTS, path_walk_step, &w, 0);
	*last = w.d;
	return w.end;
}

/* Writes the path as a CHARBUF parameter; empty when `p` is NULL. */
static __always_inline void put_path(struct rec *r, const struct path *p)
{
	struct dentry *last = NULL;

	if (!p || !BPF_CORE_READ(p, dentry)) {
		put_empty(r);
		return;
	}
	__u32 end = walk_path(r, p, NULL, &last);
	if (end == WALK_ANONYMOUS) {
		put_kstr(r, BPF_CORE_READ(last, d_name.name), NAME_MAX_READ);
		return;
	}
	__u32 off = r->path_off;
	if (off == PATH_TMP - 1) {
		off -= 1;
		r->path[off & PATH_TMP_MASK] = '/';
	} else if (end != WALK_ROOT) {
		off += 1; /* truncated: drop the leading '/' of the part that fitted */
	}
	put_kstr(r, &r->path[off & PATH_TMP_MASK], STR_MAX);
}

/* The path of open file `f` as thread `t` names it, from its own root (a container's, a chroot's),
 * as libsinsp's names are: rebuilt in r->path, whose offset it returns; -1 when there is no whole
 * path to give (an unlinked file, one deeper than PATH_TMP bytes, one outside t's root). What the
 * kernel opened, unlike the path text in the caller's memory, which another thread can change. */
static __always_inline long file_path_from_root(struct rec *r, struct file *f, struct task_struct *t)
{
	struct dentry *last = NULL;

	if (!f)
		return -1;
	struct fs_struct *fs = KR(t, fs);
	if (!fs)
		return -1;
	if (walk_path(r, &f->f_path, &fs->root, &last) != WALK_ROOT)
		return -1;
	__u32 off = r->path_off;
	if (off == PATH_TMP - 1) {
		off -= 1;
		r->path[off & PATH_TMP_MASK] = '/';
	}
	return off;
}

static __always_inline void put_file_path(struct rec *r, struct file *f)
{
	if (!f) {
		put_empty(r);
		return;
	}
	put_path(r, &f->f_path);
}

#endif
