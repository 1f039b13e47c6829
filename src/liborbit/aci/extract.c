#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "aci/aci_internal.h"
#include "aci/archive_api.h"
#include "aci/extract.h"
#include "util/fs.h"
#include "util/mem.h"
#include "util/path.h"

typedef struct entry_meta {
    mode_t mode; /* permission bits, setuid/setgid dropped unless root */
    uid_t uid;
    gid_t gid;
    struct timespec times[2];
} entry_meta;

typedef struct dir_meta {
    char *path;
    size_t depth;
    entry_meta meta;
    struct archive_entry *xattrs; /* a copy of the entry when it has extended attributes */
} dir_meta;

struct orb_extractor {
    int rootfd;
    char *image;
    bool root; /* running as root: owners, setuid bits, devices */
    dir_meta *dirs;
    size_t n_dirs, dirs_cap;
    uint64_t size;
    char *buf;
};

orb_extractor *orb_extractor_new(int rootfd, const char *image)
{
    orb_extractor *x = xcalloc(1, sizeof(*x));
    x->rootfd = fcntl(rootfd, F_DUPFD_CLOEXEC, 3);
    x->image = xstrdup(image);
    x->root = geteuid() == 0;
    return x;
}

void orb_extractor_free(orb_extractor *x)
{
    if (!x)
        return;
    for (size_t i = 0; i < x->n_dirs; i++) {
        free(x->dirs[i].path);
        if (x->dirs[i].xattrs)
            sym_archive_entry_free(x->dirs[i].xattrs);
    }
    free(x->dirs);
    if (x->rootfd >= 0)
        close(x->rootfd);
    free(x->buf);
    free(x->image);
    free(x);
}

void orb_extractor_freep(orb_extractor **x)
{
    orb_extractor_free(*x);
    *x = NULL;
}

uint64_t orb_extractor_size(const orb_extractor *x)
{
    return x->size;
}

static int fail(orb_extractor *x, const char *clean, int errnum, const char *what, orb_error **err)
{
    return orb_err_sys(err, errnum, "%s: %s: %s", x->image, clean, what);
}

static entry_meta meta_of(const orb_extractor *x, struct archive_entry *e)
{
    entry_meta m = {
        .mode = sym_archive_entry_perm(e) & (x->root ? 07777 : 01777),
        .uid = (uid_t)sym_archive_entry_uid(e),
        .gid = (gid_t)sym_archive_entry_gid(e),
    };
    if (sym_archive_entry_mtime_is_set(e)) {
        m.times[1].tv_sec = sym_archive_entry_mtime(e);
        m.times[1].tv_nsec = sym_archive_entry_mtime_nsec(e);
        m.times[0] = m.times[1];
    } else {
        m.times[0].tv_nsec = m.times[1].tv_nsec = UTIME_OMIT;
    }
    return m;
}

/* Creates the missing parents of clean, one component at a time. */
static int make_parents(orb_extractor *x, const char *clean, orb_error **err)
{
    for (const char *slash = strchr(clean, '/'); slash; slash = strchr(slash + 1, '/')) {
        _cleanup_free_ char *prefix = xstrndup(clean, (size_t)(slash - clean));
        _cleanup_free_ char *base = NULL;
        _cleanup_close_ int pfd = orb_open_parent_in_root(x->rootfd, prefix, &base, err);
        if (pfd < 0)
            return orb_err_wrap(err, "%s: %s", x->image, clean);
        if (mkdirat(pfd, base, 0755) < 0 && errno != EEXIST)
            return fail(x, clean, errno, "create parent directory", err);
    }
    return 0;
}

static int open_parent(orb_extractor *x, const char *clean, char **ret_base, orb_error **err)
{
    _cleanup_error_ orb_error *first = NULL;
    int fd = orb_open_parent_in_root(x->rootfd, clean, ret_base, &first);
    if (fd >= 0)
        return fd;
    if (first->errnum != ENOENT)
        return orb_err(err, first->errnum, "%s: %s: %s", x->image, clean, first->msg);
    if (make_parents(x, clean, err) < 0)
        return -1;
    fd = orb_open_parent_in_root(x->rootfd, clean, ret_base, err);
    if (fd < 0)
        return orb_err_wrap(err, "%s: %s", x->image, clean);
    return fd;
}

