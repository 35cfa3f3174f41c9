/* Absolute paths rebuilt from dentries. bpf_d_path is not allowed in tracepoints, so this walks
 * d_parent links right to left, crossing mount points, like libs' auxmap__store_d_path_approx.
 * Limits: PATH_COMPONENTS components (mount crossings included) and PATH_TMP bytes; no
 * " (deleted)" suffix; a concurrent rename can give a mixed path. Unlinked files (memfd, anonymous
 * inodes) come out as their bare dentry name, e.g. "memfd:x (deleted)" -> "memfd:x".
 */
#ifndef SAKER_PATH_BPF_H
#define SAKER_PATH_BPF_H

#define PATH_COMPONENTS 48
#define PATH_TMP_MASK (PATH_TMP - 1)

/* Writes the path as a CHARBUF parameter; empty when `p` is NULL. */
static __always_inline void put_path(struct rec *r, const struct path *p)
{
	if (!p) {
		put_empty(r);
		return;
	}
	struct dentry *d = BPF_CORE_READ(p, dentry);
	struct vfsmount *vfs = BPF_CORE_READ(p, mnt);
	struct mount *mnt = container_of(vfs, struct mount, mnt);
	struct mount *mnt_parent = BPF_CORE_READ(mnt, mnt_parent);
	struct dentry *mnt_root = BPF_CORE_READ(vfs, mnt_root);
	bool anonymous = false;

	if (!d) {
		put_empty(r);
		return;
	}
	r->path_off = PATH_TMP - 1;
	r->path[PATH_TMP - 1] = 0;
	for (int i = 0; i < PATH_COMPONENTS; i++) {
		struct dentry *parent = BPF_CORE_READ(d, d_parent);
		if (d == mnt_root || d == parent) {
			if (d != mnt_root) {
				anonymous = r->path_off == PATH_TMP - 1;
				break;
			}
			if (mnt == mnt_parent)
				break; /* the root of this mount namespace */
			d = BPF_CORE_READ(mnt, mnt_mountpoint);
			mnt = mnt_parent;
			mnt_parent = BPF_CORE_READ(mnt, mnt_parent);
			mnt_root = BPF_CORE_READ(mnt, mnt.mnt_root);
			continue;
		}
		__u32 len = BPF_CORE_READ(d, d_name.len);
		const unsigned char *name = BPF_CORE_READ(d, d_name.name);
		__u32 off = r->path_off;
		if (len == 0 || len >= NAME_MAX_READ || off < len + 2)
			break;
		off -= len;
		bpf_probe_read_kernel(&r->path[off & PATH_TMP_MASK], len & (NAME_MAX_READ - 1), name);
		off -= 1;
		r->path[off & PATH_TMP_MASK] = '/';
		r->path_off = off;
		d = parent;
	}
	if (anonymous) {
		put_kstr(r, BPF_CORE_READ(d, d_name.name), NAME_MAX_READ);
		return;
	}
	__u32 off = r->path_off;
	if (off == PATH_TMP - 1) {
		off -= 1;
		r->path[off & PATH_TMP_MASK] = '/';
	}
	put_kstr(r, &r->path[off & PATH_TMP_MASK], STR_MAX);
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
