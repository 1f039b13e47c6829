/* File and tree copies preserving metadata; every open is relative to a
 * directory fd with O_NOFOLLOW, so a symlink in a source tree is copied as a
 * symlink and never followed. */
#include "util/copy.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "util/fs.h"
#include "util/mem.h"

/* ---- inode map (open addressing) ---------------------------------------- */

typedef struct inode_slot {
    uint64_t tag, dev, ino;
    char *path; /* NULL: empty slot */
} inode_slot;

struct orb_inode_map {
    inode_slot *slots;
    size_t cap, used;
};

orb_inode_map *orb_inode_map_new(void)
{
    orb_inode_map *m = xcalloc(1, sizeof(*m));
    m->cap = 64;
    m->slots = xcalloc(m->cap, sizeof(inode_slot));
    return m;
}

void orb_inode_map_free(orb_inode_map *m)
{
    if (!m)
        return;
    for (size_t i = 0; i < m->cap; i++)
        free(m->slots[i].path);
    free(m->slots);
    free(m);
}

static size_t inode_hash(uint64_t tag, uint64_t dev, uint64_t ino)
{
    uint64_t h = (tag * 0x9e3779b97f4a7c15ULL) ^ (dev * 0xc2b2ae3d27d4eb4fULL) ^ ino;
    h ^= h >> 31;
    h *= 0xff51afd7ed558ccdULL;
    return (size_t)(h ^ (h >> 29));
}

static inode_slot *inode_find(const orb_inode_map *m, uint64_t tag, const struct stat *st)
{
    size_t i = inode_hash(tag, st->st_dev, st->st_ino) & (m->cap - 1);
    while (m->slots[i].path) {
        inode_slot *s = &m->slots[i];
        if (s->tag == tag && s->dev == st->st_dev && s->ino == st->st_ino)
            return s;
        i = (i + 1) & (m->cap - 1);
    }
    return &m->slots[i];
}

const char *orb_inode_map_get(const orb_inode_map *m, uint64_t tag, const struct stat *st)
{
    return inode_find(m, tag, st)->path;
}

static void inode_grow(orb_inode_map *m)
{
    inode_slot *old = m->slots;
    size_t old_cap = m->cap;
    m->cap *= 2;
    m->slots = xcalloc(m->cap, sizeof(inode_slot));
    for (size_t i = 0; i < old_cap; i++) {
        if (!old[i].path)
            continue;
        struct stat st = {.st_dev = old[i].dev, .st_ino = old[i].ino};
        *inode_find(m, old[i].tag, &st) = old[i];
    }
    free(old);
}

void orb_inode_map_put(orb_inode_map *m, uint64_t tag, const struct stat *st, const char *path)
{
    if ((m->used + 1) * 2 > m->cap)
        inode_grow(m);
    inode_slot *s = inode_find(m, tag, st);
    if (s->path) {
        free(s->path);
    } else {
        m->used++;
    }
    *s = (inode_slot){.tag = tag, .dev = st->st_dev, .ino = st->st_ino, .path = xstrdup(path)};
}

/* ---- metadata ------------------------------------------------------------ */

int orb_copy_meta_fd(int dst_fd, const struct stat *st, const char *name, orb_error **err)
{
    if (geteuid() == 0 && fchown(dst_fd, st->st_uid, st->st_gid) < 0)
        return orb_err_sys(err, errno, "%s: set owner", name);
    /* After chown, which clears the set-id bits. */
    if (fchmod(dst_fd, st->st_mode & 07777) < 0)
        return orb_err_sys(err, errno, "%s: set mode", name);
    struct timespec ts[2] = {st->st_atim, st->st_mtim};
    if (futimens(dst_fd, ts) < 0)
        return orb_err_sys(err, errno, "%s: set times", name);
    return 0;
}

static bool xattr_skippable(int e)
{
    return e == EPERM || e == ENOTSUP || e == EOPNOTSUPP || e == EACCES;
}

static int copy_one_xattr(int src_fd, int dst_fd, const char *key, const char *name,
                          orb_error **err)
{
    ssize_t len = fgetxattr(src_fd, key, NULL, 0);
    if (len < 0)
        return errno == ENODATA ? 0 : orb_err_sys(err, errno, "%s: read xattr %s", name, key);
    _cleanup_free_ char *val = xmalloc(len ? (size_t)len : 1);
    len = fgetxattr(src_fd, key, val, (size_t)len);
    if (len < 0)
        return orb_err_sys(err, errno, "%s: read xattr %s", name, key);
    if (fsetxattr(dst_fd, key, val, (size_t)len, 0) < 0 && !xattr_skippable(errno))
        return orb_err_sys(err, errno, "%s: set xattr %s", name, key);
    return 0;
}

