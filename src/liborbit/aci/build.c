#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "aci/aci.h"
#include "aci/aci_internal.h"
#include "aci/archive_api.h"
#include "util/fs.h"
#include "util/mem.h"
#include "util/strv.h"

#define MAX_DEPTH 512

typedef struct inode_ref {
    dev_t dev;
    ino_t ino;
    char *path; /* NULL: free slot */
} inode_ref;

typedef struct builder {
    struct archive *a;
    struct archive_entry *e;
    const char *layout;
    const char *out_name;
    bool owner_root, is_root;
    char *buf;
    struct stat out_st; /* the output file, never put into itself */
    inode_ref *inodes;  /* open addressing, for hard links */
    size_t n_inodes, cap_inodes;
} builder;

static size_t inode_slot(const inode_ref *t, size_t cap, dev_t dev, ino_t ino)
{
    size_t i = (size_t)((ino * 0x9e3779b97f4a7c15ULL) ^ dev) & (cap - 1);
    while (t[i].path && !(t[i].dev == dev && t[i].ino == ino))
        i = (i + 1) & (cap - 1);
    return i;
}

/* The path first written for this inode, or NULL after remembering this one. */
static const char *inode_seen(builder *b, const struct stat *st, const char *path)
{
    if ((b->n_inodes + 1) * 2 > b->cap_inodes) {
        size_t cap = b->cap_inodes ? b->cap_inodes * 2 : 64;
        inode_ref *t = xcalloc(cap, sizeof(*t));
        for (size_t i = 0; i < b->cap_inodes; i++)
            if (b->inodes[i].path)
                t[inode_slot(t, cap, b->inodes[i].dev, b->inodes[i].ino)] = b->inodes[i];
        free(b->inodes);
        b->inodes = t;
        b->cap_inodes = cap;
    }
    size_t i = inode_slot(b->inodes, b->cap_inodes, st->st_dev, st->st_ino);
    if (b->inodes[i].path)
        return b->inodes[i].path;
    b->inodes[i] = (inode_ref){st->st_dev, st->st_ino, xstrdup(path)};
    b->n_inodes++;
    return NULL;
}

/* Host-specific labels mean nothing inside an image. */
static bool xattr_wanted(const char *name)
{
    return strcmp(name, "security.selinux") != 0;
}

/* fd >= 0: read through it; otherwise through /proc for (dirfd, name) without following. */
static int add_xattrs(builder *b, int fd, int dirfd, const char *name, const char *path,
                      orb_error **err)
{
    _cleanup_free_ char *proc = fd < 0 ? xasprintf("/proc/self/fd/%d/%s", dirfd, name) : NULL;
    ssize_t n = fd >= 0 ? flistxattr(fd, NULL, 0) : llistxattr(proc, NULL, 0);
    if (n < 0 && (errno == ENOTSUP || errno == ENOENT || errno == EPERM))
        return 0;
    if (n <= 0)
        return n < 0 ? orb_err_sys(err, errno, "list xattrs of %s/%s", b->layout, path) : 0;
    _cleanup_free_ char *list = xmalloc((size_t)n);
    n = fd >= 0 ? flistxattr(fd, list, (size_t)n) : llistxattr(proc, list, (size_t)n);
    if (n < 0)
        return orb_err_sys(err, errno, "list xattrs of %s/%s", b->layout, path);
    _cleanup_strv_ char **names = xcalloc(1, sizeof(char *));
    for (char *p = list; p < list + n; p += strlen(p) + 1)
        if (xattr_wanted(p))
            strv_push(&names, p); /* a handful per file */
    strv_sort(names);
    for (size_t i = 0; names[i]; i++) {
        ssize_t len = fd >= 0 ? fgetxattr(fd, names[i], b->buf, ACI_IO_BUFSIZE)
                              : lgetxattr(proc, names[i], b->buf, ACI_IO_BUFSIZE);
        if (len < 0)
            return orb_err_sys(err, errno, "read xattr %s of %s/%s", names[i], b->layout, path);
        sym_archive_entry_xattr_add_entry(b->e, names[i], b->buf, (size_t)len);
    }
    return 0;
}