static int set_xattrs(orb_extractor *x, int fd, const char *clean, struct archive_entry *e,
                      orb_error **err)
{
    const char *name;
    const void *value;
    size_t size;
    sym_archive_entry_xattr_reset(e);
    while (sym_archive_entry_xattr_next(e, &name, &value, &size) == ARCHIVE_OK) {
        if (!x->root && (strncmp(name, "security.", 9) == 0 || strncmp(name, "trusted.", 8) == 0))
            continue;
        if (fsetxattr(fd, name, value, size, 0) < 0 && errno != ENOTSUP) {
            _cleanup_free_ char *what = xasprintf("set extended attribute %s", name);
            return fail(x, clean, errno, what, err);
        }
    }
    return 0;
}

/* Owner first: a change of owner clears setuid bits and file capabilities. */
static int apply_fd_meta(orb_extractor *x, int fd, const char *clean, const entry_meta *m,
                         struct archive_entry *e, orb_error **err)
{
    if (x->root && fchown(fd, m->uid, m->gid) < 0)
        return fail(x, clean, errno, "set owner", err);
    if (fchmod(fd, m->mode) < 0)
        return fail(x, clean, errno, "set mode", err);
    if (e && set_xattrs(x, fd, clean, e, err) < 0)
        return -1;
    if (futimens(fd, m->times) < 0)
        return fail(x, clean, errno, "set times", err);
    return 0;
}

static int write_data(orb_extractor *x, int fd, const char *clean, orb_aci_reader *r,
                      orb_error **err)
{
    if (!x->buf)
        x->buf = xmalloc(ACI_IO_BUFSIZE);
    for (;;) {
        ssize_t n = orb_aci_reader_read(r, x->buf, ACI_IO_BUFSIZE, err);
        if (n < 0)
            return -1;
        if (n == 0)
            return 0;
        if (orb_write_all(fd, x->buf, (size_t)n) < 0)
            return fail(x, clean, errno, "write", err);
        x->size += (uint64_t)n;
    }
}

static int extract_file(orb_extractor *x, int pfd, const char *base, const char *clean,
                        struct archive_entry *e, orb_aci_reader *r, orb_error **err)
{
    _cleanup_close_ int fd =
        openat(pfd, base, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0)
        return fail(x, clean, errno, "create", err);
    if (write_data(x, fd, clean, r, err) < 0)
        return -1;
    entry_meta m = meta_of(x, e);
    return apply_fd_meta(x, fd, clean, &m, e, err);
}