int orb_copy_xattrs_fd(int src_fd, int dst_fd, const char *name, orb_error **err)
{
    ssize_t len = flistxattr(src_fd, NULL, 0);
    if (len < 0)
        return xattr_skippable(errno) ? 0 : orb_err_sys(err, errno, "%s: list xattrs", name);
    if (len == 0)
        return 0;
    _cleanup_free_ char *keys = xmalloc((size_t)len);
    len = flistxattr(src_fd, keys, (size_t)len);
    if (len < 0)
        return orb_err_sys(err, errno, "%s: list xattrs", name);
    for (ssize_t off = 0; off < len; off += (ssize_t)strlen(keys + off) + 1)
        if (copy_one_xattr(src_fd, dst_fd, keys + off, name, err) < 0)
            return -1;
    return 0;
}

/* ---- single entries ------------------------------------------------------ */

static int copy_data(int in, int out, const char *name, orb_error **err)
{
    bool fallback = false;
    char buf[65536];
    for (;;) {
        ssize_t n;
        if (!fallback) {
            n = copy_file_range(in, NULL, out, NULL, 1 << 30, 0);
            if (n < 0 &&
                (errno == EXDEV || errno == ENOSYS || errno == EINVAL || errno == EOPNOTSUPP)) {
                fallback = true;
                continue;
            }
        } else {
            n = read(in, buf, sizeof(buf));
            if (n > 0 && orb_write_all(out, buf, (size_t)n) < 0)
                return orb_err_sys(err, errno, "%s: write", name);
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return orb_err_sys(err, errno, "%s: copy", name);
        if (n == 0)
            return 0;
    }
}

static int copy_regular(int src_dirfd, const char *src_name, const struct stat *st, int dst_dirfd,
                        const char *dst_name, orb_error **err)
{
    _cleanup_close_ int in = openat(src_dirfd, src_name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (in < 0)
        return orb_err_sys(err, errno, "%s: open", src_name);
    _cleanup_close_ int out =
        openat(dst_dirfd, dst_name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (out < 0)
        return orb_err_sys(err, errno, "%s: create", dst_name);
    if (copy_data(in, out, src_name, err) < 0)
        return -1;
    if (orb_copy_xattrs_fd(in, out, src_name, err) < 0)
        return -1;
    return orb_copy_meta_fd(out, st, dst_name, err);
}

static int copy_symlink(int src_dirfd, const char *src_name, const struct stat *st, int dst_dirfd,
                        const char *dst_name, orb_error **err)
{
    size_t size = (size_t)st->st_size + 2;
    if (size < 2 || size > 65536)
        size = 65536;
    _cleanup_free_ char *target = xmalloc(size);
    ssize_t n = readlinkat(src_dirfd, src_name, target, size);
    if (n < 0)
        return orb_err_sys(err, errno, "%s: read link", src_name);
    if ((size_t)n >= size)
        return orb_err(err, ENAMETOOLONG, "%s: link target changed while copying", src_name);
    target[n] = '\0';
    if (symlinkat(target, dst_dirfd, dst_name) < 0)
        return orb_err_sys(err, errno, "%s: create symlink", dst_name);
    if (geteuid() == 0 &&
        fchownat(dst_dirfd, dst_name, st->st_uid, st->st_gid, AT_SYMLINK_NOFOLLOW) < 0)
        return orb_err_sys(err, errno, "%s: set owner", dst_name);
    struct timespec ts[2] = {st->st_atim, st->st_mtim};
    if (utimensat(dst_dirfd, dst_name, ts, AT_SYMLINK_NOFOLLOW) < 0)
        return orb_err_sys(err, errno, "%s: set times", dst_name);
    return 0;
}

static int copy_special(const struct stat *st, int dst_dirfd, const char *dst_name, orb_error **err)
{
    if ((S_ISCHR(st->st_mode) || S_ISBLK(st->st_mode)) && geteuid() != 0)
        return 0;
    if (mknodat(dst_dirfd, dst_name, (st->st_mode & S_IFMT) | 0600, st->st_rdev) < 0)
        return orb_err_sys(err, errno, "%s: create node", dst_name);
    /* A fifo or device node must not be opened; set its metadata by name.
     * We just created it, so following is not a concern. */
    if (geteuid() == 0 && fchownat(dst_dirfd, dst_name, st->st_uid, st->st_gid, 0) < 0)
        return orb_err_sys(err, errno, "%s: set owner", dst_name);
    if (fchmodat(dst_dirfd, dst_name, st->st_mode & 07777, 0) < 0)
        return orb_err_sys(err, errno, "%s: set mode", dst_name);
    struct timespec ts[2] = {st->st_atim, st->st_mtim};
    if (utimensat(dst_dirfd, dst_name, ts, AT_SYMLINK_NOFOLLOW) < 0)
        return orb_err_sys(err, errno, "%s: set times", dst_name);
    return 0;
}

int orb_copy_node_at(int src_dirfd, const char *src_name, const struct stat *st, int dst_dirfd,
                     const char *dst_name, orb_error **err)
{
    switch (st->st_mode & S_IFMT) {
    case S_IFREG:
        return copy_regular(src_dirfd, src_name, st, dst_dirfd, dst_name, err);
    case S_IFLNK:
        return copy_symlink(src_dirfd, src_name, st, dst_dirfd, dst_name, err);
    case S_IFIFO:
    case S_IFCHR:
    case S_IFBLK:
        return copy_special(st, dst_dirfd, dst_name, err);
    case S_IFSOCK:
        return 0;
    default:
        return orb_err(err, EINVAL, "%s: cannot copy this file type", src_name);
    }
}

int orb_copy_file_at(int src_dirfd, const char *src_name, int dst_dirfd, const char *dst_name,
                     orb_error **err)
{
    struct stat st;
    if (fstatat(src_dirfd, src_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
        return orb_err_sys(err, errno, "%s: stat", src_name);
    if (S_ISDIR(st.st_mode))
        return orb_err(err, EISDIR, "%s: is a directory", src_name);
    return orb_copy_node_at(src_dirfd, src_name, &st, dst_dirfd, dst_name, err);
}

/* ---- trees --------------------------------------------------------------- */

typedef struct tree_copy {
    int dst_root;
    orb_inode_map *links;
    char path[4096]; /* current directory, relative to the roots ("" at the top) */
} tree_copy;

static int copy_dir_entries(tree_copy *tc, int src_fd, int dst_fd, int depth, orb_error **err);

static int copy_entry(tree_copy *tc, int src_fd, int dst_fd, const char *name, int depth,
                      orb_error **err)
{
    struct stat st;
    if (fstatat(src_fd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
        return orb_err_sys(err, errno, "%s%s: stat", tc->path, name);
    size_t len = strlen(tc->path);
    if (len + strlen(name) + 2 > sizeof(tc->path))
        return orb_err(err, ENAMETOOLONG, "%s%s: path too long", tc->path, name);
    strcat(tc->path, name);
    int r;
    if (S_ISDIR(st.st_mode)) {
        strcat(tc->path, "/");
        _cleanup_close_ int sfd = -1, dfd = -1;
        sfd = openat(src_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (sfd < 0 || mkdirat(dst_fd, name, 0700) < 0 ||
            (dfd = openat(dst_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0)
            r = orb_err_sys(err, errno, "%s", tc->path);
        else if ((r = copy_dir_entries(tc, sfd, dfd, depth + 1, err)) == 0 &&
                 (r = orb_copy_xattrs_fd(sfd, dfd, tc->path, err)) == 0)
            r = orb_copy_meta_fd(dfd, &st, tc->path, err);
    } else {
        const char *first = st.st_nlink > 1 ? orb_inode_map_get(tc->links, 0, &st) : NULL;
        if (first) {
            r = linkat(tc->dst_root, first, dst_fd, name, 0);
            if (r < 0)
                r = orb_err_sys(err, errno, "%s: link to %s", tc->path, first);
        } else {
            r = orb_copy_node_at(src_fd, name, &st, dst_fd, name, err);
            if (r == 0 && st.st_nlink > 1)
                orb_inode_map_put(tc->links, 0, &st, tc->path);
        }
    }
    tc->path[len] = '\0';
    return r;
}

static int compare_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int orb_copy_list_dir(int dirfd, char ***ret, orb_error **err)
{
    int fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return orb_err_sys(err, errno, "open directory");
    DIR *d = fdopendir(fd);
    if (!d) {
        close(fd);
        return orb_err_sys(err, errno, "open directory");
    }
    char **names = NULL;
    size_t n = 0;
    struct dirent *de;
    errno = 0;
    while ((de = readdir(d))) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        names = xrealloc(names, (n + 2) * sizeof(char *));
        names[n++] = xstrdup(de->d_name);
        names[n] = NULL;
    }
    int e = errno;
    closedir(d);
    if (e) {
        strv_free(names);
        return orb_err_sys(err, e, "read directory");
    }
    if (n)
        qsort(names, n, sizeof(char *), compare_names);
    *ret = names ? names : xcalloc(1, sizeof(char *));
    return 0;
}

static int copy_dir_entries(tree_copy *tc, int src_fd, int dst_fd, int depth, orb_error **err)
{
    if (depth > 1024)
        return orb_err(err, ELOOP, "%s: directories nested too deep", tc->path);
    _cleanup_strv_ char **names = NULL;
    if (orb_copy_list_dir(src_fd, &names, err) < 0)
        return orb_err_wrap(err, "%s", tc->path[0] ? tc->path : ".");
    for (size_t i = 0; names[i]; i++)
        if (copy_entry(tc, src_fd, dst_fd, names[i], depth, err) < 0)
            return -1;
    return 0;
}

int orb_copy_tree(int src_dirfd, int dst_dirfd, orb_error **err)
{
    tree_copy tc = {.dst_root = dst_dirfd, .links = orb_inode_map_new()};
    int r = copy_dir_entries(&tc, src_dirfd, dst_dirfd, 0, err);
    orb_inode_map_free(tc.links);
    return r;
}