static void fill_entry(builder *b, const char *path, const struct stat *st)
{
    sym_archive_entry_clear(b->e);
    sym_archive_entry_set_pathname(b->e, path);
    sym_archive_entry_set_mode(b->e, st->st_mode);
    sym_archive_entry_set_uid(b->e, b->owner_root ? 0 : st->st_uid);
    sym_archive_entry_set_gid(b->e, b->owner_root ? 0 : st->st_gid);
    sym_archive_entry_set_mtime(b->e, st->st_mtim.tv_sec, 0);
}

static int write_header(builder *b, const char *path, orb_error **err)
{
    if (sym_archive_write_header(b->a, b->e) < ARCHIVE_WARN)
        return aci_writer_err(b->a, b->out_name, path, err);
    return 0;
}

static bool same_file(const struct stat *x, const struct stat *y)
{
    return x->st_dev == y->st_dev && x->st_ino == y->st_ino &&
           (x->st_mode & S_IFMT) == (y->st_mode & S_IFMT);
}

static int changed(builder *b, const char *path, orb_error **err)
{
    return orb_err(err, EAGAIN, "%s/%s: changed while building the image", b->layout, path);
}

static int copy_data(builder *b, int fd, const char *path, off_t size, orb_error **err)
{
    off_t done = 0;
    while (done < size) {
        size_t want = size - done < ACI_IO_BUFSIZE ? (size_t)(size - done) : ACI_IO_BUFSIZE;
        ssize_t n = read(fd, b->buf, want);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return orb_err_sys(err, errno, "read %s/%s", b->layout, path);
        if (n == 0)
            return changed(b, path, err);
        if (sym_archive_write_data(b->a, b->buf, (size_t)n) != n)
            return aci_writer_err(b->a, b->out_name, path, err);
        done += n;
    }
    return 0;
}

static int write_regular(builder *b, int dirfd, const char *name, const char *path,
                         const struct stat *lst, orb_error **err)
{
    _cleanup_close_ int fd =
        openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    struct stat st, after;
    if (fd < 0 || fstat(fd, &st) < 0)
        return orb_err_sys(err, errno, "open %s/%s", b->layout, path);
    if (!same_file(&st, lst))
        return changed(b, path, err);
    fill_entry(b, path, &st);
    sym_archive_entry_set_size(b->e, st.st_size);
    if (add_xattrs(b, fd, -1, NULL, path, err) < 0 || write_header(b, path, err) < 0 ||
        copy_data(b, fd, path, st.st_size, err) < 0)
        return -1;
    if (fstat(fd, &after) < 0)
        return orb_err_sys(err, errno, "stat %s/%s", b->layout, path);
    if (after.st_size != st.st_size || after.st_mtim.tv_sec != st.st_mtim.tv_sec ||
        after.st_mtim.tv_nsec != st.st_mtim.tv_nsec)
        return changed(b, path, err);
    return 0;
}

static int write_symlink(builder *b, int dirfd, const char *name, const char *path,
                         const struct stat *st, orb_error **err)
{
    size_t cap = (size_t)st->st_size + 1;
    _cleanup_free_ char *target = xmalloc(cap);
    ssize_t n = readlinkat(dirfd, name, target, cap);
    if (n < 0)
        return orb_err_sys(err, errno, "read symlink %s/%s", b->layout, path);
    if ((size_t)n != (size_t)st->st_size)
        return changed(b, path, err);
    target[n] = '\0';
    fill_entry(b, path, st);
    sym_archive_entry_set_symlink(b->e, target);
    if (add_xattrs(b, -1, dirfd, name, path, err) < 0)
        return -1;
    return write_header(b, path, err);
}

static int write_special(builder *b, int dirfd, const char *name, const char *path,
                         const struct stat *st, orb_error **err)
{
    if ((S_ISCHR(st->st_mode) || S_ISBLK(st->st_mode)) && !b->is_root)
        return orb_err(err, EPERM,
                       "%s/%s: device node: building an image with device nodes needs root",
                       b->layout, path);
    fill_entry(b, path, st);
    if (!S_ISFIFO(st->st_mode))
        sym_archive_entry_set_rdev(b->e, st->st_rdev);
    if (add_xattrs(b, -1, dirfd, name, path, err) < 0)
        return -1;
    return write_header(b, path, err);
}