static int extract_dir(orb_extractor *x, int pfd, const char *base, const char *clean,
                       struct archive_entry *e, orb_error **err)
{
    if (mkdirat(pfd, base, 0700) < 0) {
        struct stat st;
        if (errno != EEXIST || fstatat(pfd, base, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
            !S_ISDIR(st.st_mode))
            return fail(x, clean, errno == EEXIST ? EEXIST : errno, "create directory", err);
    }
    if (x->n_dirs == x->dirs_cap) {
        x->dirs_cap = x->dirs_cap ? x->dirs_cap * 2 : 64;
        x->dirs = xrealloc(x->dirs, x->dirs_cap * sizeof(*x->dirs));
    }
    dir_meta *d = &x->dirs[x->n_dirs++];
    d->path = xstrdup(clean);
    d->depth = 0;
    for (const char *p = clean; *p; p++)
        d->depth += *p == '/';
    d->meta = meta_of(x, e);
    d->xattrs = sym_archive_entry_xattr_count(e) > 0 ? sym_archive_entry_clone(e) : NULL;
    return 0;
}

/* Symlinks, fifos and device nodes: metadata set by name, never following. */
static int apply_name_meta(orb_extractor *x, int pfd, const char *base, const char *clean,
                           const entry_meta *m, bool is_link, orb_error **err)
{
    if (x->root && fchownat(pfd, base, m->uid, m->gid, AT_SYMLINK_NOFOLLOW) < 0)
        return fail(x, clean, errno, "set owner", err);
    if (!is_link && fchmodat(pfd, base, m->mode, 0) < 0)
        return fail(x, clean, errno, "set mode", err);
    if (utimensat(pfd, base, m->times, AT_SYMLINK_NOFOLLOW) < 0)
        return fail(x, clean, errno, "set times", err);
    return 0;
}

static int extract_hardlink(orb_extractor *x, int pfd, const char *base, const char *clean,
                            const char *target_raw, orb_error **err)
{
    bool escapes;
    _cleanup_free_ char *target = aci_clean_name(target_raw, &escapes);
    if (escapes)
        return orb_err(err, EINVAL, "%s: %s: hard link target %s is outside the image", x->image,
                       clean, target_raw);
    _cleanup_free_ char *tbase = NULL;
    _cleanup_close_ int tfd = orb_open_parent_in_root(x->rootfd, target, &tbase, err);
    if (tfd < 0)
        return orb_err_wrap(err, "%s: %s: hard link target", x->image, clean);
    if (linkat(tfd, tbase, pfd, base, 0) < 0)
        return fail(x, clean, errno, "create hard link", err);
    return 0;
}

static int extract_special(orb_extractor *x, int pfd, const char *base, const char *clean,
                           struct archive_entry *e, orb_error **err)
{
    entry_meta m = meta_of(x, e);
    mode_t type = sym_archive_entry_filetype(e);
    if (type == AE_IFLNK) {
        if (symlinkat(sym_archive_entry_symlink(e) ?: "", pfd, base) < 0)
            return fail(x, clean, errno, "create symlink", err);
        return apply_name_meta(x, pfd, base, clean, &m, true, err);
    }
    if (type == AE_IFIFO) {
        if (mkfifoat(pfd, base, 0600) < 0)
            return fail(x, clean, errno, "create fifo", err);
        return apply_name_meta(x, pfd, base, clean, &m, false, err);
    }
    if (type == AE_IFCHR || type == AE_IFBLK) {
        if (!x->root)
            return orb_err(err, EPERM,
                           "%s: %s: device node: importing an image with device nodes needs root",
                           x->image, clean);
        dev_t dev = makedev(sym_archive_entry_rdevmajor(e), sym_archive_entry_rdevminor(e));
        if (mknodat(pfd, base, (type == AE_IFCHR ? S_IFCHR : S_IFBLK) | 0600, dev) < 0)
            return fail(x, clean, errno, "create device node", err);
        return apply_name_meta(x, pfd, base, clean, &m, false, err);
    }
    return orb_err(err, EINVAL, "%s: %s: unsupported file type", x->image, clean);
}

int orb_extractor_entry(orb_extractor *x, struct archive_entry *e, const char *clean,
                        orb_aci_reader *r, orb_error **err)
{
    /* The entry need not come from a reader (tests build their own with the
     * library linked in), so this module cannot count on a reader having
     * bound libarchive. */
    if (orb_archive_load(err) < 0)
        return -1;
    if (x->rootfd < 0)
        return orb_err_sys(err, EBADF, "%s: extraction root", x->image);
    _cleanup_free_ char *base = NULL;
    _cleanup_close_ int pfd = open_parent(x, clean, &base, err);
    if (pfd < 0)
        return -1;
    if (sym_archive_entry_hardlink(e))
        return extract_hardlink(x, pfd, base, clean, sym_archive_entry_hardlink(e), err);
    switch (sym_archive_entry_filetype(e)) {
    case AE_IFDIR:
        return extract_dir(x, pfd, base, clean, e, err);
    case 0:
    case AE_IFREG:
        return extract_file(x, pfd, base, clean, e, r, err);
    default:
        return extract_special(x, pfd, base, clean, e, err);
    }
}

int orb_extractor_write_file(orb_extractor *x, const char *clean, const char *data, size_t len,
                             mode_t mode, orb_error **err)
{
    _cleanup_free_ char *base = NULL;
    _cleanup_close_ int pfd = open_parent(x, clean, &base, err);
    if (pfd < 0)
        return -1;
    _cleanup_close_ int fd =
        openat(pfd, base, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
    if (fd < 0)
        return fail(x, clean, errno, "create", err);
    if (orb_write_all(fd, data, len) < 0)
        return fail(x, clean, errno, "write", err);
    x->size += len;
    return 0;
}

static int deeper_first(const void *a, const void *b)
{
    const dir_meta *da = a, *db = b;
    return da->depth < db->depth ? 1 : da->depth > db->depth ? -1 : 0;
}

int orb_extractor_finish(orb_extractor *x, orb_error **err)
{
    if (x->n_dirs > 1)
        qsort(x->dirs, x->n_dirs, sizeof(*x->dirs), deeper_first);
    for (size_t i = 0; i < x->n_dirs; i++) {
        dir_meta *d = &x->dirs[i];
        _cleanup_close_ int fd = orb_open_in_root(x->rootfd, d->path, O_RDONLY | O_DIRECTORY, 0,
                                                  ORB_RESOLVE_NO_SYMLINKS, err);
        if (fd < 0)
            return orb_err_wrap(err, "%s", x->image);
        if (apply_fd_meta(x, fd, d->path, &d->meta, d->xattrs, err) < 0)
            return -1;
    }
    return 0;
}