static int write_dir(builder *b, int dirfd, const char *name, const char *path, unsigned depth,
                     const struct stat *lst, orb_error **err);

static int write_child(builder *b, int dirfd, const char *name, const char *path, unsigned depth,
                       orb_error **err)
{
    struct stat st;
    if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
        return orb_err_sys(err, errno, "stat %s/%s", b->layout, path);
    if (S_ISSOCK(st.st_mode))
        return 0; /* a socket is a live endpoint, not content */
    if (st.st_dev == b->out_st.st_dev && st.st_ino == b->out_st.st_ino)
        return 0; /* the image being written, however it got into the tree */
    if (S_ISDIR(st.st_mode))
        return write_dir(b, dirfd, name, path, depth + 1, &st, err);
    if (st.st_nlink > 1) {
        const char *first = inode_seen(b, &st, path);
        if (first) {
            fill_entry(b, path, &st);
            sym_archive_entry_set_hardlink(b->e, first);
            sym_archive_entry_set_size(b->e, 0);
            return write_header(b, path, err);
        }
    }
    if (S_ISREG(st.st_mode))
        return write_regular(b, dirfd, name, path, &st, err);
    if (S_ISLNK(st.st_mode))
        return write_symlink(b, dirfd, name, path, &st, err);
    return write_special(b, dirfd, name, path, &st, err);
}

static int write_dir(builder *b, int dirfd, const char *name, const char *path, unsigned depth,
                     const struct stat *lst, orb_error **err)
{
    if (depth > MAX_DEPTH)
        return orb_err(err, ELOOP, "%s/%s: directories nested too deeply", b->layout, path);
    _cleanup_close_ int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) < 0)
        return orb_err_sys(err, errno, "open directory %s/%s", b->layout, path);
    if (!same_file(&st, lst))
        return changed(b, path, err);
    fill_entry(b, path, &st);
    if (add_xattrs(b, fd, -1, NULL, path, err) < 0 || write_header(b, path, err) < 0)
        return -1;
    _cleanup_strv_ char **names = aci_list_dir(fd);
    if (!names)
        return orb_err_sys(err, errno, "read directory %s/%s", b->layout, path);
    for (char **n = names; *n; n++) {
        _cleanup_free_ char *sub = xasprintf("%s/%s", path, *n);
        if (write_child(b, fd, *n, sub, depth, err) < 0)
            return -1;
    }
    return 0;
}

static int write_manifest(builder *b, const char *json, size_t len, const struct stat *st,
                          orb_error **err)
{
    sym_archive_entry_clear(b->e);
    sym_archive_entry_set_pathname(b->e, "manifest");
    sym_archive_entry_set_mode(b->e, AE_IFREG | 0644);
    sym_archive_entry_set_uid(b->e, 0);
    sym_archive_entry_set_gid(b->e, 0);
    sym_archive_entry_set_mtime(b->e, st->st_mtim.tv_sec, 0);
    sym_archive_entry_set_size(b->e, (la_int64_t)len);
    if (write_header(b, "manifest", err) < 0)
        return -1;
    if (len > 0 && sym_archive_write_data(b->a, json, len) != (la_ssize_t)len)
        return aci_writer_err(b->a, b->out_name, "manifest", err);
    return 0;
}

static int check_layout(int dirfd, const char *dir, char **ret_json, size_t *ret_len,
                        struct stat *ret_st, orb_error **err)
{
    orb_problems problems = {0};
    int r = aci_layout_check_top(dirfd, dir, &problems, ret_json, ret_len, ret_st, err);
    if (r < 0 && !*err) {
        _cleanup_free_ char *what = xasprintf("layout %s", dir);
        orb_problems_to_error(&problems, what, err);
    }
    orb_problems_clear(&problems);
    return r;
}

static int build_into(builder *b, int dirfd, const char *json, size_t len,
                      const struct stat *manifest_st, orb_error **err)
{
    struct stat st;
    if (fstatat(dirfd, "rootfs", &st, AT_SYMLINK_NOFOLLOW) < 0)
        return orb_err_sys(err, errno, "stat %s/rootfs", b->layout);
    if (write_manifest(b, json, len, manifest_st, err) < 0 ||
        write_dir(b, dirfd, "rootfs", "rootfs", 0, &st, err) < 0)
        return -1;
    if (sym_archive_write_close(b->a) != ARCHIVE_OK)
        return aci_writer_err(b->a, b->out_name, "finish", err);
    return 0;
}

static void builder_done(builder *b)
{
    /* Freeing an unclosed writer closes it first, which releases the
     * compressor's state; what it writes goes to the discarded temp file. */
    if (b->a)
        sym_archive_write_free(b->a);
    sym_archive_entry_free(b->e);
    for (size_t i = 0; i < b->cap_inodes; i++)
        free(b->inodes[i].path);
    free(b->inodes);
    free(b->buf);
}

/* An output inside rootfs would be part of every later build of the layout;
 * walking up from its directory finds that without resolving names. */
static int check_output_place(int dirfd, const char *layout, const char *out_path, orb_error **err)
{
    struct stat root, cur, up;
    if (fstatat(dirfd, "rootfs", &root, AT_SYMLINK_NOFOLLOW) < 0)
        return orb_err_sys(err, errno, "stat %s/rootfs", layout);
    _cleanup_free_ char *dir = xstrdup(out_path);
    char *slash = strrchr(dir, '/');
    if (slash)
        slash[slash == dir ? 1 : 0] = '\0';
    _cleanup_close_ int fd = open(slash ? dir : ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0 || fstat(fd, &cur) < 0)
        return 0; /* orb_output_open names the missing directory */
    for (unsigned i = 0; i < 4096; i++) {
        if (cur.st_dev == root.st_dev && cur.st_ino == root.st_ino)
            return orb_err(err, EINVAL, "%s: output is inside the layout's rootfs %s/rootfs",
                           out_path, layout);
        int parent = openat(fd, "..", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (parent < 0 || fstat(parent, &up) < 0 ||
            (up.st_dev == cur.st_dev && up.st_ino == cur.st_ino)) {
            if (parent >= 0)
                close(parent);
            return 0;
        }
        close(fd);
        fd = parent;
        cur = up;
    }
    return 0;
}

int orb_aci_build(const char *layout_dir, const char *out_path, const orb_build_options *opts,
                  orb_error **err)
{
    /* before anything is created: the builder's entry comes from libarchive */
    if (orb_archive_load(err) < 0)
        return -1;
    _cleanup_close_ int dirfd = open(layout_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dirfd < 0)
        return orb_err_sys(err, errno, "open layout %s", layout_dir);
    _cleanup_free_ char *json = NULL;
    size_t len;
    struct stat mst;
    if (check_layout(dirfd, layout_dir, &json, &len, &mst, err) < 0 ||
        check_output_place(dirfd, layout_dir, out_path, err) < 0)
        return -1;
    orb_output out;
    if (orb_output_open(&out, out_path, opts->overwrite, 0644, err) < 0)
        return -1;
    struct stat out_st;
    if (fstat(out.fd, &out_st) < 0) {
        orb_output_discard(&out);
        return orb_err_sys(err, errno, "stat %s", out_path);
    }
    builder b = {.layout = layout_dir,
                 .out_name = out_path,
                 .owner_root = opts->owner_root,
                 .is_root = geteuid() == 0,
                 .out_st = out_st,
                 .buf = xmalloc(ACI_IO_BUFSIZE),
                 .e = sym_archive_entry_new()};
    b.a = aci_writer_new(out.fd, opts->compression, out_path, err);
    int r = b.a ? build_into(&b, dirfd, json, len, &mst, err) : -1;
    builder_done(&b);
    if (r == 0)
        r = orb_output_commit(&out, err);
    orb_output_discard(&out);
    return r;
}
